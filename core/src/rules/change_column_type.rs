//! `change-column-type`: `ALTER TABLE ... ALTER COLUMN ... TYPE`, judged by the column's old
//! type as the schema model knows it: a change PostgreSQL makes without touching the rows
//! (a longer `varchar`, `varchar` → `text`, ...) is allowed.

use crate::pg::NodeEnum;
use crate::pg::protobuf::AlterTableType;
use crate::schema::ColumnType;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "change-column-type",
    category: Category::Breaking,
    summary: "changing a column's type locks the table and breaks the release that is still running",
    why: "`ALTER COLUMN ... TYPE` holds an ACCESS EXCLUSIVE lock on the table, blocking every read and \
          write, while it rewrites all rows and rebuilds the indexes (unless the types are binary \
          compatible); and the running release may not handle values of the new type",
    source_file: file!(),
    check,
};

/// What a type change costs, given the old and the new type.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Cost {
    /// PostgreSQL changes the catalog only.
    Free,
    /// The rows stay, but the column's indexes are rebuilt (`timestamp` ↔ `timestamptz`).
    IndexRebuild,
    /// Every row is rewritten (or checked).
    Rewrite,
}

/// Whether `new` keeps at least the precision/length `old` allows: a missing modifier means
/// unlimited.
fn widens(old: &[i64], new: &[i64]) -> bool {
    match (old.first(), new.first()) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(o), Some(n)) => n >= o,
    }
}

/// Like [`widens`] for fractional-second precision, where no modifier means 6 (the most).
fn widens_precision(old: &[i64], new: &[i64]) -> bool {
    new.first().unwrap_or(&6) >= old.first().unwrap_or(&6)
}

