//! `drop-not-null`: `ALTER COLUMN ... DROP NOT NULL` while the running release assumes a value.

use crate::pg::protobuf::AlterTableType;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "drop-not-null",
    category: Category::Breaking,
    summary: "dropping `NOT NULL` lets the new release write NULLs the running release cannot read",
    why: "the previous release keeps running during the deploy, and after a rollback; it was written for a column \
          that always has a value, so the first NULL the new release writes makes its reads of that row fail \
          (a non-optional field cannot be decoded) or go wrong",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let table = ctx.table();
    ctx.cmds_of(AlterTableType::AtDropNotNull)
        .into_iter()
        .map(|(cmd, span)| {
            let column = &cmd.name;
            Finding {
                offset: span.0,
                len: span.1,
                message: format!(
                    "dropping `NOT NULL` on `{table}.{column}` lets NULLs reach the release that is still running"
                ),
                help: format!(
                    "first ship a release that reads `{table}.{column}` as optional, then drop `NOT NULL` in a later \
                     migration with `-- pgshift:allow drop-not-null -- <reason>` directly above the statement"
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
    fn flags_each_column() {
        let found = check(
            &RULE,
            "ALTER TABLE cases ALTER COLUMN title DROP NOT NULL, ALTER body DROP NOT NULL;",
        );
        let spans: Vec<&str> = found.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(
            spans,
            [
                "ALTER COLUMN title DROP NOT NULL",
                "ALTER body DROP NOT NULL"
            ]
        );
    }

    #[test]
    fn set_not_null_and_new_tables_are_not_its_business() {
        assert!(check(&RULE, "ALTER TABLE cases ALTER COLUMN title DROP DEFAULT;").is_empty());
        let sql = "CREATE TABLE t (a int NOT NULL);\nALTER TABLE t ALTER a DROP NOT NULL;";
        assert!(check_after(&RULE, "", sql).is_empty());
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "-- pgshift:allow drop-not-null -- v7 reads it as Option\nALTER TABLE cases ALTER title DROP NOT NULL;";
        assert!(codes_after("", sql).is_empty());
    }
}
