//! `lock-table`: `LOCK TABLE` in a mode that blocks the application's writes (or reads).

use crate::classify::TableName;
use crate::pg::NodeEnum;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "lock-table",
    category: Category::Locking,
    summary: "`LOCK TABLE` blocks the application until the migration commits",
    why: "an explicit lock lasts until the migration's transaction ends: in SHARE mode or stronger every write waits \
          for the rest of the migration, and in ACCESS EXCLUSIVE (the default) every read too",
    source_file: file!(),
    check,
};

/// PostgreSQL's lock modes, by their number in `lockdefs.h`.
fn mode_name(mode: i32) -> &'static str {
    match mode {
        1 => "ACCESS SHARE",
        2 => "ROW SHARE",
        3 => "ROW EXCLUSIVE",
        4 => "SHARE UPDATE EXCLUSIVE",
        5 => "SHARE",
        6 => "SHARE ROW EXCLUSIVE",
        7 => "EXCLUSIVE",
        _ => "ACCESS EXCLUSIVE",
    }
}

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let NodeEnum::LockStmt(lock) = &ctx.statement.node else {
        return Vec::new();
    };
    // Modes below SHARE do not conflict with the application's reads and writes.
    if (1..=4).contains(&lock.mode) {
        return Vec::new();
    }
    let tables: Vec<String> = lock
        .relations
        .iter()
        .filter_map(|n| match &n.node {
            Some(NodeEnum::RangeVar(r)) => Some(TableName::from_range_var(r)),
            _ => None,
        })
        .filter(|t| !ctx.is_new(t))
        .map(|t| t.to_string())
        .collect();
    if tables.is_empty() {
        return Vec::new();
    }
    let mode = mode_name(lock.mode);
    let blocked = if lock.mode >= 7 {
        "reads and writes"
    } else {
        "writes"
    };
    let (offset, len) = ctx.first_line();
    vec![Finding {
        offset,
        len,
        message: format!(
            "`LOCK TABLE {}` in {mode} mode blocks {blocked} until the migration commits",
            tables.join(", ")
        ),
        help: "remove it: the statements of the migration take the locks they need themselves, and \
               `lock_timeout` (set by pgshift for every migration) bounds the wait; if the migration needs a \
               consistent snapshot of the table, allow it with `-- pgshift:allow lock-table -- <reason>`"
            .into(),
    }]
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, check_after, codes_after};
    use super::*;

    #[test]
    fn flags_blocking_modes() {
        let found = check(
            &RULE,
            "LOCK TABLE users;\nLOCK users, orders IN SHARE MODE;",
        );
        assert_eq!(found.len(), 2);
        assert!(
            found[0]
                .1
                .message
                .contains("ACCESS EXCLUSIVE mode blocks reads and writes")
        );
        assert!(found[1].1.message.contains("SHARE mode blocks writes"));
    }

    #[test]
    fn weak_modes_and_new_tables_are_fine() {
        assert!(
            check(
                &RULE,
                "LOCK TABLE users IN ROW EXCLUSIVE MODE; LOCK users IN SHARE UPDATE EXCLUSIVE MODE;"
            )
            .is_empty()
        );
        assert!(check_after(&RULE, "", "CREATE TABLE t (a int);\nLOCK TABLE t;").is_empty());
    }

    #[test]
    fn an_allow_comment_allows_it() {
        assert!(
            codes_after(
                "",
                "-- pgshift:allow lock-table -- copy needs a stable view\nLOCK TABLE users;"
            )
            .is_empty()
        );
    }
}
