//! `truncate-table`: `TRUNCATE` of a table the running release uses.

use crate::classify::TableName;
use crate::pg::NodeEnum;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "truncate-table",
    category: Category::Breaking,
    summary: "truncating a table removes every row under its strongest lock",
    why: "`TRUNCATE` removes every row at once (the release that is still running loses its data) and takes an \
          ACCESS EXCLUSIVE lock, waiting for every query on the table while new ones queue behind it",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let NodeEnum::TruncateStmt(truncate) = &ctx.statement.node else {
        return Vec::new();
    };
    let tables: Vec<String> = truncate
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
    let list = tables.join("`, `");
    let (offset, len) = ctx.first_line();
    vec![Finding {
        offset,
        len,
        message: format!(
            "`TRUNCATE` removes every row of `{list}` and locks it against reads and writes (ACCESS EXCLUSIVE)"
        ),
        help: format!(
            "delete data in batches outside the schema migration, or, if emptying `{list}` is intended, allow it with \
             `-- pgshift:allow truncate-table -- <reason>` directly above the statement"
        ),
    }]
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, check_after, codes_after};
    use super::*;

    #[test]
    fn flags_truncate_of_existing_tables() {
        let found = check(&RULE, "TRUNCATE TABLE ONLY a, app.b RESTART IDENTITY;");
        assert!(found[0].1.message.contains("`a`, `app.b`"));
    }

    #[test]
    fn new_tables_are_fine() {
        assert!(check_after(&RULE, "", "CREATE TABLE t (a int);\nTRUNCATE t;").is_empty());
        assert!(check(&RULE, "DELETE FROM t WHERE a = 1;").is_empty());
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "-- pgshift:allow truncate-table -- cache table\nTRUNCATE cache;";
        assert!(codes_after("", sql).is_empty());
    }
}
