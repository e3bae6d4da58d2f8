//! `drop-index-non-concurrently`: a plain `DROP INDEX` of an index on an existing table.

use crate::pg::NodeEnum;
use crate::pg::protobuf::ObjectType;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "drop-index-non-concurrently",
    category: Category::Locking,
    summary: "`DROP INDEX` without `CONCURRENTLY` locks the table against reads and writes",
    why: "a plain `DROP INDEX` takes an ACCESS EXCLUSIVE lock on the index's table; it is quick once granted, but it \
          waits for every running query on the table, and every new query queues behind it meanwhile",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let NodeEnum::DropStmt(drop) = &ctx.statement.node else {
        return Vec::new();
    };
    if drop.concurrent || drop.remove_type != ObjectType::ObjectIndex as i32 {
        return Vec::new();
    }
    let names: Vec<String> = drop
        .objects
        .iter()
        .filter_map(|n| match &n.node {
            Some(NodeEnum::List(l)) => crate::classify::TableName::from_name_list(&l.items),
            _ => None,
        })
        .filter(|name| {
            // An index of a table created earlier in this migration: nothing uses it yet.
            !ctx.schema
                .index(&name.name)
                .is_some_and(|i| ctx.is_new(&i.table))
        })
        .map(|n| n.to_string())
        .collect();
    if names.is_empty() {
        return Vec::new();
    }
    let (offset, len) = ctx.first_line();
    let list = names.join("`, `");
    let help = if names.len() > 1 {
        "drop them one per statement as `DROP INDEX CONCURRENTLY IF EXISTS ...;` (it takes one index at a time)"
            .to_string()
    } else {
        format!(
            "write `DROP INDEX CONCURRENTLY IF EXISTS {};` (without `CASCADE`), which pgshift runs outside the transaction",
            names[0]
        )
    };
    vec![Finding {
        offset,
        len,
        message: format!(
            "dropping index `{list}` without `CONCURRENTLY` locks its table against reads and writes (ACCESS \
             EXCLUSIVE), queueing every query behind the running ones"
        ),
        help,
    }]
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, check_after, codes_after};
    use super::*;

    #[test]
    fn flags_a_plain_drop_index() {
        let found = check(&RULE, "DROP INDEX IF EXISTS app.users_email_idx;");
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .1
                .help
                .contains("DROP INDEX CONCURRENTLY IF EXISTS app.users_email_idx")
        );
    }

    #[test]
    fn concurrent_drops_other_objects_and_indexes_of_new_tables_are_fine() {
        assert!(
            check(
                &RULE,
                "DROP INDEX CONCURRENTLY i; DROP TABLE t; DROP VIEW v;"
            )
            .is_empty()
        );
        let sql = "CREATE TABLE t (a int);\nCREATE INDEX t_a ON t (a);\nDROP INDEX t_a;";
        assert!(check_after(&RULE, "", sql).is_empty());
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "-- pgshift:allow drop-index-non-concurrently -- built with INDEX_CONCURRENT=1\nDROP INDEX i;";
        assert!(codes_after("", sql).is_empty());
        assert_eq!(
            codes_after("", "DROP INDEX i;"),
            ["drop-index-non-concurrently"]
        );
    }
}
