//! `add-column-stored-generated`: `ADD COLUMN ... GENERATED ALWAYS AS (...) STORED` on an existing
//! table, which computes the value for every row and so rewrites it.

use crate::pg::NodeEnum;
use crate::pg::protobuf::ConstrType;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "add-column-stored-generated",
    category: Category::Locking,
    summary: "a stored generated column rewrites the table under its strongest lock",
    why: "a new `GENERATED ALWAYS AS (...) STORED` column is computed and written for every existing row, so \
          PostgreSQL rewrites the whole table and its indexes under an ACCESS EXCLUSIVE lock",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let table = ctx.table();
    ctx.added_columns()
        .into_iter()
        .filter(|(column, _)| {
            column.constraints.iter().any(|n| {
                matches!(&n.node, Some(NodeEnum::Constraint(c)) if c.contype == ConstrType::ConstrGenerated as i32)
            })
        })
        .map(|(column, span)| {
            let col = &column.colname;
            Finding {
                offset: span.0,
                len: span.1,
                message: format!(
                    "adding stored generated column `{col}` to `{table}` rewrites every row while `{table}` is locked \
                     against reads and writes (ACCESS EXCLUSIVE)"
                ),
                help: format!(
                    "add a plain column, keep it current with a trigger (or the application), and backfill it in \
                     batches outside the migration: `ALTER TABLE {table} ADD COLUMN {col} <type>;` then `UPDATE {table} \
                     SET {col} = <expression> WHERE <batch>;`"
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
    fn flags_a_stored_generated_column() {
        let found = check(
            &RULE,
            "ALTER TABLE orders ADD COLUMN total numeric GENERATED ALWAYS AS (price * qty) STORED;",
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].1.message.contains("`total` to `orders`"));
    }

    #[test]
    fn identity_columns_and_new_tables_are_not_its_business() {
        assert!(
            check(
                &RULE,
                "ALTER TABLE orders ADD COLUMN n int GENERATED ALWAYS AS IDENTITY;"
            )
            .is_empty()
        );
        let sql = "CREATE TABLE o (p int);\nALTER TABLE o ADD COLUMN d int GENERATED ALWAYS AS (p * 2) STORED;";
        assert!(check_after(&RULE, "", sql).is_empty());
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "-- pgshift:allow add-column-stored-generated -- orders is tiny\n\
                   ALTER TABLE orders ADD COLUMN d int GENERATED ALWAYS AS (p * 2) STORED;";
        assert!(codes_after("", sql).is_empty());
    }
}
