//! Splitting a file into statements with the real PostgreSQL grammar, and locating syntax
//! errors exactly.

use pg_query::NodeEnum;
use pg_query::protobuf::{ScanToken, Token};

/// A statement of a file: where it is and its parse tree.
#[derive(Debug, Clone)]
pub struct ParsedStatement {
    /// Byte offset of its first token (comments before it are not part of it).
    pub start: usize,
    /// Byte offset just past its last token (the `;` is not part of it).
    pub end: usize,
    /// Index in [`ParsedFile::tokens`] of its first token.
    pub first_token: usize,
    /// The parse tree's top node.
    pub node: NodeEnum,
}

/// A file split into statements, with its tokens (comments included).
#[derive(Debug, Clone, Default)]
pub struct ParsedFile {
    /// The statements in file order; empty statements (`;;`) are not listed.
    pub statements: Vec<ParsedStatement>,
    /// Every token of the file, comments included, with byte offsets.
    pub tokens: Vec<ScanToken>,
}

/// Why a file does not parse, and exactly where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Byte offset of the offending token (or of the end of the text).
    pub offset: usize,
    /// Length in bytes of the offending token (0 at the end of the text).
    pub len: usize,
    /// PostgreSQL's message, e.g. `syntax error at or near "DEFALT"`.
    pub message: String,
}

/// Whether a token is a comment.
pub fn is_comment(token: &ScanToken) -> bool {
    token.token == Token::SqlComment as i32 || token.token == Token::CComment as i32
}

/// Parses `text` into statements.
pub fn parse_sql(text: &str) -> Result<ParsedFile, SyntaxError> {
    if let Some(nul) = text.find('\0') {
        return Err(SyntaxError {
            offset: nul,
            len: 1,
            message: "the file contains a NUL byte".into(),
        });
    }
    if text.trim().is_empty() {
        // No tokens at all (pg_query's scan_tokens must not be called with nothing to scan).
        return Ok(ParsedFile::default());
    }
    let tokens = match pg_query::scan_tokens(text) {
        Ok(tokens) => tokens,
        Err(e) => return Err(scanner_error(text, &message_of(e))),
    };
    let parsed = match pg_query::parse(text, 0) {
        Ok(parsed) => parsed,
        Err(e) => return Err(locate_parse_error(text, &tokens, message_of(e))),
    };
    let mut statements = Vec::with_capacity(parsed.protobuf.stmts.len());
    for raw in parsed.protobuf.stmts {
        let Some(node) = raw.stmt.and_then(|n| n.node) else {
            continue;
        };
        let region_start = raw.stmt_location.max(0) as usize;
        let region_end = if raw.stmt_len <= 0 {
            text.len()
        } else {
            region_start + raw.stmt_len as usize
        };
        let mut in_region = tokens
            .iter()
            .enumerate()
            .skip_while(|(_, t)| (t.start as usize) < region_start)
            .take_while(|(_, t)| (t.end as usize) <= region_end)
            .filter(|(_, t)| !is_comment(t) && t.token != Token::Ascii59 as i32);
        let Some((first_token, first)) = in_region.next() else {
            continue;
        };
        let end = in_region.last().map_or(first.end, |(_, t)| t.end) as usize;
        statements.push(ParsedStatement {
            start: first.start as usize,
            end,
            first_token,
            node,
        });
    }
    Ok(ParsedFile { statements, tokens })
}

fn message_of(e: pg_query::Error) -> String {
    match e {
        pg_query::Error::Parse(m) | pg_query::Error::Scan(m) | pg_query::Error::Split(m) => m,
        other => other.to_string(),
    }
}

/// The scanner failed (unterminated string, comment or dollar quote): its message quotes the
/// rest of the input from the error on, so the error is where that tail begins.
fn scanner_error(text: &str, message: &str) -> SyntaxError {
    let offset = near_text(message)
        .filter(|near| !near.is_empty() && text.ends_with(near))
        .map(|near| text.len() - near.len())
        .unwrap_or(0);
    SyntaxError {
        offset,
        len: text[offset..].lines().next().map_or(0, str::len),
        message: message.to_string(),
    }
}

