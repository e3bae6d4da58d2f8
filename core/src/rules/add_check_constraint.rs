//! `add-check-constraint`: a `CHECK` added to an existing table without `NOT VALID`, including
//! an inline `CHECK` in `ADD COLUMN`.

use crate::pg::protobuf::ConstrType;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "add-check-constraint",
    category: Category::Locking,
    summary: "a `CHECK` without `NOT VALID` blocks reads and writes while every row is checked",
    why: "adding a validated `CHECK` constraint takes an ACCESS EXCLUSIVE lock on the table and holds it while \
          it reads every row; every query on the table, reads included, waits for the whole scan",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let table = ctx.table();
    ctx.added_constraints()
        .into_iter()
        .filter(|a| a.is(ConstrType::ConstrCheck) && !a.constraint.skip_validation)
        .map(|a| {
            let name = a.name(&ctx.bare_table(), "check");
            let help = match a.column {
                Some(c) => format!(
                    "add the column without the `CHECK`, then the constraint as `NOT VALID`, and validate it in a \
                     later migration: `ALTER TABLE {table} ADD COLUMN {col} ...; ALTER TABLE {table} ADD CONSTRAINT \
                     {name} CHECK (...) NOT VALID;` then `ALTER TABLE {table} VALIDATE CONSTRAINT {name};` \
                     (SHARE UPDATE EXCLUSIVE: reads and writes go on)",
                    col = c.colname
                ),
                None => format!(
                    "add it as `NOT VALID`, which checks new rows only, and validate it in a later migration: \
                     `ALTER TABLE {table} ADD CONSTRAINT {name} CHECK (...) NOT VALID;` then `ALTER TABLE {table} \
                     VALIDATE CONSTRAINT {name};` (SHARE UPDATE EXCLUSIVE: reads and writes go on)"
                ),
            };
            Finding {
                offset: a.span.0,
                len: a.span.1,
                message: format!(
                    "check constraint `{name}` on `{table}` is added without `NOT VALID`: `{table}` is locked \
                     against reads and writes (ACCESS EXCLUSIVE) while every row is checked"
                ),
                help,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, check_after, codes_after};
    use super::*;

    #[test]
    fn flags_each_validated_check_at_its_position() {
        let found = check(
            &RULE,
            "ALTER TABLE cases ADD CONSTRAINT positive CHECK (amount > 0), \
             ADD COLUMN priority int NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 5);",
        );
        let spans: Vec<&str> = found.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(
            spans,
            [
                "CONSTRAINT positive CHECK (amount > 0)",
                "CHECK (priority BETWEEN 1 AND 5)"
            ]
        );
        assert!(found[1].1.message.contains("`cases_priority_check`"));
    }

    #[test]
    fn not_valid_and_new_tables_are_fine() {
        assert!(
            check(
                &RULE,
                "ALTER TABLE cases ADD CONSTRAINT positive CHECK (amount > 0) NOT VALID;\n\
                 CREATE TABLE t (a int CHECK (a > 0));\nALTER TYPE t ADD VALUE 'x';"
            )
            .is_empty()
        );
        assert!(
            check_after(
                &RULE,
                "",
                "CREATE TABLE t (a int);\nALTER TABLE t ADD CHECK (a > 0);"
            )
            .is_empty()
        );
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "ALTER TABLE cases ADD CONSTRAINT positive CHECK (amount > 0);";
        assert_eq!(codes_after("", sql), ["add-check-constraint"]);
        let allowed = format!("-- pgshift:allow add-check-constraint -- tiny table\n{sql}");
        assert!(codes_after("", &allowed).is_empty());
    }
}
