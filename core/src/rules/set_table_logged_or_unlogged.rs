//! `set-table-logged-or-unlogged`: `ALTER TABLE ... SET LOGGED` / `SET UNLOGGED`.

use crate::pg::protobuf::AlterTableType;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "set-table-logged-or-unlogged",
    category: Category::Locking,
    summary: "`SET LOGGED`/`SET UNLOGGED` rewrites the table under its strongest lock",
    why: "switching a table between logged and unlogged rewrites it and its indexes under an ACCESS EXCLUSIVE lock \
          (`SET LOGGED` also writes the whole table to the WAL); nothing can read or write it meanwhile",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let table = ctx.table();
    let mut cmds = ctx.cmds_of(AlterTableType::AtSetLogged);
    cmds.extend(ctx.cmds_of(AlterTableType::AtSetUnLogged));
    cmds.sort_by_key(|(_, span)| span.0);
    cmds.into_iter()
        .map(|(cmd, span)| {
            let what = if cmd.subtype == AlterTableType::AtSetLogged as i32 { "SET LOGGED" } else { "SET UNLOGGED" };
            Finding {
                offset: span.0,
                len: span.1,
                message: format!(
                    "`{what}` rewrites `{table}` while it is locked against reads and writes (ACCESS EXCLUSIVE)"
                ),
                help: format!(
                    "create a new table with the persistence you want, copy the rows in batches and switch to it; or, \
                     if `{table}` is small, allow it with `-- pgshift:allow set-table-logged-or-unlogged -- <reason>`"
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
    fn flags_both_directions() {
        let found = check(
            &RULE,
            "ALTER TABLE a SET LOGGED;\nALTER TABLE b SET UNLOGGED;",
        );
        assert_eq!(found.len(), 2);
        assert!(
            found[1]
                .1
                .message
                .starts_with("`SET UNLOGGED` rewrites `b`")
        );
    }

    #[test]
    fn other_settings_and_new_tables_are_fine() {
        assert!(check(&RULE, "ALTER TABLE a SET (fillfactor = 70);").is_empty());
        assert!(
            check_after(
                &RULE,
                "",
                "CREATE UNLOGGED TABLE t (a int);\nALTER TABLE t SET LOGGED;"
            )
            .is_empty()
        );
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "-- pgshift:allow set-table-logged-or-unlogged -- staging table\nALTER TABLE a SET LOGGED;";
        assert!(codes_after("", sql).is_empty());
    }
}
