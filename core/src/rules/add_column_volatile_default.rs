//! `add-column-volatile-default`: `ADD COLUMN ... DEFAULT <volatile expression>` on an existing
//! table, which rewrites it. Volatility comes from PostgreSQL's catalog
//! ([`super::volatile_functions`]) and from the functions the migrations create.

use crate::pg::NodeEnum;
use crate::pg::protobuf::ConstrType;

use super::expr::{Volatility, first_volatile_call};
use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "add-column-volatile-default",
    category: Category::Locking,
    summary: "a column with a volatile default rewrites the table under its strongest lock",
    why: "since PostgreSQL 11 a new column's default is stored once when it is a constant or a stable expression; a \
          volatile one (`gen_random_uuid()`, `random()`, `clock_timestamp()`, `nextval()`) must be computed for \
          every row, so PostgreSQL rewrites the whole table and its indexes under an ACCESS EXCLUSIVE lock",
    source_file: file!(),
    check,
};

/// Whether a default expression is the constant `NULL` (which no version writes into rows).
fn is_null(expr: &crate::pg::protobuf::Node) -> bool {
    matches!(&expr.node, Some(NodeEnum::AConst(c)) if c.isnull)
}

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let table = ctx.table();
    let mut out = Vec::new();
    for (column, span) in ctx.added_columns() {
        let default = column.raw_default.as_deref().or_else(|| {
            column.constraints.iter().find_map(|n| match &n.node {
                Some(NodeEnum::Constraint(c)) if c.contype == ConstrType::ConstrDefault as i32 => {
                    c.raw_expr.as_deref()
                }
                _ => None,
            })
        });
        let Some(default) = default else { continue };
        let (why, fallback) = match first_volatile_call(default, ctx.schema) {
            Some((function, Volatility::Unknown)) => (
                format!(
                    "`{function}()` is neither a built-in function nor created by this migration set, so its \
                     volatility is unknown (a function is VOLATILE unless declared otherwise)"
                ),
                format!("{function}(...)"),
            ),
            Some((function, _)) => (
                format!("`{function}()` is volatile"),
                format!("{function}(...)"),
            ),
            // Before PostgreSQL 11 every default but NULL is written into every row.
            None if !ctx.config.at_least(11) && !is_null(default) => (
                format!(
                    "PostgreSQL {}, the target in pgshift.toml, writes any default into every row (only 11 and \
                     later store a constant default once)",
                    ctx.config.postgres_version
                ),
                "<default>".to_string(),
            ),
            None => continue,
        };
        let col = &column.colname;
        let expr = super::expr::expr_sql(default).unwrap_or(fallback);
        let ty = column
            .type_name
            .as_ref()
            .map(|t| crate::schema::ColumnType::of(t).to_string())
            .unwrap_or_else(|| "<type>".into());
        let not_null = if column.is_not_null
            || column.constraints.iter().any(|n| {
                matches!(&n.node, Some(NodeEnum::Constraint(c)) if c.contype == ConstrType::ConstrNotnull as i32)
            }) {
            " (and make it NOT NULL afterwards as `set-not-null`'s help describes)"
        } else {
            ""
        };
        out.push(Finding {
            offset: span.0,
            len: span.1,
            message: format!(
                "adding column `{col}` to `{table}` with {} default rewrites every row while `{table}` is \
                 locked against reads and writes (ACCESS EXCLUSIVE): {why}",
                if ctx.config.at_least(11) { "a volatile" } else { "a" }
            ),
            help: format!(
                "add the column without the default, set the default for new rows only, and backfill in batches \
                 outside the migration: `ALTER TABLE {table} ADD COLUMN {col} {ty};` `ALTER TABLE {table} ALTER COLUMN \
                 {col} SET DEFAULT {expr};` then `UPDATE {table} SET {col} = {expr} WHERE <batch> AND {col} IS NULL;`\
                 {not_null}"
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, check_after, codes_after};
    use super::*;

    #[test]
    fn flags_volatile_and_unknown_functions() {
        let found = check(
            &RULE,
            "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid(), ADD COLUMN seen timestamptz \
             NOT NULL DEFAULT clock_timestamp(), ADD COLUMN legacy uuid DEFAULT uuid_generate_v4();",
        );
        assert_eq!(found.len(), 3);
        assert_eq!(
            found[0].0,
            "ADD COLUMN token uuid DEFAULT gen_random_uuid()"
        );
        assert!(
            found[0]
                .1
                .message
                .ends_with("`gen_random_uuid()` is volatile")
        );
        assert!(found[2].1.message.contains("volatility is unknown"));
        assert!(
            found[1].1.help.contains(
                "ADD COLUMN seen timestamptz;` `ALTER TABLE users ALTER COLUMN seen SET DEFAULT clock_timestamp();`"
            ),
            "{}",
            found[1].1.help
        );
        assert!(
            found[1]
                .1
                .help
                .ends_with("as `set-not-null`'s help describes)")
        );
    }

    #[test]
    fn constant_and_stable_defaults_are_fine() {
        let sql = "ALTER TABLE users ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(), \
                   ADD COLUMN state text DEFAULT 'new', ADD COLUMN meta jsonb DEFAULT '{}'::jsonb, \
                   ADD COLUMN day date DEFAULT CURRENT_DATE;\n\
                   ALTER TABLE users ALTER COLUMN token SET DEFAULT gen_random_uuid();";
        assert!(check(&RULE, sql).is_empty());
        let before =
            "CREATE FUNCTION app_default() RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT 1';";
        assert!(
            check_after(
                &RULE,
                before,
                "ALTER TABLE users ADD COLUMN x int DEFAULT app_default();"
            )
            .is_empty()
        );
    }

    #[test]
    fn before_postgresql_11_any_default_rewrites() {
        use super::super::test_support::check_after_with;
        let pg10 = crate::config::Config {
            postgres_version: 10,
            ..Default::default()
        };
        let sql = "ALTER TABLE users ADD COLUMN state text DEFAULT 'new', ADD COLUMN note text DEFAULT NULL, \
                   ADD COLUMN n int;";
        let found = check_after_with(&RULE, &pg10, "", sql);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "ADD COLUMN state text DEFAULT 'new'");
        assert!(
            found[0].1.message.contains("with a default rewrites"),
            "{}",
            found[0].1.message
        );
        assert!(found[0].1.message.contains("PostgreSQL 10, the target"));
        assert!(
            found[0].1.help.contains("SET DEFAULT 'new'"),
            "{}",
            found[0].1.help
        );
        let pg11 = crate::config::Config {
            postgres_version: 11,
            ..Default::default()
        };
        assert!(check_after_with(&RULE, &pg11, "", sql).is_empty());
    }

    #[test]
    fn a_table_created_in_the_same_migration_is_exempt() {
        let sql =
            "CREATE TABLE t (id int);\nALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid();";
        assert!(check_after(&RULE, "", sql).is_empty());
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "ALTER TABLE users ADD COLUMN u uuid DEFAULT gen_random_uuid();";
        assert_eq!(codes_after("", sql), ["add-column-volatile-default"]);
        let allowed =
            format!("-- pgshift:allow add-column-volatile-default -- users has 30 rows\n{sql}");
        assert!(codes_after("", &allowed).is_empty());
    }
}
