//! `drop-database`: `DROP DATABASE` in a migration.

use crate::pg::NodeEnum;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "drop-database",
    category: Category::Breaking,
    summary: "dropping a database destroys everything in it",
    why: "`DROP DATABASE` removes every table and row of that database at once, cannot run in a transaction and \
          cannot be undone by a down file; any application connected to it fails",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let NodeEnum::DropdbStmt(drop) = &ctx.statement.node else {
        return Vec::new();
    };
    let (offset, len) = ctx.first_line();
    vec![Finding {
        offset,
        len,
        message: format!("dropping database `{}` destroys every table and row in it", drop.dbname),
        help: "drop databases by hand or in provisioning, not in a schema migration; if this is intended, allow it \
               with `-- pgshift:allow drop-database -- <reason>`"
            .into(),
    }]
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, codes_after};
    use super::*;

    #[test]
    fn flags_drop_database() {
        assert_eq!(check(&RULE, "DROP DATABASE IF EXISTS scratch;").len(), 1);
    }

    #[test]
    fn other_statements_are_fine() {
        // There is no "database created earlier in this migration": CREATE DATABASE runs alone.
        assert!(check(&RULE, "CREATE DATABASE scratch; DROP TABLE scratch;").is_empty());
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "-- pgshift:allow drop-database -- test fixture\nDROP DATABASE scratch;";
        assert!(codes_after("", sql).is_empty());
    }
}
