//! `reindex-without-concurrently`: `REINDEX` without `CONCURRENTLY`.

use crate::pg::NodeEnum;
use crate::pg::protobuf::ReindexObjectType;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "reindex-without-concurrently",
    category: Category::Locking,
    summary: "`REINDEX` without `CONCURRENTLY` blocks writes, and reads that use the index",
    why: "a plain `REINDEX` takes a SHARE lock on the table, blocking every write, and an ACCESS EXCLUSIVE lock on \
          each index it rebuilds, blocking the reads that would use it, for the whole rebuild",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let NodeEnum::ReindexStmt(reindex) = &ctx.statement.node else {
        return Vec::new();
    };
    let concurrent = reindex
        .params
        .iter()
        .any(crate::classify::is_concurrently_option);
    let kind = ReindexObjectType::try_from(reindex.kind);
    // `REINDEX SYSTEM` has no concurrent form, and `CONCURRENTLY` was already handled.
    if concurrent || kind == Ok(ReindexObjectType::ReindexObjectSystem) {
        return Vec::new();
    }
    if kind == Ok(ReindexObjectType::ReindexObjectTable) && ctx.on_new_table() {
        return Vec::new();
    }
    let (what, target) = match kind {
        Ok(ReindexObjectType::ReindexObjectIndex) => ("INDEX", ctx.table()),
        Ok(ReindexObjectType::ReindexObjectTable) => ("TABLE", ctx.table()),
        Ok(ReindexObjectType::ReindexObjectSchema) => ("SCHEMA", reindex.name.clone()),
        _ => ("DATABASE", reindex.name.clone()),
    };
    let (offset, len) = ctx.first_line();
    vec![Finding {
        offset,
        len,
        message: format!(
            "`REINDEX {what} {target}` without `CONCURRENTLY` blocks writes (SHARE lock) and reads that use the \
             indexes (ACCESS EXCLUSIVE on each) until every index is rebuilt"
        ),
        help: if ctx.config.at_least(12) {
            format!(
                "write `REINDEX {what} CONCURRENTLY {target};`, which rebuilds beside the old index and swaps; pgshift \
                 runs it outside the transaction"
            )
        } else {
            format!(
                "`REINDEX CONCURRENTLY` needs PostgreSQL 12 (pgshift.toml targets {}): build a copy with `CREATE INDEX \
                 CONCURRENTLY <new_name> ON ...` (the same definition), then `DROP INDEX CONCURRENTLY <old_name>;` and \
                 `ALTER INDEX <new_name> RENAME TO <old_name>;`",
                ctx.config.postgres_version
            )
        },
    }]
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, check_after, codes_after};
    use super::*;

    #[test]
    fn before_postgresql_12_the_help_rebuilds_by_hand() {
        use super::super::test_support::check_after_with;
        let pg11 = crate::config::Config {
            postgres_version: 11,
            ..Default::default()
        };
        let found = check_after_with(&RULE, &pg11, "", "REINDEX INDEX cases_title_idx;");
        assert!(
            found[0]
                .1
                .help
                .starts_with("`REINDEX CONCURRENTLY` needs PostgreSQL 12"),
            "{}",
            found[0].1.help
        );
        let found = check_after_with(
            &RULE,
            &Default::default(),
            "",
            "REINDEX INDEX cases_title_idx;",
        );
        assert!(
            found[0]
                .1
                .help
                .starts_with("write `REINDEX INDEX CONCURRENTLY")
        );
    }

    #[test]
    fn flags_plain_reindex() {
        let found = check(
            &RULE,
            "REINDEX INDEX users_email_idx;\nREINDEX TABLE users;\nREINDEX SCHEMA app;",
        );
        assert_eq!(found.len(), 3);
        assert!(
            found[0]
                .1
                .help
                .starts_with("write `REINDEX INDEX CONCURRENTLY users_email_idx;`")
        );
    }

    #[test]
    fn concurrent_and_new_tables_are_fine() {
        let sql = "REINDEX INDEX CONCURRENTLY i;\nREINDEX (CONCURRENTLY) TABLE t;\nREINDEX SYSTEM;";
        assert!(check(&RULE, sql).is_empty());
        assert!(check_after(&RULE, "", "CREATE TABLE t (a int);\nREINDEX TABLE t;").is_empty());
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "-- pgshift:allow reindex-without-concurrently -- maintenance window\nREINDEX TABLE users;";
        assert!(codes_after("", sql).is_empty());
    }
}
