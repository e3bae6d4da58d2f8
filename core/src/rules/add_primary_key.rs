//! `add-primary-key`: `ADD PRIMARY KEY` on an existing table, which builds its index (and checks
//! its columns for NULLs) under the table's strongest lock.

use crate::pg::protobuf::ConstrType;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "add-primary-key",
    category: Category::Locking,
    summary: "a primary key builds its index while the table is locked against reads and writes",
    why: "`ALTER TABLE ... ADD PRIMARY KEY` takes an ACCESS EXCLUSIVE lock on the table and holds it while it builds \
          the unique index over every row, and while it checks that its columns hold no NULL; every query on the \
          table waits",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let table = ctx.table();
    let known = ctx.class.table.as_ref().and_then(|t| ctx.schema.table(t));
    ctx.added_constraints()
        .into_iter()
        .filter(|a| a.is(ConstrType::ConstrPrimary))
        .filter_map(|a| {
            let name = if a.constraint.conname.is_empty() {
                format!("{}_pkey", ctx.bare_table())
            } else {
                a.constraint.conname.clone()
            };
            if !a.constraint.indexname.is_empty() {
                // The index exists; only a nullable column still makes PostgreSQL scan the table.
                let index = ctx.schema.index(&a.constraint.indexname);
                let nullable = index.and_then(|i| {
                    let t = known?;
                    i.columns.iter().find(|c| {
                        t.column(c).is_some_and(|col| {
                            !col.not_null
                                && !t.constraints.iter().any(|k| {
                                    k.validated && k.not_null_check_of.as_deref() == Some(c.as_str())
                                })
                        })
                    })
                })?;
                return Some(Finding {
                    offset: a.span.0,
                    len: a.span.1,
                    message: format!(
                        "primary key `{name}` uses an existing index, but column `{nullable}` may hold NULLs: \
                         `{table}` is locked against reads and writes (ACCESS EXCLUSIVE) while every row is checked"
                    ),
                    help: format!(
                        "make `{nullable}` NOT NULL first without a long lock: `ALTER TABLE {table} ADD CONSTRAINT \
                         {nullable}_not_null CHECK ({nullable} IS NOT NULL) NOT VALID;`, in a later migration `VALIDATE \
                         CONSTRAINT {nullable}_not_null` and `ALTER COLUMN {nullable} SET NOT NULL`, then add the key"
                    ),
                });
            }
            let cols = a.columns().join(", ");
            Some(Finding {
                offset: a.span.0,
                len: a.span.1,
                message: format!(
                    "primary key `{name}` builds its index while `{table}` is locked against reads and writes \
                     (ACCESS EXCLUSIVE) for the whole build"
                ),
                help: format!(
                    "build the index first without blocking, then attach it: `CREATE UNIQUE INDEX CONCURRENTLY {name} \
                     ON {table} ({cols});` then `ALTER TABLE {table} ADD CONSTRAINT {name} PRIMARY KEY USING INDEX \
                     {name};` (its columns must already be NOT NULL)"
                ),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, check_after, codes_after};
    use super::*;

    #[test]
    fn flags_a_primary_key_built_in_place() {
        let found = check(
            &RULE,
            "ALTER TABLE ONLY public.events ADD PRIMARY KEY (id);",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "PRIMARY KEY (id)");
        assert!(found[0].1.message.contains("`events_pkey`"));
        assert!(found[0].1.help.contains("CREATE UNIQUE INDEX CONCURRENTLY"));
    }

    #[test]
    fn using_an_index_is_fine_unless_a_column_may_be_null() {
        let before = "CREATE TABLE events (id bigint NOT NULL, ref bigint);\n\
                      CREATE UNIQUE INDEX CONCURRENTLY events_id_idx ON events (id);\n\
                      CREATE UNIQUE INDEX CONCURRENTLY events_ref_idx ON events (ref);";
        let ok =
            "ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_id_idx;";
        assert!(check_after(&RULE, before, ok).is_empty());
        let nullable = check_after(
            &RULE,
            before,
            "ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_ref_idx;",
        );
        assert!(
            nullable[0]
                .1
                .message
                .contains("column `ref` may hold NULLs"),
            "{nullable:?}"
        );
        // An index the set does not know: trust it.
        assert!(
            check(
                &RULE,
                "ALTER TABLE legacy ADD PRIMARY KEY USING INDEX legacy_idx;"
            )
            .is_empty()
        );
    }

    #[test]
    fn a_table_created_in_the_same_migration_is_exempt() {
        assert!(
            check_after(
                &RULE,
                "",
                "CREATE TABLE t (id int);\nALTER TABLE t ADD PRIMARY KEY (id);"
            )
            .is_empty()
        );
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "-- pgshift:allow add-primary-key -- events is empty in every environment\n\
                   ALTER TABLE events ADD PRIMARY KEY (id);";
        assert!(codes_after("", sql).is_empty());
    }
}
