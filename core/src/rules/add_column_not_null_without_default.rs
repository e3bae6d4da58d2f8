//! `add-column-not-null-without-default`: `ADD COLUMN ... NOT NULL` without a default on an
//! existing table: it fails as soon as the table has a row.

use crate::pg::NodeEnum;
use crate::pg::protobuf::ConstrType;
use crate::schema::ColumnType;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "add-column-not-null-without-default",
    category: Category::Locking,
    summary: "a `NOT NULL` column without a default fails on a table that has rows",
    why: "every existing row would get NULL in the new column, which `NOT NULL` forbids: the migration fails with \
          \"column contains null values\" on any non-empty table (after waiting for its ACCESS EXCLUSIVE lock), so it \
          passes on an empty development database and fails in production",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let table = ctx.table();
    ctx.added_columns()
        .into_iter()
        .filter(|(column, _)| {
            let has = |kind: ConstrType| {
                column.constraints.iter().any(
                    |n| matches!(&n.node, Some(NodeEnum::Constraint(c)) if c.contype == kind as i32),
                )
            };
            let serial = column
                .type_name
                .as_ref()
                .map(ColumnType::of)
                .is_some_and(|t| matches!(t.name.as_str(), "serial" | "bigserial" | "smallserial"));
            (column.is_not_null || has(ConstrType::ConstrNotnull) || has(ConstrType::ConstrPrimary))
                && column.raw_default.is_none()
                && !has(ConstrType::ConstrDefault)
                && !has(ConstrType::ConstrIdentity)
                && !has(ConstrType::ConstrGenerated)
                && column.identity.is_empty()
                && !serial
        })
        .map(|(column, span)| {
            let col = &column.colname;
            Finding {
                offset: span.0,
                len: span.1,
                message: format!(
                    "adding `NOT NULL` column `{col}` to `{table}` without a default fails if `{table}` has any row"
                ),
                help: format!(
                    "give it a constant default, which PostgreSQL 11+ stores without a rewrite: `ALTER TABLE {table} ADD \
                     COLUMN {col} <type> NOT NULL DEFAULT <constant>;` or add it nullable, backfill in batches, and \
                     make it NOT NULL through a validated `CHECK ({col} IS NOT NULL)`"
                ),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, check_after, codes_after};
    use super::*;

    #[test]
    fn flags_not_null_without_default() {
        let found = check(
            &RULE,
            "ALTER TABLE users ADD COLUMN \"Org\" bigint NOT NULL;",
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].1.message.contains("`Org` to `users`"));
    }

    #[test]
    fn a_default_or_generated_value_is_fine() {
        let sql = "ALTER TABLE users ADD COLUMN a int NOT NULL DEFAULT 0, ADD COLUMN b int, \
                   ADD COLUMN c bigint GENERATED ALWAYS AS IDENTITY, ADD COLUMN d bigserial, \
                   ADD COLUMN e int NOT NULL GENERATED ALWAYS AS (1) STORED;";
        assert!(check(&RULE, sql).is_empty());
        let new = "CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN b int NOT NULL;";
        assert!(check_after(&RULE, "", new).is_empty());
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "-- pgshift:allow add-column-not-null-without-default -- the table is always empty here\n\
                   ALTER TABLE users ADD COLUMN b int NOT NULL;";
        assert!(codes_after("", sql).is_empty());
    }
}
