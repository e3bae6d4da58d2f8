//! `prefer-bigint` (advice): a 4-byte `integer`/`serial` column, which can run out.

use crate::schema::ColumnType;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "prefer-bigint",
    category: Category::Advice,
    summary: "an `integer` column tops out at 2,147,483,647",
    why: "ids and counters outgrow 32 bits more often than anyone plans for, and widening the column later \
          rewrites the table under an ACCESS EXCLUSIVE lock; `bigint` costs 4 bytes more per row",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    ctx.declared_types()
        .into_iter()
        .filter_map(|(column, t, (offset, len))| {
            let ty = ColumnType::of(t);
            let wider = match ty.name.as_str() {
                "int4" => "bigint",
                "serial" => "bigint GENERATED ... AS IDENTITY",
                _ => return None,
            };
            (!ty.array).then(|| Finding {
                offset,
                len,
                message: format!(
                    "column `{column}` is a 4-byte `{}`, which tops out at 2,147,483,647",
                    ty
                ),
                help: format!("declare it `{wider}`"),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{advice, check};
    use super::*;

    #[test]
    fn flags_integer_and_serial_columns() {
        let found = check(
            &RULE,
            "CREATE TABLE t (id serial, n integer, m int4);\nALTER TABLE t ADD COLUMN k int;",
        );
        let spans: Vec<&str> = found.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(spans, ["serial", "integer", "int4", "int"]);
    }

    #[test]
    fn bigint_smallint_and_arrays_are_fine() {
        assert!(
            check(
                &RULE,
                "CREATE TABLE t (id bigint, p smallint, a int[], s bigserial);"
            )
            .is_empty()
        );
    }

    #[test]
    fn it_is_advice_and_an_allow_comment_silences_it() {
        assert_eq!(advice("CREATE TABLE t (n int);"), ["prefer-bigint"]);
        let sql = "-- pgshift:allow prefer-bigint -- a day of the month\nCREATE TABLE t (n int);";
        assert!(advice(sql).is_empty());
    }
}
