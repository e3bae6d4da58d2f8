//! `detach-partition-non-concurrently`: `ALTER TABLE ... DETACH PARTITION` without `CONCURRENTLY`.

use crate::pg::NodeEnum;
use crate::pg::protobuf::AlterTableType;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "detach-partition-non-concurrently",
    category: Category::Locking,
    summary: "`DETACH PARTITION` without `CONCURRENTLY` locks the partitioned table against reads and writes",
    why: "a plain `DETACH PARTITION` takes an ACCESS EXCLUSIVE lock on the partitioned table and the partition: it \
          waits for every running query on any partition, and every new query queues behind it",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let table = ctx.table();
    ctx.cmds_of(AlterTableType::AtDetachPartition)
        .into_iter()
        .filter_map(|(cmd, span)| match cmd.def.as_deref().and_then(|d| d.node.as_ref()) {
            Some(NodeEnum::PartitionCmd(p)) if !p.concurrent => {
                let part = p
                    .name
                    .as_ref()
                    .map(|r| crate::classify::TableName::from_range_var(r).to_string())
                    .unwrap_or_else(|| "?".into());
                Some(Finding {
                    offset: span.0,
                    len: span.1,
                    message: format!(
                        "detaching `{part}` from `{table}` without `CONCURRENTLY` locks `{table}` against reads and \
                         writes (ACCESS EXCLUSIVE)"
                    ),
                    help: if ctx.config.at_least(14) {
                        format!(
                            "write `ALTER TABLE {table} DETACH PARTITION {part} CONCURRENTLY;` (PostgreSQL 14+; pgshift \
                             runs it outside the transaction, and it must be the only statement of its migration)"
                        )
                    } else {
                        format!(
                            "`DETACH PARTITION ... CONCURRENTLY` needs PostgreSQL 14 (pgshift.toml targets {}): detach \
                             `{part}` in its own migration at a quiet time, where the `lock_timeout` makes it give up \
                             instead of queueing traffic behind it, and allow this rule there",
                            ctx.config.postgres_version
                        )
                    },
                })
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, check_after, codes_after};
    use super::*;

    #[test]
    fn flags_a_plain_detach() {
        let found = check(&RULE, "ALTER TABLE events DETACH PARTITION events_2020;");
        assert_eq!(found[0].0, "DETACH PARTITION events_2020");
    }

    #[test]
    fn before_postgresql_14_the_help_has_no_concurrent_form() {
        use super::super::test_support::check_after_with;
        let pg13 = crate::config::Config {
            postgres_version: 13,
            ..Default::default()
        };
        let found = check_after_with(
            &RULE,
            &pg13,
            "",
            "ALTER TABLE events DETACH PARTITION events_2020;",
        );
        assert!(
            found[0]
                .1
                .help
                .contains("needs PostgreSQL 14 (pgshift.toml targets 13)"),
            "{}",
            found[0].1.help
        );
    }

    #[test]
    fn concurrent_detach_and_new_tables_are_fine() {
        assert!(
            check(
                &RULE,
                "ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;"
            )
            .is_empty()
        );
        let sql =
            "CREATE TABLE e (a int) PARTITION BY RANGE (a);\nALTER TABLE e DETACH PARTITION e1;";
        assert!(check_after(&RULE, "", sql).is_empty());
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "-- pgshift:allow detach-partition-non-concurrently -- old partition\n\
                   ALTER TABLE events DETACH PARTITION events_2020;";
        assert!(codes_after("", sql).is_empty());
    }
}
