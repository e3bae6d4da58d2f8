//! `drop-table`: `DROP TABLE` on a table the running release may still use.

use crate::pg::protobuf::ObjectType;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "drop-table",
    category: Category::Breaking,
    summary: "dropping a table breaks the release that is still running",
    why: "during a rolling deploy the previous release keeps serving requests and still queries the table; \
          every such query fails from the moment the migration commits",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let Some((_, tables)) = ctx.dropped(&[ObjectType::ObjectTable]) else {
        return Vec::new();
    };
    let (offset, len) = ctx.first_line();
    tables
        .into_iter()
        .filter(|table| !ctx.is_new(table))
        .map(|table| Finding {
            offset,
            len,
            message: format!("dropping table `{table}` breaks the release that is still running"),
            help: format!(
                "ship a release that no longer uses `{table}` first, then drop it in a later migration \
                 with `-- pgshift:allow drop-table -- <reason>` directly above the statement"
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::check;
    use super::*;

    #[test]
    fn flags_each_dropped_table() {
        let found = check(&RULE, "DROP TABLE IF EXISTS a, s.b CASCADE;");
        let messages: Vec<&str> = found.iter().map(|(_, f)| f.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "dropping table `a` breaks the release that is still running",
                "dropping table `s.b` breaks the release that is still running"
            ]
        );
    }

    #[test]
    fn only_tables_created_in_the_same_migration_are_exempt() {
        use crate::classify::{TableName, classify};
        use crate::split::parse_sql;
        let sql = "DROP TABLE tmp, users;";
        let file = parse_sql(sql).unwrap();
        let class = classify(&file, &file.statements[0]);
        let created = [TableName {
            schema: None,
            name: "tmp".into(),
        }];
        let ctx = Context {
            text: sql,
            file: &file,
            statement: &file.statements[0],
            class: &class,
            created: &created,
            schema: &crate::schema::Schema::new(),
            config: &crate::config::Config::default(),
        };
        let found = (RULE.check)(&ctx);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("`users`"));
    }

    #[test]
    fn ignores_other_drops() {
        assert!(check(&RULE, "DROP INDEX i; DROP VIEW v; DROP TYPE t;").is_empty());
    }
}
