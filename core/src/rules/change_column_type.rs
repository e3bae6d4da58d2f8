//! `change-column-type`: `ALTER TABLE ... ALTER COLUMN ... TYPE`.

use crate::pg::NodeEnum;
use crate::pg::protobuf::{AlterTableType, ObjectType};

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
            Some(NodeEnum::AlterTableCmd(c)) if c.subtype == AlterTableType::AtAlterColumnType as i32 => {
                Some(c.name.as_str())
            }
            _ => None,
        })
        .map(|column| {
            let (offset, len) = ctx.locate("alter", &["column"], column);
            Finding {
                offset,
                len,
                message: format!("changing the type of column `{column}` of table `{table}` locks and rewrites the table"),
                help: format!(
                    "add a new column with the new type, write to both and backfill it in batches, move reads \
                     to it, then drop `{column}` in a later release"
                ),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::check;
    use super::*;

    #[test]
    fn flags_type_changes_in_either_spelling() {
        let found = check(
            &RULE,
            "ALTER TABLE cases ALTER COLUMN status TYPE text, ALTER priority SET DATA TYPE bigint;",
        );
        let spans: Vec<&str> = found.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(spans, ["ALTER COLUMN status", "ALTER priority"]);
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
}
