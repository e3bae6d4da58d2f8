//! `identifier-too-long`: a name longer than PostgreSQL keeps. The server truncates every
//! identifier to 63 bytes (`NAMEDATALEN - 1`) with only a notice, so two long names that share
//! their first 63 bytes become one name.
//!
//! Every identifier token of the file is measured as the server reads it: a quoted identifier
//! without its quotes and with `""` read as `"`, an unquoted one case-folded.

use crate::diagnostic::Diagnostic;
use crate::pg::{ScanToken, Token};
use crate::split::ParsedFile;

/// The check's id.
pub(super) const ID: &str = "identifier-too-long";

/// The longest identifier PostgreSQL keeps, in bytes (`NAMEDATALEN - 1`).
const MAX_IDENTIFIER_BYTES: usize = 63;

/// An identifier token as the server reads it.
fn identifier_value(written: &str) -> String {
    match written.strip_prefix('"').and_then(|q| q.strip_suffix('"')) {
        Some(quoted) => quoted.replace("\"\"", "\""),
        // The server folds only ASCII letters (UTF-8 databases), which keeps the length.
        None => written.to_ascii_lowercase(),
    }
}

/// What the server keeps of `name`: at most [`MAX_IDENTIFIER_BYTES`], cut at a character
/// boundary.
fn truncated(name: &str) -> &str {
    let mut end = MAX_IDENTIFIER_BYTES.min(name.len());
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

/// One error per distinct identifier that is too long, at its first occurrence in the file.
pub(super) fn check(
    text: &str,
    file: &ParsedFile,
    display: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut long: Vec<(String, &ScanToken, usize)> = Vec::new();
    for token in file
        .tokens
        .iter()
        .filter(|t| t.token == Token::Ident as i32)
    {
        let name = identifier_value(&text[token.start as usize..token.end as usize]);
        if name.len() <= MAX_IDENTIFIER_BYTES {
            continue;
        }
        match long.iter_mut().find(|(n, _, _)| *n == name) {
            Some((_, _, count)) => *count += 1,
            None => long.push((name, token, 1)),
        }
    }
    for (name, token, count) in long {
        let kept = truncated(&name);
        let mut help = format!("shorten it to at most {MAX_IDENTIFIER_BYTES} bytes");
        if !name.is_ascii() {
            help.push_str(" (a character outside ASCII takes 2 to 4 bytes)");
        }
        if count > 1 {
            help.push_str(&format!(", in all {count} places this file names it"));
        }
        diagnostics.push(
            Diagnostic::new(
                ID,
                display,
                format!(
                    "identifier `{name}` is {} bytes long, more than the {MAX_IDENTIFIER_BYTES} PostgreSQL keeps",
                    name.len()
                ),
            )
            .at(text, token.start as usize, (token.end - token.start) as usize)
            .why(format!(
                "PostgreSQL silently truncates names to {MAX_IDENTIFIER_BYTES} bytes, so this one becomes `{kept}`: \
                 two names that share their first {MAX_IDENTIFIER_BYTES} bytes become the same name, and the \
                 database shows a name that is not the one in the SQL"
            ))
            .help(help),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::split::parse_sql;

    fn checked(sql: &str) -> Vec<Diagnostic> {
        let file = parse_sql(sql).unwrap();
        let mut diags = Vec::new();
        check(sql, &file, "f.sql", &mut diags);
        diags
    }

    #[test]
    fn sixty_three_bytes_are_allowed_and_sixty_four_refused() {
        let ok = "a".repeat(63);
        assert!(checked(&format!("CREATE TABLE {ok} ({ok} int);")).is_empty());
        let long = format!("{}x", "a".repeat(63));
        let diags = checked(&format!("CREATE TABLE t (id int, {long} text);"));
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, "identifier-too-long");
        assert_eq!(diags[0].location(), "f.sql:1:25");
        assert_eq!(
            diags[0].message,
            format!("identifier `{long}` is 64 bytes long, more than the 63 PostgreSQL keeps")
        );
        let why = diags[0].why.as_deref().unwrap();
        assert!(
            why.contains(&format!("becomes `{}`", "a".repeat(63))),
            "{why}"
        );
    }

    #[test]
    fn multibyte_identifiers_are_measured_in_bytes_and_cut_at_a_character() {
        // 32 characters, 64 bytes.
        let long = "é".repeat(32);
        let diags = checked(&format!("ALTER TABLE t ADD COLUMN {long} int;"));
        assert_eq!(diags.len(), 1, "{diags:#?}");
        assert!(diags[0].message.contains("is 64 bytes long"));
        assert!(
            diags[0]
                .why
                .as_deref()
                .unwrap()
                .contains(&format!("becomes `{}`", "é".repeat(31)))
        );
        assert!(diags[0].help.as_deref().unwrap().contains("outside ASCII"));
        // 31 × 2 + 1 = 63 bytes.
        assert!(
            checked(&format!(
                "ALTER TABLE t ADD COLUMN {}a int;",
                "é".repeat(31)
            ))
            .is_empty()
        );
    }

    #[test]
    fn quoted_identifiers_are_measured_without_quotes_and_escapes() {
        // 62 letters and one escaped quote: 63 bytes.
        let ok = format!("\"{}\"\"\"", "A".repeat(62));
        assert!(checked(&format!("CREATE INDEX {ok} ON t (a);")).is_empty());
        let long = format!("\"{}\"\"b\"", "A".repeat(62));
        let diags = checked(&format!("CREATE INDEX {long} ON t (a);"));
        assert_eq!(diags.len(), 1);
        assert!(
            diags[0]
                .message
                .contains(&format!("`{}\"b` is 64 bytes", "A".repeat(62)))
        );
    }

    #[test]
    fn unquoted_identifiers_are_case_folded_and_reported_once_per_file() {
        let long = format!("Orders_{}", "X".repeat(60));
        let sql = format!(
            "CREATE TABLE {long} (id int);\nALTER TABLE {} ADD COLUMN a int;\nDROP TABLE {long};",
            long.to_lowercase()
        );
        let diags = checked(&sql);
        assert_eq!(diags.len(), 1, "{diags:#?}");
        assert!(diags[0].message.contains(&long.to_lowercase()));
        assert!(
            diags[0]
                .help
                .as_deref()
                .unwrap()
                .ends_with("in all 3 places this file names it")
        );
    }

    #[test]
    fn strings_comments_and_function_bodies_are_not_identifiers() {
        let long = "z".repeat(80);
        let sql = format!(
            "-- {long}\nCOMMENT ON TABLE t IS '{long}';\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1 AS {long} $$ LANGUAGE sql;"
        );
        assert!(checked(&sql).is_empty());
    }
}
