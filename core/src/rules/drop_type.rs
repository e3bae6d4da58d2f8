//! `drop-type`: `DROP TYPE` / `DROP DOMAIN` of a type the running release may use.

use crate::pg::NodeEnum;
use crate::pg::protobuf::{DropBehavior, ObjectType};

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "drop-type",
    category: Category::Breaking,
    summary: "dropping a type breaks the release that is still running",
    why: "the previous release may still cast to the type or write its values; with `CASCADE` PostgreSQL also drops \
          every column of that type, and their data",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let NodeEnum::DropStmt(drop) = &ctx.statement.node else {
        return Vec::new();
    };
    let domain = drop.remove_type == ObjectType::ObjectDomain as i32;
    if drop.remove_type != ObjectType::ObjectType as i32 && !domain {
        return Vec::new();
    }
    let names: Vec<String> = drop
        .objects
        .iter()
        .filter_map(|n| match &n.node {
            Some(NodeEnum::TypeName(t)) => Some(
                t.names
                    .iter()
                    .filter_map(|p| match &p.node {
                        Some(NodeEnum::String(s)) => Some(s.sval.clone()),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .filter(|parts| {
            let bare = parts.last().map(String::as_str).unwrap_or("");
            let created = if domain {
                ctx.schema.domain_created_in(bare)
            } else {
                ctx.schema.type_created_in(bare)
            };
            created != Some(ctx.schema.migration())
        })
        .map(|parts| parts.join("."))
        .collect();
    if names.is_empty() {
        return Vec::new();
    }
    let list = names.join("`, `");
    let cascade = if drop.behavior == DropBehavior::DropCascade as i32 {
        " and, with `CASCADE`, every column of it"
    } else {
        ""
    };
    let what = if domain { "domain" } else { "type" };
    let (offset, len) = ctx.first_line();
    vec![Finding {
        offset,
        len,
        message: format!(
            "dropping {what} `{list}`{cascade} breaks the release that is still running"
        ),
        help: format!(
            "ship a release that no longer uses `{list}` first, then drop it in a later migration with `-- \
             pgshift:allow drop-type -- <reason>` directly above the statement"
        ),
    }]
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, check_after, codes_after};
    use super::*;

    #[test]
    fn flags_types_and_domains() {
        let found = check(
            &RULE,
            "DROP TYPE IF EXISTS app.status CASCADE;\nDROP DOMAIN email;",
        );
        assert_eq!(found.len(), 2);
        assert!(
            found[0]
                .1
                .message
                .contains("`app.status` and, with `CASCADE`")
        );
        assert!(found[1].1.message.starts_with("dropping domain `email`"));
    }

    #[test]
    fn other_drops_and_new_types_are_fine() {
        assert!(check(&RULE, "DROP VIEW v; DROP FUNCTION f();").is_empty());
        let sql = "CREATE TYPE mood AS ENUM ('ok');\nCREATE DOMAIN d AS int;\nDROP TYPE mood;\nDROP DOMAIN d;";
        assert!(check_after(&RULE, "", sql).is_empty());
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "-- pgshift:allow drop-type -- unused since v3\nDROP TYPE status;";
        assert!(codes_after("", sql).is_empty());
    }
}
