//! `drop-column`: `ALTER TABLE ... DROP COLUMN` on a column the running release may still use.

use crate::pg::NodeEnum;
use crate::pg::protobuf::{AlterTableType, ObjectType};

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "drop-column",
    category: Category::Breaking,
    summary: "dropping a column breaks the release that is still running",
    why: "the previous release keeps running until the deploy finishes and still reads and writes the column; \
          its queries naming it fail from the moment the migration commits",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let NodeEnum::AlterTableStmt(alter) = &ctx.statement.node else {
        return Vec::new();
    };
    // `ALTER TYPE ... DROP ATTRIBUTE` parses to the same statement: only tables count.
    let on_table = matches!(
        ObjectType::try_from(alter.objtype),
        Ok(ObjectType::ObjectTable | ObjectType::ObjectForeignTable)
    );
    if !on_table || ctx.on_new_table() {
        return Vec::new();
    }
    let table = ctx.table();
    alter
        .cmds
        .iter()
        .filter_map(|n| match &n.node {
            Some(NodeEnum::AlterTableCmd(c)) if c.subtype == AlterTableType::AtDropColumn as i32 => {
                Some(c.name.as_str())
            }
            _ => None,
        })
        // Added earlier in this migration: no release has used it yet.
        .filter(|column| !ctx.column_is_new(column))
        .map(|column| {
            let (offset, len) = ctx.locate("drop", &["column", "if", "exists"], column);
            let views: Vec<String> = ctx
                .class
                .table
                .as_ref()
                .map(|t| {
                    ctx.schema
                        .views_reading(t, column)
                        .map(|v| v.name.to_string())
                        .collect()
                })
                .unwrap_or_default();
            let views = if views.is_empty() {
                String::new()
            } else {
                format!(
                    "; and view `{}` reads it: PostgreSQL refuses the drop (SQLSTATE 2BP01) unless `CASCADE`, \
                     which drops the view too",
                    views.join("`, `")
                )
            };
            Finding {
                offset,
                len,
                message: format!(
                    "dropping column `{column}` of table `{table}` breaks the release that is still running{views}"
                ),
                help: format!(
                    "ship a release that no longer uses `{table}.{column}` first, then drop it in a later migration \
                     with `-- pgshift:allow drop-column -- <reason>` directly above the statement"
                ),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::check;

    #[test]
    fn a_view_that_reads_the_column_is_named() {
        use super::super::test_support::check_after;
        let before = "CREATE TABLE cases (id int, title text, body text);\n\
                      CREATE VIEW titles AS SELECT id, title FROM cases;";
        let found = check_after(&RULE, before, "ALTER TABLE cases DROP COLUMN title;");
        assert!(
            found[0].1.message.ends_with(
                "; and view `titles` reads it: PostgreSQL refuses the drop (SQLSTATE 2BP01) unless `CASCADE`, \
                 which drops the view too"
            ),
            "{}",
            found[0].1.message
        );
        let found = check_after(&RULE, before, "ALTER TABLE cases DROP COLUMN body;");
        assert!(found[0].1.message.ends_with("still running"));
    }

    #[test]
    fn a_column_added_in_the_same_migration_is_exempt() {
        use super::super::test_support::check_after;
        let before = "CREATE TABLE cases (id int, title text);";
        let sql = "ALTER TABLE cases ADD COLUMN tmp int;\nALTER TABLE cases DROP COLUMN tmp, DROP COLUMN title;";
        let found = check_after(&RULE, before, sql);
        assert_eq!(found.len(), 1);
        assert!(found[0].1.message.contains("`title`"));
        // Added by an earlier migration: in use.
        let before = "CREATE TABLE cases (id int, title text, tmp int);";
        assert_eq!(
            check_after(&RULE, before, "ALTER TABLE cases DROP COLUMN tmp;").len(),
            1
        );
    }
    use super::*;

    #[test]
    fn points_at_each_drop_clause() {
        let found = check(
            &RULE,
            "ALTER TABLE cases ADD COLUMN x int, DROP COLUMN IF EXISTS \"Title\", DROP body;",
        );
        let spans: Vec<&str> = found.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(spans, ["DROP COLUMN IF EXISTS \"Title\"", "DROP body"]);
        assert!(found[0].1.message.contains("`Title` of table `cases`"));
    }

    #[test]
    fn ignores_attributes_of_composite_types() {
        assert!(check(&RULE, "ALTER TYPE address DROP ATTRIBUTE zip;").is_empty());
    }

    #[test]
    fn ignores_other_alterations() {
        assert!(
            check(
                &RULE,
                "ALTER TABLE t ADD COLUMN a int; ALTER TABLE t DROP CONSTRAINT c;"
            )
            .is_empty()
        );
    }
}
