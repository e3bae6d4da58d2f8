//! `drop-sequence`: `DROP SEQUENCE` of a sequence the running release may still use.

use crate::classify::TableName;
use crate::pg::NodeEnum;
use crate::pg::protobuf::ObjectType;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "drop-sequence",
    category: Category::Breaking,
    summary: "dropping a sequence breaks the release that is still running",
    why: "the previous release may still call `nextval()` on it, or insert into a column whose default does; those \
          inserts fail from the moment the migration commits (and `CASCADE` drops such defaults silently)",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let Some((_, sequences)) = ctx.dropped(&[ObjectType::ObjectSequence]) else {
        return Vec::new();
    };
    let (offset, len) = ctx.first_line();
    sequences
        .into_iter()
        .filter(|seq| ctx.schema.sequence_created_in(&seq.name) != Some(ctx.schema.migration()))
        .filter(|seq| {
            !ctx.recreated_later(|node| {
                matches!(node, NodeEnum::CreateSeqStmt(s)
                    if s.sequence.as_ref().is_some_and(|r| TableName::from_range_var(r).matches(seq)))
            })
        })
        .map(|seq| Finding {
            offset,
            len,
            message: format!("dropping sequence `{seq}` breaks the release that is still running"),
            help: format!(
                "ship a release that no longer uses `{seq}` (nor a default calling `nextval('{seq}')`) first, then \
                 drop it in a later migration with `-- pgshift:allow drop-sequence -- <reason>` directly above the \
                 statement"
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, check_after, codes_after};
    use super::*;

    #[test]
    fn flags_each_dropped_sequence() {
        let found = check(
            &RULE,
            "DROP SEQUENCE IF EXISTS invoice_numbers, app.ticket_seq;",
        );
        let messages: Vec<&str> = found.iter().map(|(_, f)| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "dropping sequence `invoice_numbers` breaks the release that is still running",
                "dropping sequence `app.ticket_seq` breaks the release that is still running",
            ]
        );
    }

    #[test]
    fn ignores_other_drops() {
        assert!(check(&RULE, "DROP TABLE a;\nDROP VIEW v;").is_empty());
    }

    #[test]
    fn a_sequence_created_in_the_same_migration_is_exempt() {
        let sql = "CREATE SEQUENCE tmp_seq;\nDROP SEQUENCE tmp_seq;";
        assert!(check_after(&RULE, "", sql).is_empty());
        assert_eq!(
            check_after(&RULE, "CREATE SEQUENCE tmp_seq;", "DROP SEQUENCE tmp_seq;").len(),
            1
        );
    }

    #[test]
    fn a_sequence_created_again_in_the_same_migration_is_replaced_not_gone() {
        let sql = "DROP SEQUENCE invoice_numbers;\nCREATE SEQUENCE invoice_numbers START 1000;";
        assert!(check_after(&RULE, "", sql).is_empty());
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "DROP SEQUENCE invoice_numbers;";
        assert_eq!(codes_after("", sql), ["drop-sequence"]);
        let allowed =
            format!("-- pgshift:allow drop-sequence -- numbers come from the app now\n{sql}");
        assert!(codes_after("", &allowed).is_empty());
    }
}
