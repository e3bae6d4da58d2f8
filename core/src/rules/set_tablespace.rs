//! `set-tablespace`: `ALTER TABLE`/`ALTER INDEX ... SET TABLESPACE`, which copies every file.

use crate::pg::NodeEnum;
use crate::pg::protobuf::{AlterTableType, ObjectType};

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "set-tablespace",
    category: Category::Locking,
    summary: "`SET TABLESPACE` copies the relation while it is locked against reads and writes",
    why: "moving a table, index or materialized view to another tablespace copies all of its files under an ACCESS \
          EXCLUSIVE lock; nothing can read or write it until the copy is done",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    match &ctx.statement.node {
        NodeEnum::AlterTableMoveAllStmt(m) => {
            let (offset, len) = ctx.first_line();
            vec![Finding {
                offset,
                len,
                message: format!(
                    "moving everything in tablespace `{}` to `{}` copies each relation while it is locked against \
                     reads and writes (ACCESS EXCLUSIVE)",
                    m.orig_tablespacename, m.new_tablespacename
                ),
                help: "move tables online with `pg_repack --tablespace`, and indexes by building a new one \
                       `CONCURRENTLY ... TABLESPACE <new>` and dropping the old one"
                    .into(),
            }]
        }
        NodeEnum::AlterTableStmt(alter) => {
            if ctx.on_new_table() {
                return Vec::new();
            }
            let what = match ObjectType::try_from(alter.objtype) {
                Ok(ObjectType::ObjectIndex) => "index",
                Ok(ObjectType::ObjectMatview) => "materialized view",
                _ => "table",
            };
            let name = ctx.table();
            ctx.alter_cmds()
                .into_iter()
                .filter(|(c, _)| c.subtype == AlterTableType::AtSetTableSpace as i32)
                .map(|(c, span)| Finding {
                    offset: span.0,
                    len: span.1,
                    message: format!(
                        "moving {what} `{name}` to tablespace `{}` copies it while it is locked against reads and \
                         writes (ACCESS EXCLUSIVE)",
                        c.name
                    ),
                    help: if what == "index" {
                        format!(
                            "build a new index with `CREATE INDEX CONCURRENTLY ... TABLESPACE {}`, then `DROP INDEX \
                             CONCURRENTLY {name};`",
                            c.name
                        )
                    } else {
                        format!("move it online with `pg_repack --tablespace={}` outside the migration", c.name)
                    },
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, check_after, codes_after};
    use super::*;

    #[test]
    fn flags_tables_indexes_and_move_all() {
        let found = check(
            &RULE,
            "ALTER TABLE users SET TABLESPACE fast;\nALTER INDEX users_pkey SET TABLESPACE fast;\n\
             ALTER TABLE ALL IN TABLESPACE slow SET TABLESPACE fast;",
        );
        assert_eq!(found.len(), 3);
        assert!(found[1].1.help.contains("CONCURRENTLY"));
    }

    #[test]
    fn other_settings_and_new_tables_are_fine() {
        assert!(check(&RULE, "ALTER TABLE users SET (fillfactor = 70); CREATE INDEX CONCURRENTLY i ON users (a) TABLESPACE fast;").is_empty());
        assert!(
            check_after(
                &RULE,
                "",
                "CREATE TABLE t (a int);\nALTER TABLE t SET TABLESPACE fast;"
            )
            .is_empty()
        );
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "-- pgshift:allow set-tablespace -- empty table\nALTER TABLE users SET TABLESPACE fast;";
        assert!(codes_after("", sql).is_empty());
    }
}
