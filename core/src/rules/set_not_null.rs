//! `set-not-null`: `ALTER COLUMN ... SET NOT NULL` on an existing table, unless a validated
//! `CHECK (column IS NOT NULL)` lets PostgreSQL skip the scan.

use crate::pg::protobuf::AlterTableType;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "set-not-null",
    category: Category::Locking,
    summary: "`SET NOT NULL` blocks reads and writes while every row is checked",
    why: "`ALTER COLUMN ... SET NOT NULL` takes an ACCESS EXCLUSIVE lock on the table and reads every row to prove \
          there is no NULL; since PostgreSQL 12 it skips the scan when a validated `CHECK (column IS NOT NULL)` \
          constraint already proves it",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let known = ctx.class.table.as_ref().and_then(|t| ctx.schema.table(t));
    let table = ctx.table();
    // Before PostgreSQL 12, `SET NOT NULL` scans the table whatever constraints exist.
    let skips_scan = ctx.config.at_least(12);
    ctx.cmds_of(AlterTableType::AtSetNotNull)
        .into_iter()
        .filter(|(cmd, _)| {
            let column = cmd.name.as_str();
            !known.is_some_and(|t| {
                t.column(column).is_some_and(|c| c.not_null)
                    || (skips_scan
                        && t.constraints.iter().any(|k| {
                            k.validated && k.not_null_check_of.as_deref() == Some(column)
                        }))
            })
        })
        .map(|(cmd, span)| {
            let column = &cmd.name;
            let check = format!("{table}_{column}_not_null").replace('.', "_");
            let not_validated = known.is_some_and(|t| {
                t.constraints
                    .iter()
                    .any(|k| !k.validated && k.not_null_check_of.as_deref() == Some(column.as_str()))
            });
            let proven = known.is_some_and(|t| {
                t.constraints
                    .iter()
                    .any(|k| k.validated && k.not_null_check_of.as_deref() == Some(column.as_str()))
            });
            let hint = if not_validated {
                " (the `CHECK ... IS NOT NULL` on it is not validated yet)".to_string()
            } else if proven {
                format!(
                    " (PostgreSQL {}, the target in pgshift.toml, ignores the validated `CHECK ... IS NOT NULL`: \
                     only 12 and later skip the scan with it)",
                    ctx.config.postgres_version
                )
            } else {
                String::new()
            };
            let help = if ctx.column_is_new(column) && ctx.config.at_least(11) {
                format!(
                    "`{column}` is added earlier in this migration: declare it there instead, `ADD COLUMN {column} \
                     <type> NOT NULL DEFAULT <value>`, which needs no scan (the default fills every row without a \
                     rewrite since PostgreSQL 11)"
                )
            } else if skips_scan {
                format!(
                    "prove it with a constraint first: `ALTER TABLE {table} ADD CONSTRAINT {check} CHECK ({column} IS \
                     NOT NULL) NOT VALID;`, in a later migration `ALTER TABLE {table} VALIDATE CONSTRAINT {check};`, \
                     then `ALTER TABLE {table} ALTER COLUMN {column} SET NOT NULL;` (no scan) and `ALTER TABLE {table} \
                     DROP CONSTRAINT {check};`"
                )
            } else {
                format!(
                    "before PostgreSQL 12 keep the constraint instead of `NOT NULL`: `ALTER TABLE {table} ADD \
                     CONSTRAINT {check} CHECK ({column} IS NOT NULL) NOT VALID;`, then in a later migration `ALTER TABLE \
                     {table} VALIDATE CONSTRAINT {check};` (reads and writes continue), and `SET NOT NULL` once the \
                     servers run 12 or later"
                )
            };
            Finding {
                offset: span.0,
                len: span.1,
                message: format!(
                    "`SET NOT NULL` on `{table}.{column}` locks `{table}` against reads and writes (ACCESS EXCLUSIVE) \
                     while every row is checked{hint}"
                ),
                help,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, check_after, codes_after};
    use super::*;

    #[test]
    fn flags_each_column_at_its_position() {
        let found = check(
            &RULE,
            "ALTER TABLE cases ALTER COLUMN title SET NOT NULL, ALTER body SET NOT NULL;",
        );
        let spans: Vec<&str> = found.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(
            spans,
            ["ALTER COLUMN title SET NOT NULL", "ALTER body SET NOT NULL"]
        );
        assert!(
            found[0]
                .1
                .help
                .contains("CHECK (title IS NOT NULL) NOT VALID")
        );
    }

    #[test]
    fn a_validated_not_null_check_makes_it_safe() {
        let before = "CREATE TABLE cases (id int, title text);\n\
                      ALTER TABLE cases ADD CONSTRAINT title_nn CHECK (title IS NOT NULL) NOT VALID;";
        let sql = "ALTER TABLE cases ALTER COLUMN title SET NOT NULL;";
        let found = check_after(&RULE, before, sql);
        assert!(
            found[0].1.message.contains("not validated yet"),
            "{found:?}"
        );
        let validated = format!("{before}\nALTER TABLE cases VALIDATE CONSTRAINT title_nn;");
        assert!(check_after(&RULE, &validated, sql).is_empty());
        // Already NOT NULL: nothing to check.
        assert!(
            check_after(
                &RULE,
                "CREATE TABLE c (t text NOT NULL);",
                "ALTER TABLE c ALTER t SET NOT NULL;"
            )
            .is_empty()
        );
    }

    #[test]
    fn before_postgresql_12_the_check_does_not_help() {
        use super::super::test_support::check_after_with;
        let before = "CREATE TABLE cases (id int, title text);\n\
                      ALTER TABLE cases ADD CONSTRAINT title_nn CHECK (title IS NOT NULL);";
        let sql = "ALTER TABLE cases ALTER COLUMN title SET NOT NULL;";
        let pg11 = crate::config::Config {
            postgres_version: 11,
            ..Default::default()
        };
        let found = check_after_with(&RULE, &pg11, before, sql);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].1.message.contains("PostgreSQL 11, the target"),
            "{}",
            found[0].1.message
        );
        assert!(
            found[0]
                .1
                .help
                .starts_with("before PostgreSQL 12 keep the constraint")
        );
        let pg12 = crate::config::Config {
            postgres_version: 12,
            ..Default::default()
        };
        assert!(check_after_with(&RULE, &pg12, before, sql).is_empty());
    }

    #[test]
    fn a_column_added_in_the_same_migration_is_still_scanned_and_the_help_says_how_not_to() {
        let before = "CREATE TABLE cases (id int);";
        let sql = "ALTER TABLE cases ADD COLUMN flag boolean DEFAULT false;\nALTER TABLE cases ALTER COLUMN flag SET NOT NULL;";
        let found = check_after(&RULE, before, sql);
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .1
                .help
                .contains("`ADD COLUMN flag <type> NOT NULL DEFAULT <value>`"),
            "{}",
            found[0].1.help
        );
    }

    #[test]
    fn a_table_created_in_the_same_migration_is_exempt() {
        let sql = "CREATE TABLE t (a int);\nALTER TABLE t ALTER COLUMN a SET NOT NULL;";
        assert!(check_after(&RULE, "", sql).is_empty());
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "-- pgshift:allow set-not-null -- backfilled and small\nALTER TABLE cases ALTER title SET NOT NULL;";
        assert!(codes_after("", sql).is_empty());
    }
}
