//! `add-exclusion-constraint`: `ADD CONSTRAINT ... EXCLUDE` on an existing table.

use crate::pg::protobuf::ConstrType;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "add-exclusion-constraint",
    category: Category::Locking,
    summary: "an exclusion constraint builds its index while the table is locked against reads and writes",
    why: "`ADD CONSTRAINT ... EXCLUDE` takes an ACCESS EXCLUSIVE lock on the table and holds it while it builds the \
          index and checks every pair of conflicting rows; PostgreSQL has no concurrent way to add one, and no \
          `USING INDEX` form",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let table = ctx.table();
    ctx.added_constraints()
        .into_iter()
        .filter(|a| a.is(ConstrType::ConstrExclusion))
        .map(|a| {
            let name = a.name(&ctx.bare_table(), "excl");
            Finding {
                offset: a.span.0,
                len: a.span.1,
                message: format!(
                    "exclusion constraint `{name}` builds its index while `{table}` is locked against reads and \
                     writes (ACCESS EXCLUSIVE) for the whole build"
                ),
                help: format!(
                    "there is no online way to add one: declare it when the table is created, or copy `{table}` into a \
                     new table that has it (write to both, backfill in batches, switch); if `{table}` is small, allow \
                     it with `-- pgshift:allow add-exclusion-constraint -- <reason>`"
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
    fn flags_an_exclusion_constraint_on_an_existing_table() {
        let found = check(
            &RULE,
            "ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);",
        );
        assert_eq!(
            found[0].0,
            "CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&)"
        );
    }

    #[test]
    fn other_constraints_and_new_tables_are_not_its_business() {
        assert!(
            check(
                &RULE,
                "ALTER TABLE bookings ADD CONSTRAINT c CHECK (room > 0) NOT VALID;"
            )
            .is_empty()
        );
        let sql = "CREATE TABLE b (room int, during tstzrange);\n\
                   ALTER TABLE b ADD EXCLUDE USING gist (room WITH =, during WITH &&);";
        assert!(check_after(&RULE, "", sql).is_empty());
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "-- pgshift:allow add-exclusion-constraint -- 200 rows\n\
                   ALTER TABLE bookings ADD EXCLUDE USING gist (room WITH =);";
        assert!(codes_after("", sql).is_empty());
    }
}
