//! `enum-value-used-in-same-transaction`: `ALTER TYPE t ADD VALUE 'v'` and then a statement
//! using `'v'` in the same transaction. PostgreSQL refuses the use until the transaction that
//! added the value commits (SQLSTATE 55P04, "unsafe use of new value").
//!
//! Statements run in one transaction as the runtime cuts a file into steps: each run of
//! transactional statements is one transaction, and a statement that must run outside one
//! (`CREATE INDEX CONCURRENTLY`, `VACUUM`, ...) starts after everything before it committed.
//! A use is any string constant equal to the value, in a statement other than `ALTER TYPE`,
//! `CREATE TYPE ... AS ENUM` or `COMMENT`, whose strings are labels and text, not values.

use crate::classify::{Classification, TableName, TransactionMode};
use crate::diagnostic::Diagnostic;
use crate::pg::{NodeEnum, Token};
use crate::source::LineIndex;
use crate::split::{ParsedFile, ParsedStatement};

/// The check's id.
pub(super) const ID: &str = "enum-value-used-in-same-transaction";

/// An enum value added by an earlier statement of the current transaction.
#[derive(Debug)]
struct Added {
    value: String,
    enum_type: TableName,
    /// Byte offset of the `ALTER TYPE` statement.
    start: usize,
    /// Whether the type itself was created earlier in the same transaction.
    type_is_new: bool,
}

/// Enum values added in the current transaction of a file, statement after statement.
#[derive(Debug, Default)]
pub(super) struct NewEnumValues {
    added: Vec<Added>,
    created_types: Vec<TableName>,
}

impl NewEnumValues {
    /// Looks at the next statement of the file: reports the first use of each value added
    /// earlier in the same transaction, and records the values it adds.
    pub(super) fn check(
        &mut self,
        text: &str,
        lines: &LineIndex,
        file: &ParsedFile,
        statement: &ParsedStatement,
        class: &Classification,
        display: &str,
    ) -> Vec<Diagnostic> {
        if !matches!(class.transaction, TransactionMode::Transactional) {
            // It runs on its own, after the statements before it committed.
            self.added.clear();
            self.created_types.clear();
            return Vec::new();
        }
        match &statement.node {
            NodeEnum::AlterEnumStmt(s) if !s.new_val.is_empty() && s.old_val.is_empty() => {
                if let Some(enum_type) = TableName::from_name_list(&s.type_name) {
                    let type_is_new = self.created_types.iter().any(|t| t.matches(&enum_type));
                    self.added.push(Added {
                        value: s.new_val.clone(),
                        enum_type,
                        start: statement.start,
                        type_is_new,
                    });
                }
                return Vec::new();
            }
            NodeEnum::CreateEnumStmt(s) => {
                self.created_types
                    .extend(TableName::from_name_list(&s.type_name));
                return Vec::new();
            }
            NodeEnum::AlterEnumStmt(_) | NodeEnum::CommentStmt(_) => return Vec::new(),
            _ => {}
        }
        let mut found = Vec::new();
        for token in file.tokens_of(statement) {
            if self.added.is_empty() {
                break;
            }
            if token.token != Token::Sconst as i32 {
                continue;
            }
            let (start, end) = (token.start as usize, token.end as usize);
            let Some(value) = string_value(&text[start..end]) else {
                continue;
            };
            if let Some(i) = self.added.iter().position(|a| a.value == value) {
                let added = self.added.remove(i);
                found.push(diagnostic(text, lines, display, &added, start, end - start));
            }
        }
        found
    }
}

fn diagnostic(
    text: &str,
    lines: &LineIndex,
    display: &str,
    added: &Added,
    offset: usize,
    len: usize,
) -> Diagnostic {
    let Added {
        value, enum_type, ..
    } = added;
    let literal = format!("'{}'", value.replace('\'', "''"));
    let line = lines.position(text, added.start).line;
    let (why, help) = if added.type_is_new {
        (
            format!(
                "this statement runs in the same transaction as `ALTER TYPE {enum_type} ADD VALUE {literal}` \
                 (line {line}), and PostgreSQL refuses to use a new enum value before the transaction that \
                 added it commits (\"unsafe use of new value\", SQLSTATE 55P04); only recent releases make an \
                 exception for a type created in the same transaction"
            ),
            format!(
                "list {literal} in the `CREATE TYPE {enum_type} AS ENUM (...)` above instead of adding it with `ALTER TYPE`"
            ),
        )
    } else {
        (
            format!(
                "this statement runs in the same transaction as `ALTER TYPE {enum_type} ADD VALUE {literal}` \
                 (line {line}), and PostgreSQL refuses to use a new enum value before the transaction that \
                 added it commits (\"unsafe use of new value\", SQLSTATE 55P04): the migration would fail when it runs"
            ),
            format!(
                "move `ALTER TYPE {enum_type} ADD VALUE {literal}` into its own migration, before the one that uses the value"
            ),
        )
    };
    Diagnostic::new(
        ID,
        display,
        format!("enum value {literal} is used in the transaction that adds it to `{enum_type}`"),
    )
    .at(text, offset, len)
    .why(why)
    .help(help)
}

