//! `refresh-materialized-view-without-concurrently`: a plain `REFRESH MATERIALIZED VIEW`.

use crate::pg::NodeEnum;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "refresh-materialized-view-without-concurrently",
    category: Category::Locking,
    summary: "a plain `REFRESH MATERIALIZED VIEW` blocks every read of the view while it runs",
    why: "without `CONCURRENTLY` the refresh takes an ACCESS EXCLUSIVE lock on the materialized view and holds it \
          while it runs the whole query again: every read of the view waits",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let NodeEnum::RefreshMatViewStmt(refresh) = &ctx.statement.node else {
        return Vec::new();
    };
    if refresh.concurrent || refresh.skip_data || ctx.on_new_table() {
        return Vec::new();
    }
    let view = ctx.table();
    let (offset, len) = ctx.first_line();
    vec![Finding {
        offset,
        len,
        message: format!(
            "refreshing `{view}` without `CONCURRENTLY` blocks every read of it (ACCESS EXCLUSIVE) while the query runs"
        ),
        help: format!(
            "write `REFRESH MATERIALIZED VIEW CONCURRENTLY {view};`, which needs a unique index on the view (`CREATE \
             UNIQUE INDEX CONCURRENTLY ... ON {view} (...)`) and lets reads go on"
        ),
    }]
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, check_after, codes_after};
    use super::*;

    #[test]
    fn flags_a_blocking_refresh() {
        let found = check(&RULE, "REFRESH MATERIALIZED VIEW reports.daily;");
        assert!(found[0].1.help.contains("CONCURRENTLY reports.daily"));
    }

    #[test]
    fn concurrent_no_data_and_new_views_are_fine() {
        let sql = "REFRESH MATERIALIZED VIEW CONCURRENTLY daily;\nREFRESH MATERIALIZED VIEW daily WITH NO DATA;";
        assert!(check(&RULE, sql).is_empty());
        let new = "CREATE MATERIALIZED VIEW m AS SELECT 1 AS x WITH NO DATA;\nREFRESH MATERIALIZED VIEW m;";
        assert!(check_after(&RULE, "", new).is_empty());
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "-- pgshift:allow refresh-materialized-view-without-concurrently -- read at night only\n\
                   REFRESH MATERIALIZED VIEW daily;";
        assert!(codes_after("", sql).is_empty());
    }
}
