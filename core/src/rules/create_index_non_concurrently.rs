//! `create-index-non-concurrently`: a plain `CREATE INDEX` on an existing table.

use crate::pg::NodeEnum;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "create-index-non-concurrently",
    category: Category::Locking,
    summary: "`CREATE INDEX` without `CONCURRENTLY` blocks writes for the whole build",
    why: "a plain `CREATE INDEX` takes a SHARE lock on the table: reads go on, but every insert, update and delete \
          waits until the index is built over every row, which on a large table is minutes",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let NodeEnum::IndexStmt(index) = &ctx.statement.node else {
        return Vec::new();
    };
    if index.concurrent || ctx.on_new_table() {
        return Vec::new();
    }
    let table = ctx.table();
    let name = if index.idxname.is_empty() {
        "<name>"
    } else {
        index.idxname.as_str()
    };
    let (offset, len) = ctx.first_line();
    vec![Finding {
        offset,
        len,
        message: format!(
            "building index `{name}` without `CONCURRENTLY` blocks writes to `{table}` (SHARE lock) until it is built \
             over every row"
        ),
        help: format!(
            "write `CREATE {}INDEX CONCURRENTLY {name} ON {table} ...` (pgshift runs it outside the transaction and \
             retries an interrupted build); if you deploy with `INDEX_CONCURRENT=1`, which rewrites it so at run time, \
             allow it with `-- pgshift:allow create-index-non-concurrently -- built with INDEX_CONCURRENT=1`",
            if index.unique { "UNIQUE " } else { "" }
        ),
    }]
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, check_after, codes_after};
    use super::*;

    #[test]
    fn flags_a_plain_index_on_an_existing_table() {
        let found = check(
            &RULE,
            "CREATE UNIQUE INDEX users_email_idx ON public.users (lower(email));",
        );
        assert_eq!(found.len(), 1);
        assert!(
            found[0].1.message.contains("`users_email_idx`")
                && found[0].1.message.contains("`public.users`")
        );
        assert!(
            found[0]
                .1
                .help
                .starts_with("write `CREATE UNIQUE INDEX CONCURRENTLY users_email_idx")
        );
    }

    #[test]
    fn concurrent_builds_and_new_tables_are_fine() {
        assert!(check(&RULE, "CREATE INDEX CONCURRENTLY i ON users (email);").is_empty());
        let sql = "CREATE TABLE t (a int);\nCREATE INDEX t_a_idx ON t (a);";
        assert!(check_after(&RULE, "", sql).is_empty());
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "CREATE INDEX users_email_idx ON users (email);";
        assert_eq!(codes_after("", sql), ["create-index-non-concurrently"]);
        let allowed = format!(
            "-- pgshift:allow create-index-non-concurrently -- built with INDEX_CONCURRENT=1\n{sql}"
        );
        assert!(codes_after("", &allowed).is_empty());
    }
}
