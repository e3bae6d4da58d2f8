//! Splitting a file into statements with the real PostgreSQL grammar, and locating syntax
//! errors exactly.

use crate::pg::{self, Failure, NodeEnum, ScanToken, Token};

/// A statement of a file: where it is and its parse tree.
#[derive(Debug, Clone)]
pub struct ParsedStatement {
    /// Byte offset of its first token (comments before it are not part of it).
    pub start: usize,
    /// Byte offset just past its last token (the `;` is not part of it).
    pub end: usize,
    /// Index in [`ParsedFile::tokens`] of its first token.
    pub first_token: usize,
    /// Index in [`ParsedFile::tokens`] just past its last token.
    pub end_token: usize,
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

impl ParsedFile {
    /// The tokens of `statement`, comments between its tokens included.
    pub fn tokens_of(&self, statement: &ParsedStatement) -> &[ScanToken] {
        &self.tokens[statement.first_token..statement.end_token]
    }
}

/// What kind of problem stopped the parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SyntaxErrorKind {
    /// PostgreSQL's grammar or scanner rejects the text.
    Syntax,
    /// The text contains a NUL byte.
    Nul,
    /// A statement nests deeper than PostgreSQL accepts (the server refuses it too).
    TooDeep,
    /// The parser's answer could not be read: a fault of pgshift, not of the SQL.
    Internal,
}

/// Why a file does not parse, and exactly where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// What kind of problem it is.
    pub kind: SyntaxErrorKind,
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

/// The UTF-8 byte order mark some editors put at the start of a file.
pub const BOM: &str = "\u{feff}";

/// Parses `text` into statements. A leading byte order mark is read as whitespace (offsets
/// stay those of the file; the runtime never sends the bytes before the first statement).
///
/// Linear in the size of the text: every statement's tokens are found by binary search.
pub fn parse_sql(text: &str) -> Result<ParsedFile, SyntaxError> {
    if let Some(nul) = text.find('\0') {
        return Err(SyntaxError {
            kind: SyntaxErrorKind::Nul,
            offset: nul,
            len: 1,
            message: "the file contains a NUL byte".into(),
        });
    }
    let unmarked;
    let text = match text.strip_prefix(BOM) {
        Some(rest) => {
            unmarked = format!("   {rest}");
            unmarked.as_str()
        }
        None => text,
    };
    if text.trim().is_empty() {
        // No tokens at all (the scanner must not be called with nothing to scan).
        return Ok(ParsedFile::default());
    }
    let tokens = match pg::scan(text) {
        Ok(tokens) => tokens,
        Err(f) => return Err(scanner_error(text, f)),
    };
    let raw = match pg::parse(text) {
        Ok(raw) => raw,
        Err(f) => return Err(parse_error(text, &tokens, f)),
    };
    let mut statements = Vec::with_capacity(raw.len());
    for raw in raw {
        let Some(node) = raw.stmt.and_then(|n| n.node) else {
            continue;
        };
        let region_start = raw.stmt_location.max(0) as usize;
        let region_end = if raw.stmt_len <= 0 {
            text.len()
        } else {
            region_start + raw.stmt_len as usize
        };
        let from = tokens.partition_point(|t| (t.start as usize) < region_start);
        let to = from + tokens[from..].partition_point(|t| (t.end as usize) <= region_end);
        let is_code = |t: &ScanToken| !is_comment(t) && t.token != Token::Ascii59 as i32;
        let Some(first) = (from..to).find(|&i| is_code(&tokens[i])) else {
            continue;
        };
        let last = (first..to)
            .rev()
            .find(|&i| is_code(&tokens[i]))
            .unwrap_or(first);
        statements.push(ParsedStatement {
            start: tokens[first].start as usize,
            end: tokens[last].end as usize,
            first_token: first,
            end_token: last + 1,
            node,
        });
    }
    Ok(ParsedFile { statements, tokens })
}

fn error_of(kind: SyntaxErrorKind, message: String, offset: usize, len: usize) -> SyntaxError {
    SyntaxError {
        kind,
        offset,
        len,
        message,
    }
}

/// A failure that is not the SQL's: no position to give.
fn not_syntax(text: &str, f: Failure) -> SyntaxError {
    match f {
        Failure::TooDeep { message } => error_of(SyntaxErrorKind::TooDeep, message, 0, 0),
        Failure::Internal { message } => error_of(SyntaxErrorKind::Internal, message, 0, 0),
        Failure::Syntax { message, .. } => {
            error_of(SyntaxErrorKind::Syntax, message, text.len(), 0)
        }
    }
}

/// The scanner failed (unterminated string, comment or dollar quote): it points where the
/// unterminated thing begins; its message also quotes the rest of the input from there.
fn scanner_error(text: &str, f: Failure) -> SyntaxError {
    let Failure::Syntax { message, cursor } = f else {
        return not_syntax(text, f);
    };
    let offset = cursor
        .filter(|&c| c < text.len())
        .or_else(|| {
            near_text(&message)
                .filter(|near| !near.is_empty() && text.ends_with(near))
                .map(|near| text.len() - near.len())
        })
        .unwrap_or(0);
    let len = text[offset..].lines().next().map_or(0, str::len);
    error_of(SyntaxErrorKind::Syntax, message, offset, len)
}

fn near_text(message: &str) -> Option<&str> {
    let start = message.find("at or near \"")? + "at or near \"".len();
    let rest = &message[start..];
    Some(&rest[..rest.rfind('"')?])
}

/// The parser failed: PostgreSQL's error cursor points at the offending token. Without a
/// cursor (rare), the token is found again: the parser reads tokens left to right, so it is
/// the last one of the shortest token prefix that already fails with something other than
/// "at end of input" (binary search over prefixes).
fn parse_error(text: &str, tokens: &[ScanToken], f: Failure) -> SyntaxError {
    let Failure::Syntax { message, cursor } = f else {
        return not_syntax(text, f);
    };
    let code: Vec<&ScanToken> = tokens.iter().filter(|t| !is_comment(t)).collect();
    if message.ends_with("at end of input") || code.is_empty() {
        let end = code.last().map_or(text.len(), |t| t.end as usize);
        return error_of(SyntaxErrorKind::Syntax, message, end, 0);
    }
    let token_at = |offset: usize| {
        let i = code.partition_point(|t| (t.end as usize) <= offset);
        code.get(i).filter(|t| t.start as usize <= offset).copied()
    };
    if let Some(cursor) = cursor {
        let (offset, len) = match token_at(cursor) {
            Some(t) => (t.start as usize, (t.end - t.start) as usize),
            None => (cursor.min(text.len()), 1),
        };
        return error_of(SyntaxErrorKind::Syntax, message, offset, len);
    }
    let fails_inside = |n: usize| -> bool {
        let end = code[n - 1].end as usize;
        match pg::parse(&text[..end]) {
            Ok(_) => false,
            Err(Failure::Syntax { message, .. }) => !message.ends_with("at end of input"),
            Err(_) => true,
        }
    };
    let (mut lo, mut hi) = (1, code.len());
    if !fails_inside(hi) {
        let t = code[0];
        return error_of(
            SyntaxErrorKind::Syntax,
            message,
            t.start as usize,
            (t.end - t.start) as usize,
        );
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
    error_of(
        SyntaxErrorKind::Syntax,
        message,
        token.start as usize,
        (token.end - token.start) as usize,
    )
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