fn near_text(message: &str) -> Option<&str> {
    let start = message.find("at or near \"")? + "at or near \"".len();
    let rest = &message[start..];
    Some(&rest[..rest.rfind('"')?])
}

/// pg_query drops the error cursor, so find it again: the parser reads tokens left to right,
/// so the offending token is the last one of the shortest token prefix that already fails
/// with something other than "at end of input". Binary search over prefixes.
fn locate_parse_error(text: &str, tokens: &[ScanToken], message: String) -> SyntaxError {
    let code: Vec<&ScanToken> = tokens.iter().filter(|t| !is_comment(t)).collect();
    let fails_inside = |n: usize| -> bool {
        let end = code[n - 1].end as usize;
        match pg_query::parse(&text[..end], 0) {
            Ok(_) => false,
            Err(e) => !message_of(e).ends_with("at end of input"),
        }
    };
    if message.ends_with("at end of input") || code.is_empty() {
        let end = code.last().map_or(text.len(), |t| t.end as usize);
        return SyntaxError {
            offset: end,
            len: 0,
            message,
        };
    }
    let (mut lo, mut hi) = (1, code.len());
    if !fails_inside(hi) {
        return SyntaxError {
            offset: code[0].start as usize,
            len: (code[0].end - code[0].start) as usize,
            message,
        };
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if fails_inside(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    let token = code[lo - 1];
    SyntaxError {
        offset: token.start as usize,
        len: (token.end - token.start) as usize,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_exclude_comments_and_semicolons() {
        let text = "-- header\nCREATE TABLE a (id int);\n\n/* c */ ALTER TABLE a ADD COLUMN b int ;;\nSELECT 1";
        let file = parse_sql(text).unwrap();
        let spans: Vec<&str> = file
            .statements
            .iter()
            .map(|s| &text[s.start..s.end])
            .collect();
        assert_eq!(
            spans,
            [
                "CREATE TABLE a (id int)",
                "ALTER TABLE a ADD COLUMN b int",
                "SELECT 1"
            ]
        );
    }

    #[test]
    fn empty_and_blank_files_have_no_statements() {
        for text in ["", "  \n\t", "-- only a comment\n", ";;"] {
            assert!(parse_sql(text).unwrap().statements.is_empty(), "{text:?}");
        }
    }

    #[test]
    fn dollar_quoted_bodies_stay_in_one_statement() {
        let text = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nSELECT 2;";
        let file = parse_sql(text).unwrap();
        assert_eq!(file.statements.len(), 2);
    }

    #[test]
    fn syntax_error_points_at_the_offending_token() {
        let text = "CREATE TABLE a (id int);\nCREATE TABLE b (\n  x int DEFALT 1\n);\n";
        let err = parse_sql(text).unwrap_err();
        assert_eq!(err.message, "syntax error at or near \"DEFALT\"");
        assert_eq!(&text[err.offset..err.offset + err.len], "DEFALT");
    }

    #[test]
    fn error_with_repeated_token_text_finds_the_right_one() {
        let text = "SELECT a FROM t;\nSELECT a a a FROM t;";
        let err = parse_sql(text).unwrap_err();
        assert_eq!(err.message, "syntax error at or near \"a\"");
        assert_eq!(err.offset, text.rfind("a a").unwrap() + 2);
    }

    #[test]
    fn unterminated_statement_points_at_the_end() {
        let text = "CREATE TABLE a (id int";
        let err = parse_sql(text).unwrap_err();
        assert!(err.message.ends_with("at end of input"), "{}", err.message);
        assert_eq!(err.offset, text.len());
    }

    #[test]
    fn unterminated_string_points_at_the_quote() {
        let text = "SELECT 1;\nSELECT 'abc;\n";
        let err = parse_sql(text).unwrap_err();
        assert!(
            err.message.contains("unterminated quoted string"),
            "{}",
            err.message
        );
        assert_eq!(err.offset, text.find('\'').unwrap());
    }
}
