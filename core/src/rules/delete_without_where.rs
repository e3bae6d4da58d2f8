//! `delete-without-where`: `DELETE` of every row of an existing table inside the migration.

use crate::pg::NodeEnum;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "delete-without-where",
    category: Category::Data,
    summary: "a `DELETE` without `WHERE` removes every row and locks them until the migration commits",
    why: "a `DELETE` without `WHERE` removes every row inside the migration's transaction: the rows stay locked \
          against the application's updates until the migration commits, the data is gone for the release that is \
          still running, and a mistake cannot be taken back by the down file",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let NodeEnum::DeleteStmt(delete) = &ctx.statement.node else {
        return Vec::new();
    };
    if delete.where_clause.is_some() || ctx.on_new_table() {
        return Vec::new();
    }
    let table = ctx.table();
    let (offset, len) = ctx.first_line();
    vec![Finding {
        offset,
        len,
        message: format!(
            "`DELETE FROM {table}` without `WHERE` removes every row and keeps them locked until the migration commits"
        ),
        help: format!(
            "delete in batches outside the schema migration, each batch its own transaction: `DELETE FROM {table} \
             WHERE id IN (SELECT id FROM {table} WHERE ... LIMIT 1000);`; if emptying the table is intended and it is \
             small, allow it with `-- pgshift:allow delete-without-where -- <reason>`"
        ),
    }]
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, check_after, codes_after};
    use super::*;

    #[test]
    fn flags_a_delete_of_every_row() {
        let found = check(&RULE, "DELETE FROM app.sessions;\nDELETE FROM a USING b;");
        assert_eq!(found.len(), 2);
        assert!(found[0].1.message.starts_with("`DELETE FROM app.sessions`"));
    }

    #[test]
    fn a_where_clause_and_new_tables_are_fine() {
        assert!(check(&RULE, "DELETE FROM sessions WHERE expires_at < now();").is_empty());
        let sql = "CREATE TABLE t (a int);\nDELETE FROM t;";
        assert!(check_after(&RULE, "", sql).is_empty());
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "-- pgshift:allow delete-without-where -- lookup table rebuilt below\nDELETE FROM kinds;";
        assert!(codes_after("", sql).is_empty());
    }
}
