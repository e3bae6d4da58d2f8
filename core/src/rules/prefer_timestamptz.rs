//! `prefer-timestamptz` (advice): a `timestamp` (without time zone) column.

use crate::schema::ColumnType;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "prefer-timestamptz",
    category: Category::Advice,
    summary: "`timestamp` without time zone loses which instant it means",
    why: "a `timestamp` stores a wall-clock reading without its zone, so comparing it with `now()` or reading it \
          from a session in another zone gives the wrong instant; `timestamptz` stores the instant and costs \
          nothing more",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    ctx.declared_types()
        .into_iter()
        .filter_map(|(column, t, (offset, len))| {
            let ty = ColumnType::of(t);
            (ty.name == "timestamp").then(|| Finding {
                offset,
                len,
                message: format!("column `{column}` is `timestamp` without time zone"),
                help: "declare it `timestamptz`".into(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{advice, check};
    use super::*;

    #[test]
    fn flags_timestamp_without_time_zone() {
        let found = check(
            &RULE,
            "CREATE TABLE t (a timestamp, b timestamp(3) without time zone);",
        );
        assert_eq!(found.len(), 2);
    }

    #[test]
    fn timestamptz_and_dates_are_fine() {
        assert!(
            check(
                &RULE,
                "CREATE TABLE t (a timestamptz, b timestamp with time zone, c date);"
            )
            .is_empty()
        );
    }

    #[test]
    fn it_is_advice_and_an_allow_comment_silences_it() {
        assert_eq!(
            advice("CREATE TABLE t (a timestamp);"),
            ["prefer-timestamptz"]
        );
        let sql = "-- pgshift:allow prefer-timestamptz -- a local appointment time\nCREATE TABLE t (a timestamp);";
        assert!(advice(sql).is_empty());
    }
}
