//! `vacuum-full`: `VACUUM FULL`, which rewrites the table under its strongest lock.

use crate::pg::NodeEnum;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "vacuum-full",
    category: Category::Locking,
    summary: "`VACUUM FULL` rewrites the table while it is locked against reads and writes",
    why: "`VACUUM FULL` copies the whole table and rebuilds its indexes under an ACCESS EXCLUSIVE lock: nothing can \
          read or write the table until the copy is done, and it needs room for a second copy",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let NodeEnum::VacuumStmt(vacuum) = &ctx.statement.node else {
        return Vec::new();
    };
    let full = vacuum.options.iter().any(|o| match &o.node {
        Some(NodeEnum::DefElem(d)) if d.defname == "full" => {
            match d.arg.as_deref().and_then(|a| a.node.as_ref()) {
                Some(NodeEnum::Boolean(b)) => b.boolval,
                Some(NodeEnum::Integer(i)) => i.ival != 0,
                Some(NodeEnum::String(s)) => !matches!(
                    s.sval.to_ascii_lowercase().as_str(),
                    "false" | "off" | "0" | "no"
                ),
                _ => true,
            }
        }
        _ => false,
    });
    if !vacuum.is_vacuumcmd || !full || (vacuum.rels.len() == 1 && ctx.on_new_table()) {
        return Vec::new();
    }
    let target = if vacuum.rels.is_empty() {
        "every table of the database".to_string()
    } else {
        format!("`{}`", ctx.table())
    };
    let (offset, len) = ctx.first_line();
    vec![Finding {
        offset,
        len,
        message: format!(
            "`VACUUM FULL` rewrites {target} while it is locked against reads and writes (ACCESS EXCLUSIVE) for the \
             whole copy"
        ),
        help: "use plain `VACUUM` (no lock against reads or writes) to make space reusable, or rewrite the table \
               online with pg_repack or pg_squeeze outside the migration"
            .into(),
    }]
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, check_after, codes_after};
    use super::*;

    #[test]
    fn flags_both_spellings() {
        assert_eq!(check(&RULE, "VACUUM FULL users;").len(), 1);
        assert_eq!(check(&RULE, "VACUUM (FULL, ANALYZE) users;").len(), 1);
        assert!(
            check(&RULE, "VACUUM (FULL) ;")[0]
                .1
                .message
                .contains("every table")
        );
    }

    #[test]
    fn plain_vacuum_and_new_tables_are_fine() {
        assert!(
            check(
                &RULE,
                "VACUUM users; VACUUM (ANALYZE) users; ANALYZE users; VACUUM (FULL false) users;"
            )
            .is_empty()
        );
        assert!(check_after(&RULE, "", "CREATE TABLE t (a int);\nVACUUM FULL t;").is_empty());
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "-- pgshift:allow vacuum-full -- maintenance window\nVACUUM FULL users;";
        assert!(codes_after("", sql).is_empty());
    }
}
