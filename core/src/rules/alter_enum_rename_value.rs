//! `alter-enum-rename-value`: `ALTER TYPE ... RENAME VALUE` while the running release uses the
//! old label.

use crate::pg::NodeEnum;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "alter-enum-rename-value",
    category: Category::Breaking,
    summary: "renaming an enum value breaks the release that is still running",
    why: "the previous release keeps writing and comparing the old label: its inserts fail with \"invalid input \
          value for enum\" and its `WHERE status = 'old'` finds nothing from the moment the migration commits",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let NodeEnum::AlterEnumStmt(alter) = &ctx.statement.node else {
        return Vec::new();
    };
    if alter.old_val.is_empty() {
        return Vec::new();
    }
    let names: Vec<&str> = alter
        .type_name
        .iter()
        .filter_map(|n| match &n.node {
            Some(NodeEnum::String(s)) => Some(s.sval.as_str()),
            _ => None,
        })
        .collect();
    let bare = names.last().copied().unwrap_or("?");
    if ctx.schema.type_created_in(bare) == Some(ctx.schema.migration()) {
        return Vec::new();
    }
    let ty = names.join(".");
    let (old, new) = (&alter.old_val, &alter.new_val);
    let (offset, len) = ctx.first_line();
    vec![Finding {
        offset,
        len,
        message: format!(
            "renaming value '{old}' of enum `{ty}` to '{new}' breaks the release that is still running"
        ),
        help: format!(
            "add the new label first (`ALTER TYPE {ty} ADD VALUE '{new}';`), ship a release that writes '{new}' and \
             reads both, move the rows in batches, and only then retire '{old}', with `-- pgshift:allow \
             alter-enum-rename-value -- <reason>` if you still rename it"
        ),
    }]
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, check_after, codes_after};
    use super::*;

    #[test]
    fn flags_a_rename_of_a_value() {
        let found = check(
            &RULE,
            "ALTER TYPE app.status RENAME VALUE 'shipped' TO 'sent';",
        );
        assert!(
            found[0]
                .1
                .message
                .contains("'shipped' of enum `app.status` to 'sent'")
        );
    }

    #[test]
    fn adding_values_and_new_types_are_fine() {
        assert!(
            check(
                &RULE,
                "ALTER TYPE status ADD VALUE 'lost'; ALTER TYPE status RENAME TO state;"
            )
            .is_empty()
        );
        let sql = "CREATE TYPE mood AS ENUM ('ok');\nALTER TYPE mood RENAME VALUE 'ok' TO 'fine';";
        assert!(check_after(&RULE, "", sql).is_empty());
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "-- pgshift:allow alter-enum-rename-value -- nothing writes 'shipped' since v9\n\
                   ALTER TYPE status RENAME VALUE 'shipped' TO 'sent';";
        assert!(codes_after("", sql).is_empty());
    }
}
