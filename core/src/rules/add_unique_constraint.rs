//! `add-unique-constraint`: `ADD CONSTRAINT ... UNIQUE` (or an inline `UNIQUE` in `ADD COLUMN`)
//! on an existing table, which builds its index under the table's strongest lock.

use crate::pg::protobuf::ConstrType;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "add-unique-constraint",
    category: Category::Locking,
    summary: "a `UNIQUE` constraint builds its index while the table is locked against reads and writes",
    why: "`ALTER TABLE ... ADD ... UNIQUE` takes an ACCESS EXCLUSIVE lock on the table and holds it while it builds \
          the unique index over every row; every query on the table waits for the whole build",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let table = ctx.table();
    ctx.added_constraints()
        .into_iter()
        .filter(|a| a.is(ConstrType::ConstrUnique) && a.constraint.indexname.is_empty())
        .map(|a| {
            let name = a.name(&ctx.bare_table(), "key");
            let cols = a.columns().join(", ");
            Finding {
                offset: a.span.0,
                len: a.span.1,
                message: format!(
                    "unique constraint `{name}` builds its index while `{table}` is locked against reads and writes \
                     (ACCESS EXCLUSIVE) for the whole build"
                ),
                help: format!(
                    "build the index first without blocking, then attach it: `CREATE UNIQUE INDEX CONCURRENTLY {name} \
                     ON {table} ({cols});` then `ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE USING INDEX {name};`"
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
    fn flags_unique_constraints_and_inline_unique_columns() {
        let found = check(
            &RULE,
            "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email), ADD COLUMN handle text UNIQUE;",
        );
        let spans: Vec<&str> = found.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(
            spans,
            ["CONSTRAINT users_email_key UNIQUE (email)", "UNIQUE"]
        );
        assert!(
            found[1]
                .1
                .help
                .contains("CREATE UNIQUE INDEX CONCURRENTLY users_handle_key ON users (handle)")
        );
    }

    #[test]
    fn using_an_index_built_concurrently_is_fine() {
        let before = "CREATE TABLE users (id int, email text);";
        let sql = "CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);\n\
                   ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;";
        assert!(check_after(&RULE, before, sql).is_empty());
        assert!(
            check_after(
                &RULE,
                "",
                "CREATE TABLE t (a int);\nALTER TABLE t ADD UNIQUE (a);"
            )
            .is_empty()
        );
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "ALTER TABLE users ADD UNIQUE (email);";
        assert_eq!(codes_after("", sql), ["add-unique-constraint"]);
        let allowed = format!("-- pgshift:allow add-unique-constraint -- empty table\n{sql}");
        assert!(codes_after("", &allowed).is_empty());
    }
}