/// The value of a string constant token: `'...'` (with `''` and continuation lines),
/// `$tag$...$tag$`, and `E'...'` without backslash escapes. `None` for anything else, which
/// is then never taken for a use.
fn string_value(written: &str) -> Option<String> {
    if let Some(rest) = written.strip_prefix('$') {
        let delimiter = &written[..rest.find('$')? + 2];
        return written
            .strip_prefix(delimiter)?
            .strip_suffix(delimiter)
            .map(str::to_string);
    }
    let quoted = match written.strip_prefix(['e', 'E']) {
        Some(_) if written.contains('\\') => return None,
        Some(rest) => rest,
        None => written,
    };
    let mut value = String::new();
    let mut rest = quoted;
    loop {
        rest = rest.strip_prefix('\'')?;
        loop {
            let quote = rest.find('\'')?;
            value.push_str(&rest[..quote]);
            rest = &rest[quote + 1..];
            match rest.strip_prefix('\'') {
                Some(after) => {
                    value.push('\'');
                    rest = after;
                }
                None => break,
            }
        }
        // A string continued on the next line (`'ab'\n'cd'` is `'abcd'`).
        rest = rest.trim_start();
        if rest.is_empty() {
            return Some(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::classify;
    use crate::split::parse_sql;

    fn checked(sql: &str) -> Vec<Diagnostic> {
        let file = parse_sql(sql).unwrap();
        let lines = LineIndex::new(sql);
        let mut values = NewEnumValues::default();
        file.statements
            .iter()
            .flat_map(|s| {
                let class = classify(&file, s);
                values.check(sql, &lines, &file, s, &class, "f.sql")
            })
            .collect()
    }

    #[test]
    fn a_value_used_after_adding_it_in_the_same_file_is_refused() {
        let sql = "ALTER TYPE case_status ADD VALUE 'archived';\n\
                   UPDATE cases SET status = 'archived' WHERE closed_at < now() - interval '1 year';\n\
                   UPDATE cases SET status = 'archived' WHERE deleted;";
        let diags = checked(sql);
        assert_eq!(diags.len(), 1, "only the first use: {diags:#?}");
        let d = &diags[0];
        assert_eq!(d.code, "enum-value-used-in-same-transaction");
        assert_eq!(d.location(), "f.sql:2:27");
        assert_eq!(
            d.message,
            "enum value 'archived' is used in the transaction that adds it to `case_status`"
        );
        assert!(d.why.as_deref().unwrap().contains("(line 1)"));
        assert_eq!(
            d.help.as_deref(),
            Some(
                "move `ALTER TYPE case_status ADD VALUE 'archived'` into its own migration, before the one that uses the value"
            )
        );
    }

    #[test]
    fn defaults_and_casts_are_uses_too() {
        let sql = "ALTER TYPE app.mood ADD VALUE IF NOT EXISTS 'meh' AFTER 'ok';\n\
                   ALTER TABLE people ALTER COLUMN mood SET DEFAULT 'meh'::app.mood;";
        let diags = checked(sql);
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.contains("to `app.mood`"));
    }

    #[test]
    fn other_strings_and_other_enum_statements_are_not_uses() {
        let sql = "ALTER TYPE mood ADD VALUE 'meh';\n\
                   ALTER TYPE other_mood ADD VALUE 'meh2' BEFORE 'meh';\n\
                   ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';\n\
                   CREATE TYPE mood2 AS ENUM ('meh');\n\
                   COMMENT ON TYPE mood IS 'meh';\n\
                   UPDATE people SET note = 'meh!';\n\
                   CREATE FUNCTION f() RETURNS text AS $$ SELECT 'meh' $$ LANGUAGE sql;";
        assert!(checked(sql).is_empty(), "{:#?}", checked(sql));
    }

    #[test]
    fn a_statement_run_outside_the_transaction_ends_it() {
        // The concurrent build starts after the `ALTER TYPE` committed.
        let sql = "ALTER TYPE case_status ADD VALUE 'archived';\n\
                   CREATE INDEX CONCURRENTLY cases_archived_idx ON cases (id) WHERE status = 'archived';\n\
                   UPDATE cases SET status = 'archived';";
        assert!(checked(sql).is_empty(), "{:#?}", checked(sql));
    }

    #[test]
    fn a_type_created_in_the_same_transaction_gets_its_own_help() {
        let sql = "CREATE TYPE mood AS ENUM ('ok');\nALTER TYPE mood ADD VALUE 'meh';\nSELECT 'meh'::mood;";
        let diags = checked(sql);
        assert_eq!(diags.len(), 1);
        assert!(
            diags[0]
                .help
                .as_deref()
                .unwrap()
                .starts_with("list 'meh' in the `CREATE TYPE mood AS ENUM (...)` above")
        );
    }

    #[test]
    fn string_constants_are_read_as_the_server_reads_them() {
        assert_eq!(string_value("'it''s'").as_deref(), Some("it's"));
        assert_eq!(string_value("'ab'\n  'cd'").as_deref(), Some("abcd"));
        assert_eq!(string_value("$$x$$").as_deref(), Some("x"));
        assert_eq!(string_value("$q$a$b$q$").as_deref(), Some("a$b"));
        assert_eq!(string_value("E'plain'").as_deref(), Some("plain"));
        assert_eq!(string_value("E'\\n'"), None);
        assert_eq!(string_value("U&'x'"), None);
    }
}
