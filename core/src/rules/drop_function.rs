//! `drop-function`: `DROP FUNCTION` / `DROP PROCEDURE` of a routine the running release may call.

use crate::pg::NodeEnum;
use crate::pg::protobuf::ObjectType;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "drop-function",
    category: Category::Breaking,
    summary: "dropping a function breaks the release that is still running",
    why: "the previous release may still call the function, and defaults, triggers, views and checks may use it; \
          calls fail from the moment the migration commits (and `CASCADE` silently drops whatever depends on it)",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let NodeEnum::DropStmt(drop) = &ctx.statement.node else {
        return Vec::new();
    };
    let kind = match ObjectType::try_from(drop.remove_type) {
        Ok(ObjectType::ObjectFunction) => "function",
        Ok(ObjectType::ObjectProcedure) => "procedure",
        Ok(ObjectType::ObjectRoutine) => "routine",
        _ => return Vec::new(),
    };
    let (offset, len) = ctx.first_line();
    drop.objects
        .iter()
        .filter_map(|n| match &n.node {
            Some(NodeEnum::ObjectWithArgs(o)) => Some(
                o.objname
                    .iter()
                    .filter_map(|p| match &p.node {
                        Some(NodeEnum::String(s)) => Some(s.sval.as_str()),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .filter(|name| {
            name.last()
                .and_then(|n| ctx.schema.routine_created_in(n))
                != Some(ctx.schema.migration())
        })
        // Dropped and created again (a changed return type or argument names): replaced once the
        // migration commits.
        .filter(|name| {
            !ctx.recreated_later(|node| match node {
                NodeEnum::CreateFunctionStmt(s) => {
                    s.funcname
                        .iter()
                        .rev()
                        .find_map(|p| match &p.node {
                            Some(NodeEnum::String(n)) => Some(n.sval.as_str()),
                            _ => None,
                        })
                        == name.last().copied()
                }
                _ => false,
            })
        })
        .map(|name| {
            let name = name.join(".");
            Finding {
                offset,
                len,
                message: format!("dropping {kind} `{name}` breaks the release that is still running"),
                help: format!(
                    "ship a release that no longer calls `{name}` first, then drop it in a later migration with \
                     `-- pgshift:allow drop-function -- <reason>` directly above the statement; to change its body, \
                     `CREATE OR REPLACE FUNCTION` keeps it in place"
                ),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, check_after, codes_after};
    use super::*;

    #[test]
    fn flags_functions_and_procedures() {
        let found = check(
            &RULE,
            "DROP FUNCTION IF EXISTS app.slugify(text), touch();\nDROP PROCEDURE archive(int);",
        );
        let messages: Vec<&str> = found.iter().map(|(_, f)| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "dropping function `app.slugify` breaks the release that is still running",
                "dropping function `touch` breaks the release that is still running",
                "dropping procedure `archive` breaks the release that is still running",
            ]
        );
    }

    #[test]
    fn ignores_other_drops() {
        assert!(check(&RULE, "DROP TABLE a;\nDROP VIEW v;\nDROP TRIGGER t ON a;").is_empty());
    }

    #[test]
    fn a_function_created_in_the_same_migration_is_exempt() {
        let create = "CREATE FUNCTION tmp() RETURNS int LANGUAGE sql AS 'SELECT 1';";
        assert!(check_after(&RULE, "", &format!("{create}\nDROP FUNCTION tmp();")).is_empty());
        assert_eq!(check_after(&RULE, create, "DROP FUNCTION tmp();").len(), 1);
        // Replacing it later does not make it new.
        let replace = create.replace("CREATE", "CREATE OR REPLACE");
        assert_eq!(
            check_after(&RULE, create, &format!("{replace}\nDROP FUNCTION tmp();")).len(),
            1
        );
    }

    #[test]
    fn a_function_created_again_in_the_same_migration_is_replaced_not_gone() {
        let sql = "DROP FUNCTION IF EXISTS total(int);\n\
                   CREATE FUNCTION total(n int) RETURNS bigint LANGUAGE sql AS 'SELECT n::bigint';";
        assert!(check_after(&RULE, "", sql).is_empty());
        let sql = "DROP FUNCTION total(int);\nCREATE FUNCTION sum_of(n int) RETURNS int LANGUAGE sql AS 'SELECT n';";
        assert_eq!(check_after(&RULE, "", sql).len(), 1);
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "DROP FUNCTION old_fn();";
        assert_eq!(codes_after("", sql), ["drop-function"]);
        let allowed = format!("-- pgshift:allow drop-function -- unused since v12\n{sql}");
        assert!(codes_after("", &allowed).is_empty());
    }
}
