//! `add-foreign-key`: a foreign key added to an existing table without `NOT VALID`, including
//! an inline `REFERENCES` in `ADD COLUMN`.

use crate::pg::protobuf::ConstrType;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "add-foreign-key",
    category: Category::Locking,
    summary: "a foreign key without `NOT VALID` blocks writes to both tables while every row is checked",
    why: "adding a validated foreign key takes a SHARE ROW EXCLUSIVE lock on the table and on the table it \
          references, and holds both while it reads every row to check it; inserts, updates and deletes on \
          both tables wait for the whole scan, and everything queued behind them waits too",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let table = ctx.table();
    ctx.added_constraints()
        .into_iter()
        .filter(|a| a.is(ConstrType::ConstrForeign) && !a.constraint.skip_validation)
        .map(|a| {
            let referenced = a
                .constraint
                .pktable
                .as_ref()
                .map(|r| crate::classify::TableName::from_range_var(r).to_string())
                .unwrap_or_else(|| "?".into());
            let name = a.name(&ctx.bare_table(), "fkey");
            let cols = a.columns().join(", ");
            let help = match a.column {
                Some(c) => format!(
                    "add the column without `REFERENCES`, then the key as `NOT VALID`, and validate it in a later \
                     migration: `ALTER TABLE {table} ADD COLUMN {col} ...; ALTER TABLE {table} ADD CONSTRAINT {name} \
                     FOREIGN KEY ({col}) REFERENCES {referenced} NOT VALID;` then, in the next migration, \
                     `ALTER TABLE {table} VALIDATE CONSTRAINT {name};` (SHARE UPDATE EXCLUSIVE: reads and writes go on)",
                    col = c.colname
                ),
                None => format!(
                    "add it as `NOT VALID`, which checks new rows only and takes its lock for an instant, and \
                     validate it in a later migration: `ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY \
                     ({cols}) REFERENCES {referenced} NOT VALID;` then `ALTER TABLE {table} VALIDATE CONSTRAINT \
                     {name};` (SHARE UPDATE EXCLUSIVE: reads and writes go on)"
                ),
            };
            Finding {
                offset: a.span.0,
                len: a.span.1,
                message: format!(
                    "foreign key `{name}` on `{table}` is added without `NOT VALID`: writes to `{table}` and \
                     `{referenced}` are blocked (SHARE ROW EXCLUSIVE) while every row of `{table}` is checked"
                ),
                help,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, check_after, codes_after};
    use super::*;

    #[test]
    fn flags_a_validated_key_and_an_inline_reference() {
        let found = check(
            &RULE,
            "ALTER TABLE notes ADD CONSTRAINT notes_case_fk FOREIGN KEY (case_id) REFERENCES cases (id),\n  \
             ADD COLUMN tenant_id bigint REFERENCES app.tenants (id);",
        );
        let spans: Vec<&str> = found.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(
            spans,
            [
                "CONSTRAINT notes_case_fk FOREIGN KEY (case_id) REFERENCES cases (id)",
                "REFERENCES app.tenants (id)"
            ]
        );
        assert!(found[0].1.message.contains("`notes` and `cases`"));
        assert!(found[1].1.message.contains("`notes_tenant_id_fkey`"));
        assert!(
            found[1]
                .1
                .help
                .starts_with("add the column without `REFERENCES`")
        );
    }

    #[test]
    fn not_valid_and_new_tables_are_fine() {
        assert!(
            check(
                &RULE,
                "ALTER TABLE notes ADD CONSTRAINT fk FOREIGN KEY (case_id) REFERENCES cases NOT VALID;\n\
                 CREATE TABLE t (id int REFERENCES cases (id));"
            )
            .is_empty()
        );
        assert!(
            check_after(
                &RULE,
                "",
                "CREATE TABLE t (id int, c int);\nALTER TABLE t ADD FOREIGN KEY (c) REFERENCES cases (id);"
            )
            .is_empty()
        );
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "ALTER TABLE notes ADD FOREIGN KEY (case_id) REFERENCES cases (id);";
        assert_eq!(codes_after("", sql), ["add-foreign-key"]);
        let allowed = format!("-- pgshift:allow add-foreign-key -- notes has 10 rows\n{sql}");
        assert!(codes_after("", &allowed).is_empty());
    }
}
