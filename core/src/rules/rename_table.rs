//! `rename-table`: `ALTER TABLE ... RENAME TO` while the running release uses the old name.

use crate::pg::NodeEnum;
use crate::pg::protobuf::ObjectType;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "rename-table",
    category: Category::Breaking,
    summary: "renaming a table breaks the release that is still running",
    why: "the previous release still queries the table by its old name, which stops existing the moment \
          the migration commits",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let NodeEnum::RenameStmt(rename) = &ctx.statement.node else {
        return Vec::new();
    };
    if rename.rename_type != ObjectType::ObjectTable as i32 {
        return Vec::new();
    }
    if ctx.on_new_table() {
        return Vec::new();
    }
    let table = ctx.table();
    let new = &rename.newname;
    let (offset, len) = ctx.locate("rename", &["to"], new);
    vec![Finding {
        offset,
        len,
        message: format!(
            "renaming table `{table}` to `{new}` breaks the release that is still running"
        ),
        help: format!(
            "create `{new}` as a new table, write to both and backfill, move reads to `{new}`, then drop \
             `{table}` in a later release; or, if a view is enough for the old release, rename it, add \
             `CREATE VIEW {table} AS SELECT * FROM {new}` in the same migration and mark the rename with \
             `-- pgshift:allow rename-table -- <reason>`"
        ),
    }]
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, check_after, codes_after};
    use super::*;

    #[test]
    fn a_table_created_in_the_same_migration_is_exempt() {
        let sql = "CREATE TABLE tmp (a int);\nALTER TABLE tmp RENAME TO notes;";
        assert!(check_after(&RULE, "", sql).is_empty());
        assert_eq!(
            check_after(
                &RULE,
                "CREATE TABLE tmp (a int);",
                "ALTER TABLE tmp RENAME TO notes;"
            )
            .len(),
            1
        );
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "ALTER TABLE notes RENAME TO case_notes;";
        assert_eq!(codes_after("", sql), ["rename-table"]);
        let allowed = format!("-- pgshift:allow rename-table -- a view keeps the old name\n{sql}");
        assert!(codes_after("", &allowed).is_empty());
    }

    #[test]
    fn flags_table_renames_only() {
        let found = check(
            &RULE,
            "ALTER TABLE notes RENAME TO case_notes; ALTER TABLE t RENAME COLUMN a TO b; ALTER INDEX i RENAME TO j;",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "RENAME TO case_notes");
        assert!(found[0].1.message.contains("`notes` to `case_notes`"));
    }
}
