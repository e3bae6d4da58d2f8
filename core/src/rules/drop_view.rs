//! `drop-view`: `DROP VIEW` / `DROP MATERIALIZED VIEW` of a view the running release may query.

use crate::classify::TableName;
use crate::pg::NodeEnum;
use crate::pg::protobuf::ObjectType;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "drop-view",
    category: Category::Breaking,
    summary: "dropping a view breaks the release that is still running",
    why: "during a rolling deploy the previous release keeps serving requests and still queries the view; every \
          such query fails from the moment the migration commits (a view is part of the schema's interface like a \
          table, and `CASCADE` drops the views built on it too)",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let Some((kind, views)) = ctx.dropped(&[ObjectType::ObjectView, ObjectType::ObjectMatview])
    else {
        return Vec::new();
    };
    let kind = if kind == ObjectType::ObjectView {
        "view"
    } else {
        "materialized view"
    };
    let (offset, len) = ctx.first_line();
    views
        .into_iter()
        .filter(|view| {
            ctx.schema
                .table(view)
                .is_none_or(|v| v.created_in != ctx.schema.migration())
        })
        // `DROP VIEW v; CREATE VIEW v AS ...` is how a view changes what `CREATE OR REPLACE`
        // cannot (dropping or reordering columns): the view is there when the migration commits.
        .filter(|view| {
            !ctx.recreated_later(|node| {
                let created = match node {
                    NodeEnum::ViewStmt(s) => s.view.as_ref(),
                    NodeEnum::CreateTableAsStmt(s) => s.into.as_ref().and_then(|i| i.rel.as_ref()),
                    _ => None,
                };
                created.is_some_and(|rel| TableName::from_range_var(rel).matches(view))
            })
        })
        .map(|view| Finding {
            offset,
            len,
            message: format!("dropping {kind} `{view}` breaks the release that is still running"),
            help: format!(
                "ship a release that no longer queries `{view}` first, then drop it in a later migration with \
                 `-- pgshift:allow drop-view -- <reason>` directly above the statement; to change a view's query, \
                 `CREATE OR REPLACE VIEW` keeps it in place (new columns at the end)"
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, check_after, codes_after};
    use super::*;

    #[test]
    fn flags_each_dropped_view() {
        let found = check(
            &RULE,
            "DROP VIEW IF EXISTS active_cases, reports.open CASCADE;\nDROP MATERIALIZED VIEW totals;",
        );
        let messages: Vec<&str> = found.iter().map(|(_, f)| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "dropping view `active_cases` breaks the release that is still running",
                "dropping view `reports.open` breaks the release that is still running",
                "dropping materialized view `totals` breaks the release that is still running",
            ]
        );
        assert_eq!(found[2].0, "DROP MATERIALIZED VIEW totals");
    }

    #[test]
    fn ignores_tables_and_other_drops() {
        assert!(check(&RULE, "DROP TABLE a;\nDROP INDEX b;\nDROP FUNCTION f();").is_empty());
    }

    #[test]
    fn a_view_created_in_the_same_migration_is_exempt() {
        let sql = "CREATE VIEW tmp AS SELECT 1 AS one;\nDROP VIEW tmp;";
        assert!(check_after(&RULE, "", sql).is_empty());
        // Created by an earlier migration: in use.
        assert_eq!(
            check_after(
                &RULE,
                "CREATE VIEW tmp AS SELECT 1 AS one;",
                "DROP VIEW tmp;"
            )
            .len(),
            1
        );
    }

    #[test]
    fn a_view_created_again_in_the_same_migration_is_replaced_not_gone() {
        let sql = "DROP VIEW active_cases;\nCREATE VIEW active_cases AS SELECT id FROM cases;\n\
                   DROP MATERIALIZED VIEW totals;\nCREATE MATERIALIZED VIEW totals AS SELECT 1 AS n;";
        assert!(check_after(&RULE, "", sql).is_empty());
        // Another name created later does not count.
        let sql = "DROP VIEW active_cases;\nCREATE VIEW open_cases AS SELECT id FROM cases;";
        assert_eq!(check_after(&RULE, "", sql).len(), 1);
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "DROP VIEW old_report;";
        assert_eq!(codes_after("", sql), ["drop-view"]);
        let allowed = format!("-- pgshift:allow drop-view -- unused since v12\n{sql}");
        assert!(codes_after("", &allowed).is_empty());
    }
}
