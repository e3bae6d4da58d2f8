//! `alter-domain-add-constraint`: `ALTER DOMAIN ... ADD CONSTRAINT` without `NOT VALID` (and
//! `ALTER DOMAIN ... SET NOT NULL`), which checks every column of the domain's type.

use crate::pg::NodeEnum;

use super::{Category, Context, Finding, Rule};

/// The rule.
pub static RULE: Rule = Rule {
    id: "alter-domain-add-constraint",
    category: Category::Locking,
    summary: "a domain constraint without `NOT VALID` checks every column of the domain while blocking writes",
    why: "adding a validated constraint to a domain reads every row of every table with a column of that domain, \
          holding a SHARE lock on each of them, so writes to all those tables wait for the whole scan",
    source_file: file!(),
    check,
};

fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let NodeEnum::AlterDomainStmt(alter) = &ctx.statement.node else {
        return Vec::new();
    };
    let domain = alter
        .type_name
        .iter()
        .filter_map(|n| match &n.node {
            Some(NodeEnum::String(s)) => Some(s.sval.as_str()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(".");
    let bare = domain.rsplit('.').next().unwrap_or(&domain);
    // A domain created earlier in this migration has no column using it outside this migration.
    if ctx.schema.domain_created_in(bare) == Some(ctx.schema.migration()) {
        return Vec::new();
    }
    let (what, help) = match (
        alter.subtype.as_str(),
        alter.def.as_deref().and_then(|d| d.node.as_ref()),
    ) {
        ("C", Some(NodeEnum::Constraint(c))) if !c.skip_validation => (
            format!(
                "constraint {}on domain `{domain}`",
                if c.conname.is_empty() {
                    String::new()
                } else {
                    format!("`{}` ", c.conname)
                }
            ),
            format!(
                "add it as `NOT VALID`, then validate it in a later migration: `ALTER DOMAIN {domain} ADD CONSTRAINT \
                 {name} CHECK (...) NOT VALID;` then `ALTER DOMAIN {domain} VALIDATE CONSTRAINT {name};`",
                name = if c.conname.is_empty() {
                    format!("{bare}_check")
                } else {
                    c.conname.clone()
                }
            ),
        ),
        ("O", _) => (
            format!("`SET NOT NULL` on domain `{domain}`"),
            format!(
                "add `ALTER DOMAIN {domain} ADD CONSTRAINT {bare}_not_null CHECK (VALUE IS NOT NULL) NOT VALID;` and \
                 validate it in a later migration"
            ),
        ),
        _ => return Vec::new(),
    };
    let (offset, len) = ctx.first_line();
    vec![Finding {
        offset,
        len,
        message: format!(
            "{what} checks every column of that domain in every table, blocking writes to them (SHARE lock) for the \
             whole scan"
        ),
        help,
    }]
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{check, check_after, codes_after};
    use super::*;

    #[test]
    fn flags_validated_domain_constraints() {
        let found = check(
            &RULE,
            "ALTER DOMAIN email ADD CONSTRAINT email_has_at CHECK (VALUE LIKE '%@%');\nALTER DOMAIN email SET NOT NULL;",
        );
        assert_eq!(found.len(), 2);
        assert!(
            found[0]
                .1
                .message
                .starts_with("constraint `email_has_at` on domain `email`")
        );
    }

    #[test]
    fn not_valid_and_new_domains_are_fine() {
        let sql = "ALTER DOMAIN email ADD CONSTRAINT c CHECK (VALUE LIKE '%@%') NOT VALID;\n\
                   ALTER DOMAIN email VALIDATE CONSTRAINT c;\nALTER DOMAIN email DROP NOT NULL;";
        assert!(check(&RULE, sql).is_empty());
        let new = "CREATE DOMAIN d AS text;\nALTER DOMAIN d ADD CHECK (VALUE <> '');";
        assert!(check_after(&RULE, "", new).is_empty());
        let earlier = "CREATE DOMAIN d AS text;";
        assert_eq!(
            check_after(&RULE, earlier, "ALTER DOMAIN d ADD CHECK (VALUE <> '');").len(),
            1
        );
    }

    #[test]
    fn an_allow_comment_allows_it() {
        let sql = "-- pgshift:allow alter-domain-add-constraint -- used by one small table\n\
                   ALTER DOMAIN email ADD CHECK (VALUE <> '');";
        assert!(codes_after("", sql).is_empty());
    }
}
