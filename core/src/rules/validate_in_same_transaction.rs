//! `validate-in-same-transaction`: `VALIDATE CONSTRAINT` in the migration that added the
//! constraint `NOT VALID`.

use crate::pg::protobuf::AlterTableType;
use crate::schema::ConstraintKind;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "validate-in-same-transaction",
    category: Category::Locking,
    summary: "validating a constraint in the migration that added it `NOT VALID` keeps the strong lock through the scan",
    why: "`ADD CONSTRAINT ... NOT VALID` takes a strong lock (ACCESS EXCLUSIVE for a `CHECK`, SHARE ROW EXCLUSIVE \
          for a foreign key) that lasts until the transaction commits; validating in the same transaction \
          therefore scans every row while that lock is still held, which is exactly what `NOT VALID` was for \
          avoiding",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let Some(table) = ctx.class.table.as_ref() else {
        return Vec::new();
    };
    let Some(known) = ctx.schema.table(table) else {
        return Vec::new();
    };
    let shown = ctx.table();
    ctx.cmds_of(AlterTableType::AtValidateConstraint)
        .into_iter()
        .filter_map(|(cmd, span)| {
            let k = known.constraints.iter().find(|k| k.name == cmd.name)?;
            if k.validated || k.added_in != ctx.schema.migration() {
                return None;
            }
            let lock = match k.kind {
                ConstraintKind::ForeignKey => "SHARE ROW EXCLUSIVE, blocking writes",
                _ => "ACCESS EXCLUSIVE, blocking reads and writes",
            };
            Some(Finding {
                offset: span.0,
                len: span.1,
                message: format!(
                    "constraint `{}` is validated in the migration that added it `NOT VALID`: the lock `ADD CONSTRAINT` \
                     took on `{shown}` ({lock}) is held while every row is checked",
                    cmd.name
                ),
                help: format!(
                    "move `ALTER TABLE {shown} VALIDATE CONSTRAINT {};` to a later migration, where it takes only a \
                     SHARE UPDATE EXCLUSIVE lock and reads and writes go on",
                    cmd.name
                ),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check_after, codes_after};
    use super::*;

    const BEFORE: &str = "CREATE TABLE cases (id int PRIMARY KEY, amount int);";

    #[test]
    fn flags_validation_in_the_same_migration() {
        let found = check_after(
            &RULE,
            BEFORE,
            "ALTER TABLE cases ADD CONSTRAINT positive CHECK (amount > 0) NOT VALID;\n\
             ALTER TABLE cases VALIDATE CONSTRAINT positive;",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "VALIDATE CONSTRAINT positive");
        assert!(found[0].1.message.contains("ACCESS EXCLUSIVE"));
    }

    #[test]
    fn validation_in_a_later_migration_is_the_safe_way() {
        let before = format!(
            "{BEFORE}\nALTER TABLE cases ADD CONSTRAINT positive CHECK (amount > 0) NOT VALID;"
        );
        assert!(
            check_after(
                &RULE,
                &before,
                "ALTER TABLE cases VALIDATE CONSTRAINT positive;"
            )
            .is_empty()
        );
        // A constraint the set never saw is not known to be new.
        assert!(check_after(&RULE, "", "ALTER TABLE legacy VALIDATE CONSTRAINT c;").is_empty());
    }

    #[test]
    fn a_table_created_in_the_same_migration_is_exempt() {
        let sql = "CREATE TABLE t (a int);\nALTER TABLE t ADD CONSTRAINT p CHECK (a > 0) NOT VALID;\n\
                   ALTER TABLE t VALIDATE CONSTRAINT p;";
        assert!(check_after(&RULE, "", sql).is_empty());
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "ALTER TABLE cases ADD CONSTRAINT p CHECK (amount > 0) NOT VALID;\n\
                   -- pgshift:allow validate-in-same-transaction -- cases is small\n\
                   ALTER TABLE cases VALIDATE CONSTRAINT p;";
        assert!(codes_after(BEFORE, sql).is_empty());
    }
}
