//! `rename-column`: `ALTER TABLE ... RENAME COLUMN` while the running release uses the old name.

use crate::pg::NodeEnum;
use crate::pg::protobuf::ObjectType;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "rename-column",
    category: Category::Breaking,
    summary: "renaming a column breaks the release that is still running",
    why: "the previous release still reads and writes the column by its old name; its queries fail from the \
          moment the migration commits",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let NodeEnum::RenameStmt(rename) = &ctx.statement.node else {
        return Vec::new();
    };
    let on_table = matches!(
        ObjectType::try_from(rename.relation_type),
        Ok(ObjectType::ObjectTable | ObjectType::ObjectForeignTable)
    );
    if rename.rename_type != ObjectType::ObjectColumn as i32 || !on_table {
        return Vec::new();
    }
    if ctx.on_new_table() || ctx.column_is_new(&rename.subname) {
        return Vec::new();
    }
    let table = ctx.table();
    let (old, new) = (&rename.subname, &rename.newname);
    let (offset, len) = ctx.locate("rename", &["column"], old);
    vec![Finding {
        offset,
        len,
        message: format!(
            "renaming column `{old}` of table `{table}` to `{new}` breaks the release that is still running"
        ),
        help: format!(
            "add `{new}`, write to both columns and backfill it, move reads to `{new}`, then drop `{old}` \
             in a later release"
        ),
    }]
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, check_after, codes_after};
    use super::*;

    #[test]
    fn new_tables_and_new_columns_are_exempt() {
        let before = "CREATE TABLE cases (id int, title text);";
        let sql = "CREATE TABLE tmp (a int);\nALTER TABLE tmp RENAME COLUMN a TO b;\n\
                   ALTER TABLE cases ADD COLUMN draft text;\nALTER TABLE cases RENAME COLUMN draft TO subject;";
        assert!(check_after(&RULE, before, sql).is_empty());
        assert_eq!(
            check_after(
                &RULE,
                before,
                "ALTER TABLE cases RENAME COLUMN title TO subject;"
            )
            .len(),
            1
        );
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "ALTER TABLE cases RENAME COLUMN title TO subject;";
        assert_eq!(codes_after("", sql), ["rename-column"]);
        let allowed = format!("-- pgshift:allow rename-column -- no release reads it yet\n{sql}");
        assert!(codes_after("", &allowed).is_empty());
    }

    #[test]
    fn flags_column_renames() {
        let found = check(
            &RULE,
            "ALTER TABLE cases RENAME COLUMN title TO subject; ALTER TABLE t RENAME TO u;",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "RENAME COLUMN title");
        assert!(
            found[0]
                .1
                .message
                .contains("`title` of table `cases` to `subject`")
        );
    }
}