/// The cost of changing `old` to `new`, measured on PostgreSQL 15 (table and index file nodes
/// before and after) with the session time zone UTC (`pgshift.toml`'s default; the rule
/// corrects the `timestamp` cases for other zones and versions before 12).
pub(crate) fn cost(old: &ColumnType, new: &ColumnType) -> Cost {
    if old == new {
        return Cost::Free;
    }
    if old.array || new.array {
        return Cost::Rewrite;
    }
    let (o, n) = (old.name.as_str(), new.name.as_str());
    let free = match (o, n) {
        ("varchar", "varchar") => widens(&old.typmods, &new.typmods),
        ("varchar", "text") => true,
        ("text", "varchar") => new.typmods.is_empty(),
        ("numeric", "numeric") => {
            new.typmods.is_empty()
                || (!old.typmods.is_empty()
                    && old.typmods.get(1).unwrap_or(&0) == new.typmods.get(1).unwrap_or(&0)
                    && widens(&old.typmods, &new.typmods))
        }
        ("varbit", "varbit") => widens(&old.typmods, &new.typmods),
        ("cidr", "inet") => true,
        ("timestamp", "timestamp")
        | ("timestamptz", "timestamptz")
        | ("time", "time")
        | ("timetz", "timetz") => widens_precision(&old.typmods, &new.typmods),
        ("interval", "interval") => new.typmods.is_empty(),
        ("timestamp", "timestamptz") | ("timestamptz", "timestamp") => {
            return if widens_precision(&old.typmods, &new.typmods) {
                Cost::IndexRebuild
            } else {
                Cost::Rewrite
            };
        }
        _ => false,
    };
    if free { Cost::Free } else { Cost::Rewrite }
}

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let Some(table_name) = ctx.class.table.as_ref() else {
        return Vec::new();
    };
    let known = ctx.schema.table(table_name);
    let table = ctx.table();
    ctx.cmds_of(AlterTableType::AtAlterColumnType)
        .into_iter()
        .filter_map(|(cmd, span)| {
            let column = cmd.name.as_str();
            let Some(NodeEnum::ColumnDef(def)) = cmd.def.as_deref().and_then(|d| d.node.as_ref()) else {
                return None;
            };
            let new = def.type_name.as_ref().map(ColumnType::of)?;
            let using = def.raw_default.is_some() || def.coll_clause.is_some();
            let old = known.and_then(|t| t.column(column));
            let (offset, len) = span;
            let help = format!(
                "add a new column with the new type, write to both and backfill it in batches, move reads to it, then \
                 drop `{column}` in a later release"
            );
            let views: Vec<String> = ctx
                .schema
                .views_reading(table_name, column)
                .map(|v| v.name.to_string())
                .collect();
            if !views.is_empty() {
                let views = views.join("`, `");
                return Some(Finding {
                    offset,
                    len,
                    message: format!(
                        "changing the type of column `{column}` of table `{table}` fails: view `{views}` reads it, and \
                         PostgreSQL refuses to change the type of a column a view uses (SQLSTATE 0A000)"
                    ),
                    help: format!(
                        "in this migration, drop the view first and create it again after the change: `DROP VIEW \
                         {views};`, the `ALTER TABLE`, then `CREATE VIEW {views} AS ...;` as before"
                    ),
                });
            }
            let Some(old) = old else {
                return Some(Finding {
                    offset,
                    len,
                    message: format!(
                        "changing the type of column `{column}` of table `{table}` to `{new}` locks and rewrites the \
                         table (its old type is unknown: this migration set did not create the column)"
                    ),
                    help,
                });
            };
            let old_ty = &old.ty;
            let mut verdict = if using { Cost::Rewrite } else { cost(old_ty, &new) };
            // `timestamp` <-> `timestamptz` keeps the rows only from PostgreSQL 12 on, and only
            // when the session time zone is UTC (otherwise the stored instants shift).
            let mut why_rewrite = "";
            if verdict == Cost::IndexRebuild && !ctx.config.at_least(12) {
                verdict = Cost::Rewrite;
                why_rewrite = " (PostgreSQL before 12, the target in pgshift.toml, rewrites it)";
            } else if verdict == Cost::IndexRebuild && !ctx.config.time_zone_is_utc() {
                verdict = Cost::Rewrite;
                why_rewrite = " (the session time zone in pgshift.toml is not UTC, so every value is converted)";
            }
            let message = match verdict {
                Cost::Free => return None,
                Cost::IndexRebuild => {
                    let indexes: Vec<String> = ctx
                        .schema
                        .indexes_on(table_name, column)
                        .map(|i| i.name.clone())
                        .collect();
                    if indexes.is_empty() {
                        return None;
                    }
                    format!(
                        "changing column `{column}` of table `{table}` from `{old_ty}` to `{new}` rewrites no row (the \
                         session time zone is UTC) but rebuilds index `{}` while the table is locked against \
                         reads and writes (ACCESS EXCLUSIVE)",
                        indexes.join("`, `")
                    )
                }
                Cost::Rewrite => format!(
                    "changing column `{column}` of table `{table}` from `{old_ty}` to `{new}`{} rewrites every row \
                     while the table is locked against reads and writes (ACCESS EXCLUSIVE){why_rewrite}",
                    if using { " with `USING`/`COLLATE`" } else { "" }
                ),
            };
            Some(Finding { offset, len, message, help })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, check_after, codes_after};
    use super::*;

    #[test]
    fn unknown_columns_get_the_conservative_verdict() {
        let found = check(
            &RULE,
            "ALTER TABLE cases ALTER COLUMN status TYPE text, ALTER priority SET DATA TYPE bigint;",
        );
        let spans: Vec<&str> = found.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(
            spans,
            [
                "ALTER COLUMN status TYPE text",
                "ALTER priority SET DATA TYPE bigint"
            ]
        );
        assert!(
            found[0].1.message.contains("old type is unknown"),
            "{}",
            found[0].1.message
        );
    }

    #[test]
    fn ignores_defaults_and_not_null() {
        assert!(
            check(
                &RULE,
                "ALTER TABLE t ALTER COLUMN a SET DEFAULT 1, ALTER COLUMN b DROP NOT NULL;"
            )
            .is_empty()
        );
    }

    const BEFORE: &str = "CREATE TABLE cases (id int, title varchar(100), body varchar, code char(4), \
                          amount numeric(10,2), net cidr, at timestamp, indexed_at timestamp, n int, tags varchar(10)[]);\n\
                          CREATE INDEX cases_indexed_at_idx ON cases (indexed_at);";

    #[test]
    fn changes_without_a_rewrite_are_allowed_given_the_old_type() {
        for sql in [
            "ALTER TABLE cases ALTER title TYPE varchar(200)",
            "ALTER TABLE cases ALTER title TYPE varchar",
            "ALTER TABLE cases ALTER title TYPE text",
            "ALTER TABLE cases ALTER body TYPE text",
            "ALTER TABLE cases ALTER amount TYPE numeric(12,2)",
            "ALTER TABLE cases ALTER amount TYPE numeric",
            "ALTER TABLE cases ALTER net TYPE inet",
            "ALTER TABLE cases ALTER at TYPE timestamptz",
            "ALTER TABLE cases ALTER at TYPE timestamp with time zone",
            "ALTER TABLE cases ALTER n TYPE integer",
            "ALTER TABLE cases ALTER at TYPE timestamp(6)",
        ] {
            assert!(check_after(&RULE, BEFORE, sql).is_empty(), "{sql}");
        }
    }

    #[test]
    fn timestamp_to_timestamptz_rewrites_outside_utc_and_before_12() {
        use super::super::test_support::check_after_with;
        use crate::config::Config;
        let sql = "ALTER TABLE cases ALTER at TYPE timestamptz";
        let berlin = Config {
            time_zone: "Europe/Berlin".into(),
            ..Config::default()
        };
        let found = check_after_with(&RULE, &berlin, BEFORE, sql);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].1.message.contains("not UTC"),
            "{}",
            found[0].1.message
        );
        let pg11 = Config {
            postgres_version: 11,
            ..Config::default()
        };
        let found = check_after_with(&RULE, &pg11, BEFORE, sql);
        assert!(
            found[0].1.message.contains("before 12"),
            "{}",
            found[0].1.message
        );
        let utc12 = Config {
            postgres_version: 12,
            time_zone: "Etc/UTC".into(),
            ..Config::default()
        };
        assert!(check_after_with(&RULE, &utc12, BEFORE, sql).is_empty());
        // Other free changes do not depend on either.
        assert!(
            check_after_with(
                &RULE,
                &berlin,
                BEFORE,
                "ALTER TABLE cases ALTER title TYPE text"
            )
            .is_empty()
        );
    }

    #[test]
    fn a_column_a_view_reads_cannot_change_type_even_for_free() {
        let before = format!(
            "{BEFORE}\nCREATE VIEW titles AS SELECT c.id, upper(c.title) AS t FROM cases c;\n\
             CREATE MATERIALIZED VIEW everything AS SELECT * FROM cases;"
        );
        let found = check_after(
            &RULE,
            &before,
            "ALTER TABLE cases ALTER title TYPE varchar(200)",
        );
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .1
                .message
                .contains("fails: view `everything`, `titles` reads it")
                || found[0]
                    .1
                    .message
                    .contains("fails: view `titles`, `everything` reads it"),
            "{}",
            found[0].1.message
        );
        // A column no view names is free (only the star view reads every column).
        let only_titles = format!("{BEFORE}\nCREATE VIEW titles AS SELECT id, title FROM cases;");
        assert!(
            check_after(
                &RULE,
                &only_titles,
                "ALTER TABLE cases ALTER body TYPE text"
            )
            .is_empty()
        );
        // Dropped earlier in the same migration, as the help says: free again.
        let sql = "DROP VIEW titles;\nALTER TABLE cases ALTER title TYPE varchar(200);\n\
                   CREATE VIEW titles AS SELECT id, title FROM cases;";
        assert!(check_after(&RULE, &only_titles, sql).is_empty());
    }

    #[test]
    fn rewrites_name_the_old_and_the_new_type() {
        for (sql, expected) in [
            (
                "ALTER TABLE cases ALTER title TYPE varchar(50)",
                "from `varchar(100)` to `varchar(50)`",
            ),
            (
                "ALTER TABLE cases ALTER code TYPE text",
                "from `char(4)` to `text`",
            ),
            (
                "ALTER TABLE cases ALTER amount TYPE numeric(12,3)",
                "from `numeric(10,2)` to `numeric(12,3)`",
            ),
            (
                "ALTER TABLE cases ALTER n TYPE bigint",
                "from `integer` to `bigint`",
            ),
            (
                "ALTER TABLE cases ALTER tags TYPE text[]",
                "from `varchar(10)[]` to `text[]`",
            ),
            (
                "ALTER TABLE cases ALTER title TYPE varchar(200) USING trim(title)",
                "with `USING`",
            ),
            (
                "ALTER TABLE cases ALTER indexed_at TYPE timestamptz",
                "rebuilds index `cases_indexed_at_idx`",
            ),
        ] {
            let found = check_after(&RULE, BEFORE, sql);
            assert_eq!(found.len(), 1, "{sql}");
            assert!(
                found[0].1.message.contains(expected),
                "{sql}: {}",
                found[0].1.message
            );
        }
    }

    #[test]
    fn renames_carry_the_type_and_new_tables_are_exempt() {
        let before = format!("{BEFORE}\nALTER TABLE cases RENAME COLUMN title TO subject;");
        assert!(
            check_after(&RULE, &before, "ALTER TABLE cases ALTER subject TYPE text").is_empty()
        );
        let sql = "CREATE TABLE t (a int);\nALTER TABLE t ALTER a TYPE bigint;";
        assert!(check_after(&RULE, "", sql).is_empty());
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "-- pgshift:allow change-column-type -- small table\nALTER TABLE cases ALTER n TYPE bigint;";
        assert!(codes_after(BEFORE, sql).is_empty());
    }
}
