//! `update-without-where`: `UPDATE` of every row of an existing table inside the migration.

use crate::pg::NodeEnum;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "update-without-where",
    category: Category::Data,
    summary: "an `UPDATE` without `WHERE` locks every row of the table until the migration commits",
    why: "an `UPDATE` without `WHERE` writes a new version of every row inside the migration's transaction: each \
          row stays locked against the application's updates and deletes until the whole migration commits, a large \
          table doubles in size, and `statement_timeout` may kill it halfway",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let NodeEnum::UpdateStmt(update) = &ctx.statement.node else {
        return Vec::new();
    };
    if update.where_clause.is_some() || ctx.on_new_table() {
        return Vec::new();
    }
    let table = ctx.table();
    let (offset, len) = ctx.first_line();
    vec![Finding {
        offset,
        len,
        message: format!(
            "`UPDATE {table}` without `WHERE` rewrites every row and keeps them all locked until the migration commits"
        ),
        help: format!(
            "backfill in batches outside the schema migration (a job, or a seed), each batch its own transaction: \
             `UPDATE {table} SET ... WHERE id >= $1 AND id < $2;`; if the table is small, allow it with `-- \
             pgshift:allow update-without-where -- <reason>`"
        ),
    }]
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, check_after, codes_after};
    use super::*;

    #[test]
    fn flags_an_update_of_every_row() {
        let found = check(
            &RULE,
            "UPDATE ONLY \"Users\" SET active = true;\nUPDATE a SET x = b.x FROM b;",
        );
        assert_eq!(found.len(), 2);
        assert!(
            found[0]
                .1
                .message
                .starts_with("`UPDATE Users` without `WHERE`")
        );
    }

    #[test]
    fn a_where_clause_and_new_tables_are_fine() {
        assert!(check(&RULE, "UPDATE users SET active = true WHERE id = 1;").is_empty());
        let sql = "CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);\nUPDATE t SET a = 2;";
        assert!(check_after(&RULE, "", sql).is_empty());
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "-- pgshift:allow update-without-where -- 12 rows\nUPDATE settings SET v = 1;";
        assert!(codes_after("", sql).is_empty());
    }
}
