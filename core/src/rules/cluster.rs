//! `cluster`: `CLUSTER`, which rewrites the table in index order under its strongest lock.

use crate::pg::NodeEnum;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "cluster",
    category: Category::Locking,
    summary: "`CLUSTER` rewrites the table while it is locked against reads and writes",
    why: "`CLUSTER` copies the whole table in index order and rebuilds its indexes under an ACCESS EXCLUSIVE lock: \
          nothing can read or write the table until the copy is done",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let NodeEnum::ClusterStmt(cluster) = &ctx.statement.node else {
        return Vec::new();
    };
    if cluster.relation.is_some() && ctx.on_new_table() {
        return Vec::new();
    }
    let target = if cluster.relation.is_some() {
        format!("`{}`", ctx.table())
    } else {
        "every previously clustered table".to_string()
    };
    let (offset, len) = ctx.first_line();
    vec![Finding {
        offset,
        len,
        message: format!(
            "`CLUSTER` rewrites {target} while it is locked against reads and writes (ACCESS EXCLUSIVE) for the whole \
             copy"
        ),
        help: "reorder the table online with `pg_repack --order-by=<columns>` outside the migration, or allow it for \
               a maintenance window with `-- pgshift:allow cluster -- <reason>`"
            .into(),
    }]
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, check_after, codes_after};
    use super::*;

    #[test]
    fn flags_cluster() {
        let found = check(&RULE, "CLUSTER users USING users_pkey;\nCLUSTER;");
        assert_eq!(found.len(), 2);
        assert!(found[0].1.message.contains("`users`"));
    }

    #[test]
    fn setting_the_cluster_index_and_new_tables_are_fine() {
        assert!(check(&RULE, "ALTER TABLE users CLUSTER ON users_pkey;").is_empty());
        assert!(
            check_after(
                &RULE,
                "",
                "CREATE TABLE t (a int PRIMARY KEY);\nCLUSTER t USING t_pkey;"
            )
            .is_empty()
        );
    }

    #[test]
    fn an_allow_comment_allows_it() {
        assert!(
            codes_after(
                "",
                "-- pgshift:allow cluster -- 1k rows\nCLUSTER users USING users_pkey;"
            )
            .is_empty()
        );
    }
}
