//! Enum values added by one migration and used by a later one.
//!
//! `ALTER TYPE t ADD VALUE 'v'` may run inside a transaction (PostgreSQL 12+), but the new value
//! cannot be used until that transaction commits (SQLSTATE 55P04, "unsafe use of new value").
//! `migrate` commits every migration, so a later migration may use it; test mode and the
//! reversibility check run every pending migration in one transaction, where the later use
//! fails. The analysis records which migrations use values added by earlier ones, so the
//! runtime can say so before it starts instead of failing halfway.

use std::collections::{BTreeSet, HashMap};

use crate::pg::{NodeEnum, Token};
use crate::split::ParsedFile;

/// What one up file adds and mentions.
#[derive(Clone, Debug, Default)]
pub struct EnumFacts {
    /// Values its `ALTER TYPE ... ADD VALUE` statements add.
    pub added: Vec<String>,
    /// Every string constant its other statements contain, unquoted (those of `ALTER TYPE`,
    /// `CREATE TYPE` and `COMMENT` name values rather than use them).
    pub strings: BTreeSet<String>,
}

impl EnumFacts {
    /// The facts of a parsed file.
    pub fn of(text: &str, file: &ParsedFile) -> Self {
        let added = file
            .statements
            .iter()
            .filter_map(|s| match &s.node {
                NodeEnum::AlterEnumStmt(a) if !a.new_val.is_empty() && a.old_val.is_empty() => {
                    Some(a.new_val.clone())
                }
                _ => None,
            })
            .collect();
        let strings = file
            .statements
            .iter()
            .filter(|s| {
                !matches!(
                    s.node,
                    NodeEnum::AlterEnumStmt(_)
                        | NodeEnum::CreateEnumStmt(_)
                        | NodeEnum::CommentStmt(_)
                )
            })
            .flat_map(|s| file.tokens_of(s))
            .filter(|t| t.token == Token::Sconst as i32)
            .filter_map(|t| text.get(t.start as usize..t.end as usize))
            .map(unquote)
            .collect();
        EnumFacts { added, strings }
    }
}

/// A use of an enum value that an earlier migration added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnumValueUse {
    /// The version of the migration that adds it.
    pub added_in: i64,
    /// The value.
    pub value: String,
}

/// For each migration (given as `(version, facts of its up file)` in version order), the
/// values it uses that it or an earlier migration adds. (A file that adds a value and uses it
/// after a statement that commits on its own passes the compile-time check, but cannot run
/// in test mode's single transaction either.)
pub fn uses_of_added_values(migrations: &[(i64, &EnumFacts)]) -> Vec<Vec<EnumValueUse>> {
    let mut added_by: HashMap<&str, i64> = HashMap::new();
    let mut out = Vec::with_capacity(migrations.len());
    for (version, facts) in migrations {
        let uses = facts
            .strings
            .iter()
            .filter_map(|s| {
                added_by.get(s.as_str()).map(|&added_in| EnumValueUse {
                    added_in,
                    value: s.clone(),
                })
            })
            .collect();
        for value in &facts.added {
            added_by.insert(value, *version);
        }
        let mut uses: Vec<EnumValueUse> = uses;
        uses.extend(
            facts
                .strings
                .iter()
                .filter(|s| facts.added.contains(s))
                .map(|s| EnumValueUse {
                    added_in: *version,
                    value: s.clone(),
                }),
        );
        uses.dedup();
        out.push(uses);
    }
    out
}

/// The value of a string constant token: `'it''s'`, `E'a\'b'`, `$tag$...$tag$`.
fn unquote(token: &str) -> String {
    if let Some(body) = token.strip_prefix('$') {
        let tag_end = body.find('$').map_or(0, |i| i + 1);
        let inner = &body[tag_end..];
        let tail = tag_end + 1;
        return inner[..inner.len().saturating_sub(tail)].to_string();
    }
    let (escapes, body) = match token.strip_prefix(['E', 'e']) {
        Some(rest) => (true, rest),
        None => (false, token),
    };
    let body = body
        .strip_prefix('\'')
        .and_then(|b| b.strip_suffix('\''))
        .unwrap_or(body);
    let body = body.replace("''", "'");
    if escapes {
        body.replace("\\'", "'").replace("\\\\", "\\")
    } else {
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::split::parse_sql;

    fn facts(sql: &str) -> EnumFacts {
        EnumFacts::of(sql, &parse_sql(sql).unwrap())
    }

    #[test]
    fn a_value_added_earlier_and_used_later_is_found() {
        let a = facts("ALTER TYPE status ADD VALUE IF NOT EXISTS 'archived' AFTER 'closed';");
        let b = facts("CREATE TABLE t (s status DEFAULT 'archived');");
        let c = facts("UPDATE t SET s = 'closed';");
        let uses = uses_of_added_values(&[(1, &a), (2, &b), (3, &c)]);
        assert_eq!(uses[0], []);
        assert_eq!(
            uses[1],
            [EnumValueUse {
                added_in: 1,
                value: "archived".into()
            }]
        );
        assert_eq!(
            uses[2],
            [],
            "'closed' existed before: only added values count"
        );
    }

    #[test]
    fn a_value_used_in_its_own_file_is_a_use_but_its_own_statement_is_not() {
        let a = facts(
            "ALTER TYPE s ADD VALUE 'x';\nCREATE INDEX CONCURRENTLY i ON t (a);\nUPDATE t SET s = 'x';",
        );
        let uses = uses_of_added_values(&[(7, &a)]);
        assert_eq!(
            uses[0],
            [EnumValueUse {
                added_in: 7,
                value: "x".into()
            }]
        );
        let b = facts("ALTER TYPE s ADD VALUE 'y';");
        assert_eq!(uses_of_added_values(&[(8, &b)])[0], []);
    }

    #[test]
    fn renames_add_nothing_and_quoting_is_undone() {
        assert!(
            facts("ALTER TYPE s RENAME VALUE 'a' TO 'b'")
                .added
                .is_empty()
        );
        assert_eq!(facts("SELECT 'it''s'").strings, ["it's".to_string()].into());
        assert_eq!(facts("SELECT E'a\\'b'").strings, ["a'b".to_string()].into());
        assert_eq!(facts("SELECT $x$in$x$").strings, ["in".to_string()].into());
    }
}
