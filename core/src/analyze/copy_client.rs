//! `copy-client`: `COPY ... FROM STDIN` and `COPY ... TO STDOUT` stream rows between the
//! client and the server, which a migration cannot do; and the psql-style rows written after
//! `FROM STDIN;` are not SQL at all. Server-side `COPY` (a file or a program on the server)
//! is fine.

use crate::diagnostic::Diagnostic;
use crate::pg::NodeEnum;
use crate::source::LineIndex;
use crate::split::{ParsedStatement, SyntaxError, SyntaxErrorKind, parse_sql};

/// The check's id.
pub(super) const ID: &str = "copy-client";

/// The other ways to load rows, after the `INSERT` suggestion.
const OTHER_WAYS: &str = "for a file on the database server use `COPY ... FROM '/path/on/the/server'` \
     (needs the `pg_read_server_files` role); or load the data from a seed or the application";

/// How many `;` before a syntax error are tried as the end of a `COPY ... FROM STDIN`: data
/// rows may contain `;` too, but the error is nearly always in the first row.
const SEMICOLONS_TRIED: usize = 8;

/// Whether a statement is a `COPY` to or from the client (`STDIN`/`STDOUT`), and if so
/// whether it reads rows (`FROM`).
fn client_copy(node: &NodeEnum) -> Option<bool> {
    match node {
        NodeEnum::CopyStmt(c) if c.filename.is_empty() && !c.is_program => Some(c.is_from),
        _ => None,
    }
}

/// The span of a statement up to the end of its first line.
fn first_line(text: &str, statement: &ParsedStatement) -> (usize, usize) {
    let s = &text[statement.start..statement.end];
    (statement.start, s.lines().next().unwrap_or(s).len())
}

/// The error for a client-side `COPY` statement, if `statement` is one.
pub(super) fn check(text: &str, statement: &ParsedStatement, display: &str) -> Option<Diagnostic> {
    let is_from = client_copy(&statement.node)?;
    let (offset, len) = first_line(text, statement);
    let d = if is_from {
        Diagnostic::new(
            ID,
            display,
            "`COPY ... FROM STDIN` cannot run in a migration",
        )
        .why(
            "it reads its rows from the client, and pgshift runs migrations through a driver that \
                 cannot stream COPY data, so the migration would fail when it runs",
        )
        .help(format!(
            "insert the rows with `INSERT INTO ... VALUES (...), (...)` or `INSERT INTO ... SELECT ...`; {OTHER_WAYS}"
        ))
    } else {
        Diagnostic::new(ID, display, "`COPY ... TO STDOUT` cannot run in a migration")
            .why(
                "it sends its rows to the client, and pgshift runs migrations through a driver that \
                 cannot stream COPY data, so the migration would fail when it runs (and nothing would read the rows)",
            )
            .help(
                "remove it; to export data, run it outside the migration, or write to a file on the database \
                 server with `COPY ... TO '/path/on/the/server'` (needs the `pg_write_server_files` role)",
            )
    };
    Some(d.at(text, offset, len))
}

/// A syntax error right after `COPY ... FROM STDIN;` is psql-style inline data: says so,
/// pointing at the `COPY`, instead of the bare syntax error on the first row.
pub(super) fn inline_data(text: &str, display: &str, err: &SyntaxError) -> Option<Diagnostic> {
    if err.kind != SyntaxErrorKind::Syntax {
        return None;
    }
    let before = text.get(..err.offset)?;
    for (semicolon, _) in before.rmatch_indices(';').take(SEMICOLONS_TRIED) {
        let Ok(prefix) = parse_sql(&text[..=semicolon]) else {
            // That `;` is inside the data: try the one before.
            continue;
        };
        let copy = prefix.statements.last()?;
        if client_copy(&copy.node) != Some(true) {
            return None;
        }
        let lines = LineIndex::new(text);
        let at = lines.position(text, err.offset);
        let (offset, len) = first_line(text, copy);
        return Some(
            Diagnostic::new(
                ID,
                display,
                "`COPY ... FROM STDIN` followed by inline data, which is not SQL",
            )
            .at(text, offset, len)
            .why(format!(
                "the rows after `FROM STDIN;` are input for psql, not SQL: PostgreSQL's grammar stops at them \
                 ({} at line {}, column {}), and pgshift runs migrations through a driver that cannot stream COPY data",
                err.message, at.line, at.column
            ))
            .help(format!(
                "replace the `COPY` and its rows with `INSERT INTO ... VALUES (...), (...)`; {OTHER_WAYS}"
            )),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(sql: &str) -> Vec<Diagnostic> {
        let file = parse_sql(sql).unwrap();
        file.statements
            .iter()
            .filter_map(|s| check(sql, s, "f.sql"))
            .collect()
    }

    fn inline(sql: &str) -> Option<Diagnostic> {
        let err = parse_sql(sql).unwrap_err();
        inline_data(sql, "f.sql", &err)
    }

    #[test]
    fn copy_from_stdin_and_to_stdout_are_refused() {
        let diags = checked(
            "COPY widgets (id, name) FROM STDIN WITH (FORMAT csv);\nCOPY (SELECT * FROM widgets) TO STDOUT;",
        );
        let found: Vec<(&str, String)> = diags
            .iter()
            .map(|d| (d.message.as_str(), d.location()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "`COPY ... FROM STDIN` cannot run in a migration",
                    "f.sql:1:1".to_string()
                ),
                (
                    "`COPY ... TO STDOUT` cannot run in a migration",
                    "f.sql:2:1".to_string()
                ),
            ]
        );
        assert!(diags[0].help.as_deref().unwrap().contains("INSERT INTO"));
    }

    #[test]
    fn server_side_copy_is_allowed() {
        let sql = "COPY widgets FROM '/srv/widgets.csv' WITH (FORMAT csv);\n\
                   COPY widgets TO '/srv/export.csv';\n\
                   COPY widgets FROM PROGRAM 'gunzip -c /srv/w.gz';\n\
                   COPY widgets TO PROGRAM 'gzip > /srv/w.gz';";
        assert!(checked(sql).is_empty());
    }

    #[test]
    fn inline_rows_after_from_stdin_are_explained() {
        let sql = "CREATE TABLE widgets (id int, name text);\nCOPY widgets (id, name) FROM stdin;\n1\tbolt\n2\tnut\n\\.\n";
        let d = inline(sql).expect("the syntax error is explained");
        assert_eq!(d.code, "copy-client");
        assert_eq!(d.location(), "f.sql:2:1");
        let why = d.why.unwrap();
        assert!(
            why.contains("syntax error at or near \"1\" at line 3, column 1"),
            "{why}"
        );
    }

    #[test]
    fn inline_rows_that_break_the_scanner_are_explained_too() {
        // An apostrophe in a row opens a string the scanner never sees closed; a `;` in an
        // earlier row is not mistaken for the end of the `COPY`.
        let sql = "COPY people FROM stdin;\n1\tSmith; Jones\n2\tO'Brien\n\\.\n";
        assert_eq!(inline(sql).expect("explained").location(), "f.sql:1:1");
    }

    #[test]
    fn other_syntax_errors_are_left_alone() {
        assert!(inline("CREATE TABLE a (id int);\nSELEC 1;").is_none());
        assert!(inline("COPY a TO STDOUT;\nSELEC 1;").is_none());
        assert!(inline("COPY a FROM '/srv/a.csv';\n1\t2\n").is_none());
        assert!(inline("SELEC 1;").is_none());
    }
}
