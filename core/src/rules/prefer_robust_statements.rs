//! `prefer-robust-statements` (advice): a statement that runs outside the migration's
//! transaction without `IF [NOT] EXISTS`, so a retry of a migration that failed after it fails
//! again on it.

use crate::classify::TransactionMode;
use crate::pg::NodeEnum;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "prefer-robust-statements",
    category: Category::Advice,
    summary: "a statement outside the transaction should tolerate a retry",
    why: "`CONCURRENTLY` statements run outside the migration's transaction and are not undone when a later \
          statement fails; running the migration again then fails on the index that already exists (or is \
          already gone) unless the statement says `IF NOT EXISTS` / `IF EXISTS`",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    if !matches!(ctx.class.transaction, TransactionMode::Concurrently { .. }) {
        return Vec::new();
    }
    let (what, fix) = match &ctx.statement.node {
        NodeEnum::IndexStmt(s) if !s.if_not_exists && !s.idxname.is_empty() => (
            format!("`CREATE INDEX CONCURRENTLY {}`", s.idxname),
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS",
        ),
        NodeEnum::DropStmt(s) if !s.missing_ok => (
            format!(
                "`DROP INDEX CONCURRENTLY {}`",
                ctx.class.object.as_deref().unwrap_or("?")
            ),
            "DROP INDEX CONCURRENTLY IF EXISTS",
        ),
        _ => return Vec::new(),
    };
    let (offset, len) = ctx.first_line();
    vec![Finding {
        offset,
        len,
        message: format!(
            "{what} runs outside the transaction and fails if the migration is run again"
        ),
        help: format!("write `{fix} ...`"),
    }]
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{advice, check};
    use super::*;

    #[test]
    fn flags_concurrent_statements_without_if_exists() {
        let found = check(
            &RULE,
            "CREATE INDEX CONCURRENTLY i ON t (a);\nDROP INDEX CONCURRENTLY j;",
        );
        assert_eq!(found.len(), 2);
        assert!(found[0].1.help.contains("IF NOT EXISTS"));
    }

    #[test]
    fn robust_and_transactional_statements_are_fine() {
        let sql = "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);\nDROP INDEX CONCURRENTLY IF EXISTS j;\n\
                   CREATE TABLE t2 (a int);\nCREATE INDEX k ON t2 (a);";
        assert!(check(&RULE, sql).is_empty());
    }

    #[test]
    fn it_is_advice_and_an_allow_comment_silences_it() {
        assert_eq!(
            advice("CREATE INDEX CONCURRENTLY i ON t (a);"),
            ["prefer-robust-statements"]
        );
        let sql = "-- pgshift:allow prefer-robust-statements -- never retried\nCREATE INDEX CONCURRENTLY i ON t (a);";
        assert!(advice(sql).is_empty());
    }
}
