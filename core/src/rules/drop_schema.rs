//! `drop-schema`: `DROP SCHEMA` of a schema the running release may use.

use crate::pg::NodeEnum;
use crate::pg::protobuf::{DropBehavior, ObjectType};

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "drop-schema",
    category: Category::Breaking,
    summary: "dropping a schema breaks the release that is still running",
    why: "the previous release keeps running until the deploy finishes; every query it makes on an object of the \
          schema fails from the moment the migration commits (with `CASCADE` the tables and their data are gone)",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let NodeEnum::DropStmt(drop) = &ctx.statement.node else {
        return Vec::new();
    };
    if drop.remove_type != ObjectType::ObjectSchema as i32 {
        return Vec::new();
    }
    let names: Vec<String> = drop
        .objects
        .iter()
        .filter_map(|n| match &n.node {
            Some(NodeEnum::String(s)) => Some(s.sval.clone()),
            _ => None,
        })
        .filter(|s| ctx.schema.schema_created_in(s) != Some(ctx.schema.migration()))
        .collect();
    if names.is_empty() {
        return Vec::new();
    }
    let cascade = if drop.behavior == DropBehavior::DropCascade as i32 {
        " and everything in it"
    } else {
        ""
    };
    let list = names.join("`, `");
    let (offset, len) = ctx.first_line();
    vec![Finding {
        offset,
        len,
        message: format!(
            "dropping schema `{list}`{cascade} breaks the release that is still running"
        ),
        help: format!(
            "ship a release that no longer uses `{list}` first, then drop it in a later migration with `-- \
             pgshift:allow drop-schema -- <reason>` directly above the statement"
        ),
    }]
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, check_after, codes_after};
    use super::*;

    #[test]
    fn flags_a_schema_drop() {
        let found = check(&RULE, "DROP SCHEMA IF EXISTS billing CASCADE;");
        assert!(
            found[0]
                .1
                .message
                .contains("`billing` and everything in it")
        );
    }

    #[test]
    fn other_drops_and_new_schemas_are_fine() {
        assert!(check(&RULE, "DROP TYPE billing; DROP SEQUENCE s;").is_empty());
        assert!(check_after(&RULE, "", "CREATE SCHEMA tmp;\nDROP SCHEMA tmp;").is_empty());
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "-- pgshift:allow drop-schema -- unused since v4\nDROP SCHEMA billing;";
        assert!(codes_after("", sql).is_empty());
        assert_eq!(codes_after("", "DROP SCHEMA billing;"), ["drop-schema"]);
    }
}
