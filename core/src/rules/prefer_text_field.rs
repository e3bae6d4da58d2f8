//! `prefer-text-field` (advice): a `varchar(n)` column.

use crate::schema::ColumnType;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "prefer-text-field",
    category: Category::Advice,
    summary: "`varchar(n)` hard-codes a limit that is costly to lower",
    why: "in PostgreSQL `varchar(n)` is `text` with a length check; raising the limit later is a catalog change, \
          but lowering it rewrites the table under an ACCESS EXCLUSIVE lock, while a `CHECK (length(...) <= n)` \
          constraint can be replaced `NOT VALID` without one",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    ctx.declared_types()
        .into_iter()
        .filter_map(|(column, t, (offset, len))| {
            let ty = ColumnType::of(t);
            let n = *ty.typmods.first()?;
            (ty.name == "varchar").then(|| Finding {
                offset,
                len,
                message: format!("column `{column}` is `{ty}`"),
                help: format!(
                    "declare it `text` with `CHECK (length({column}) <= {n})` if the limit matters"
                ),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{advice, check};
    use super::*;

    #[test]
    fn flags_limited_varchar() {
        let found = check(
            &RULE,
            "CREATE TABLE t (email varchar(255), code character varying(8));",
        );
        assert_eq!(found.len(), 2);
        assert!(found[0].1.help.contains("CHECK (length(email) <= 255)"));
    }

    #[test]
    fn text_and_unlimited_varchar_are_fine() {
        assert!(check(&RULE, "CREATE TABLE t (a text, b varchar, c char(2));").is_empty());
    }

    #[test]
    fn it_is_advice_and_an_allow_comment_silences_it() {
        assert_eq!(
            advice("CREATE TABLE t (a varchar(9));"),
            ["prefer-text-field"]
        );
        let sql = "-- pgshift:allow prefer-text-field -- a fixed-width code\nCREATE TABLE t (a varchar(9));";
        assert!(advice(sql).is_empty());
    }
}
