//! PostgreSQL's own SQL parser for pgshift: the C sources of
//! [libpg_query](https://github.com/pganalyze/libpg_query) (PostgreSQL 18's grammar and
//! scanner), vendored and compiled with the C compiler alone.
//!
//! Unlike the `pg_query` crate, building this needs neither libclang (the few C declarations
//! used are written by hand in [`ffi`] and checked against the C compiler's layout by a test)
//! nor protoc (the protobuf types in [`protobuf`] are generated once, by
//! `scripts/revendor.sh`, and checked in).
//!
//! ```
//! use pgshift_parser_sys::{parse, scan_tokens, NodeEnum};
//!
//! let tree = parse("CREATE TABLE t (id bigint); SELECT 1").unwrap();
//! assert_eq!(tree.stmts.len(), 2);
//! let first = tree.stmts[0].stmt.as_ref().and_then(|n| n.node.as_ref());
//! assert!(matches!(first, Some(NodeEnum::CreateStmt(_))));
//!
//! let err = parse("SELECT 1;\nSELECT * FROM t WHERE").unwrap_err();
//! assert_eq!(err.message, "syntax error at end of input");
//! let err = parse("CREATE TABLE t (id int DEFALT 1)").unwrap_err();
//! assert_eq!(err.cursor, Some(23)); // byte offset of `DEFALT`
//!
//! let tokens = scan_tokens("SELECT 1 -- done").unwrap();
//! assert_eq!(tokens.len(), 3);
//! ```
//!
//! The parser keeps its state per thread and is safe to call from several threads at once.
//! Its recursion is bounded like the server's (`stack depth limit exceeded` past 2 MB of C
//! stack; trees nested deeper than 10,000 protobuf levels are refused), but decoding the
//! protobuf tree and dropping it recurse too, and prost's decoder is stack hungry without
//! optimisation (measured: about 50 KiB per level of `1 + 1 + ...` in a debug build, 256 MiB for
//! the deepest tree the C side accepts). Callers that accept arbitrary input should parse on a
//! thread with a generous stack (pgshift-core uses 512 MiB of reserved, mostly untouched,
//! address space).

use std::ffi::{CStr, CString};
use std::fmt;

pub mod ffi;
#[allow(clippy::all, missing_docs, rustdoc::all)]
pub mod protobuf;

pub use protobuf::node::Node as NodeEnum;
pub use protobuf::{KeywordKind, ParseResult, RawStmt, ScanToken, Token};

/// The version of libpg_query vendored here (`libpg_query/VERSION`).
pub const LIBPG_QUERY_VERSION: &str = include_str!("../libpg_query/VERSION");

/// What failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The parser rejected the text (a syntax error, or a limit the server has too, such as
    /// `stack depth limit exceeded`).
    Parse,
    /// The scanner rejected the text (an unterminated string, comment or dollar quote).
    Scan,
    /// The text contains a NUL byte, which no PostgreSQL query can contain.
    Nul,
    /// The parse tree could not be decoded: a fault of this crate, not of the SQL.
    Decode,
    /// A parse tree could not be turned back into SQL.
    Deparse,
}

/// An error from the parser or the scanner.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// What failed.
    pub kind: ErrorKind,
    /// PostgreSQL's message (`syntax error at or near "DEFALT"`).
    pub message: String,
    /// Byte offset in the input where the error is, when PostgreSQL gave a position.
    pub cursor: Option<usize>,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

fn input(sql: &str) -> Result<CString, Error> {
    CString::new(sql).map_err(|e| Error {
        kind: ErrorKind::Nul,
        message: "the text contains a NUL byte".into(),
        cursor: Some(e.nul_position()),
    })
}

/// Turns a `PgQueryError` into an [`Error`]; its `cursorpos` counts characters from 1.
///
/// # Safety
/// `error` must point to a live `PgQueryError` from libpg_query.
unsafe fn error(sql: &str, error: *const ffi::PgQueryError, kind: ErrorKind) -> Error {
    // SAFETY: the caller guarantees a live error; libpg_query always sets `message`.
    let (message, cursorpos) = unsafe {
        let e = &*error;
        let message = if e.message.is_null() {
            "unknown parser error".to_string()
        } else {
            CStr::from_ptr(e.message).to_string_lossy().into_owned()
        };
        (message, e.cursorpos)
    };
    let cursor = usize::try_from(cursorpos)
        .ok()
        .and_then(|p| p.checked_sub(1))
        .map(|chars| sql.char_indices().nth(chars).map_or(sql.len(), |(i, _)| i));
    Error {
        kind,
        message,
        cursor,
    }
}

/// Parses `sql` (any number of statements) into PostgreSQL's raw parse tree.
pub fn parse(sql: &str) -> Result<ParseResult, Error> {
    use prost::Message;
    let c_sql = input(sql)?;
    // SAFETY: `c_sql` is a valid NUL-terminated string that outlives the call; the result is
    // read before it is freed, exactly once.
    unsafe {
        let result = ffi::pg_query_parse_protobuf_opts(c_sql.as_ptr(), ffi::PG_QUERY_PARSE_DEFAULT);
        let out = if !result.error.is_null() {
            Err(error(sql, result.error, ErrorKind::Parse))
        } else {
            let data: &[u8] = if result.parse_tree.data.is_null() {
                &[]
            } else {
                std::slice::from_raw_parts(
                    result.parse_tree.data as *const u8,
                    result.parse_tree.len,
                )
            };
            ParseResult::decode(data).map_err(|e| Error {
                kind: ErrorKind::Decode,
                message: format!("cannot decode the parse tree: {e}"),
                cursor: None,
            })
        };
        ffi::pg_query_free_protobuf_parse_result(result);
        out
    }
}

/// Splits `sql` into tokens, comments included, with byte offsets.
pub fn scan_tokens(sql: &str) -> Result<Vec<ScanToken>, Error> {
    let c_sql = input(sql)?;
    // SAFETY: as in `parse`; `tokens` holds `n_tokens` initialised tokens until freed.
    unsafe {
        let result = ffi::pg_query_scan_tokens(c_sql.as_ptr());
        let out = if !result.error.is_null() {
            Err(error(sql, result.error, ErrorKind::Scan))
        } else if result.tokens.is_null() || result.n_tokens <= 0 {
            Ok(Vec::new())
        } else {
            Ok(
                std::slice::from_raw_parts(result.tokens, result.n_tokens as usize)
                    .iter()
                    .map(|t| ScanToken {
                        start: t.start,
                        end: t.end,
                        token: t.token,
                        keyword_kind: t.keyword_kind,
                    })
                    .collect(),
            )
        };
        ffi::pg_query_free_scan_tokens_result(result);
        out
    }
}

/// Turns a parse tree (as [`parse`] returns it, possibly changed) back into SQL text.
///
/// The text is PostgreSQL's canonical spelling of the tree, not the original: comments and
/// layout are gone, so offsets into it do not map to the source.
pub fn deparse(tree: &ParseResult) -> Result<String, Error> {
    use prost::Message;
    let mut bytes = tree.encode_to_vec();
    let protobuf = ffi::PgQueryProtobuf {
        len: bytes.len(),
        data: bytes.as_mut_ptr() as *mut std::os::raw::c_char,
    };
    // SAFETY: `protobuf` points into `bytes`, alive for the call, which only reads it; the
    // result is read before it is freed, exactly once.
    unsafe {
        let result = ffi::pg_query_deparse_protobuf(protobuf);
        let out = if !result.error.is_null() {
            Err(error("", result.error, ErrorKind::Deparse))
        } else if result.query.is_null() {
            Ok(String::new())
        } else {
            Ok(CStr::from_ptr(result.query).to_string_lossy().into_owned())
        };
        ffi::pg_query_free_deparse_result(result);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deparse_gives_back_sql_for_a_changed_tree() {
        let mut tree = parse("create unique index concurrently i on app.t (a) where b").unwrap();
        let Some(NodeEnum::IndexStmt(index)) = tree.stmts[0].stmt.as_mut().unwrap().node.as_mut()
        else {
            panic!("not an index statement")
        };
        index.concurrent = false;
        assert_eq!(
            deparse(&tree).unwrap(),
            "CREATE UNIQUE INDEX i ON app.t USING btree (a) WHERE b"
        );
    }

    #[test]
    fn every_kind_of_node_survives_the_trip_through_protobuf() {
        // parse: C tree -> upb encoding (patched: patches/upb-encode-oneof.patch) -> prost;
        // deparse: prost -> upb decoding -> C. A node lost or garbled on the way out would
        // change the SQL that comes back. The expected texts were produced by the unpatched
        // encoder.
        for (sql, expected) in [
            (
                "select a.id, count(*) filter (where b > 1) over (partition by c) as n from s.t a \
                 join u on u.id = a.id where a.x in (1, 2) and not a.y is null group by 1 order by 2 \
                 desc limit 5",
                "SELECT a.id, count(*) FILTER (WHERE b > 1) OVER (PARTITION BY c) AS n FROM s.t a \
                 JOIN u ON u.id = a.id WHERE a.x IN (1, 2) AND NOT a.y IS NULL GROUP BY 1 ORDER BY 2 \
                 DESC LIMIT 5",
            ),
            (
                "insert into t (a, b) values (1, 'x'), (2, null) on conflict (a) do update set b = \
                 excluded.b returning *",
                "INSERT INTO t (a, b) VALUES (1, 'x'), (2, NULL) ON CONFLICT (a) DO UPDATE SET b = \
                 excluded.b RETURNING *",
            ),
            (
                "alter table only t add column c numeric(10,2) default 0 not null, alter column d \
                 type text using d::text, add constraint k check (c > 0) not valid",
                "ALTER TABLE ONLY t ADD COLUMN c numeric(10, 2) DEFAULT 0 NOT NULL, ALTER COLUMN d \
                 TYPE text USING d::text, ADD CONSTRAINT k CHECK (c > 0) NOT VALID",
            ),
            (
                "create index concurrently i on t using gin (lower(a) gin_trgm_ops) where b",
                "CREATE INDEX CONCURRENTLY i ON t USING gin (lower(a) gin_trgm_ops) WHERE b",
            ),
            (
                "create function f(x int) returns int language sql immutable as $$ SELECT x + 1 $$",
                "CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT x + 1 $$",
            ),
            (
                "with recursive r(n) as (select 1 union all select n + 1 from r where n < 3) select \
                 case when n = 1 then 'a' else 'b' end, array[n], row(n, n)::text from r",
                "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT \
                 CASE WHEN n = 1 THEN 'a' ELSE 'b' END, ARRAY[n], ROW(n, n)::text FROM r",
            ),
        ] {
            assert_eq!(deparse(&parse(sql).unwrap()).unwrap(), expected);
        }
    }

    #[test]
    fn statements_come_back_with_their_locations() {
        let sql = "CREATE TABLE a (id int);\n  ALTER TABLE a ADD COLUMN b text";
        let tree = parse(sql).unwrap();
        let spans: Vec<(i32, i32)> = tree
            .stmts
            .iter()
            .map(|s| (s.stmt_location, s.stmt_len))
            .collect();
        assert_eq!(spans, [(0, 23), (27, 0)]);
        assert!(matches!(
            tree.stmts[1].stmt.as_ref().unwrap().node,
            Some(NodeEnum::AlterTableStmt(_))
        ));
    }

    #[test]
    fn syntax_errors_carry_a_byte_offset_also_after_multibyte_text() {
        let sql = "SELECT 'ça va';\nCREATE TABLE é (id int DEFALT 1);";
        let err = parse(sql).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Parse);
        assert_eq!(err.message, "syntax error at or near \"DEFALT\"");
        let at = err.cursor.unwrap();
        assert_eq!(&sql[at..at + 6], "DEFALT");
    }

    #[test]
    fn scanner_errors_are_scan_errors() {
        let err = scan_tokens("SELECT 'unterminated").unwrap_err();
        assert_eq!(err.kind, ErrorKind::Scan);
        assert!(err.message.contains("unterminated quoted string"), "{err}");
    }

    #[test]
    fn tokens_match_the_protobuf_enum() {
        let tokens = scan_tokens("CREATE INDEX CONCURRENTLY i ON t (a) /* c */;").unwrap();
        let names: Vec<Token> = tokens
            .iter()
            .map(|t| Token::try_from(t.token).unwrap())
            .collect();
        assert_eq!(names[0], Token::Create);
        assert_eq!(names[2], Token::Concurrently);
        assert!(names.contains(&Token::CComment));
        assert_eq!(*names.last().unwrap(), Token::Ascii59);
        assert_eq!(
            KeywordKind::try_from(tokens[0].keyword_kind).unwrap(),
            KeywordKind::ReservedKeyword
        );
    }

    #[test]
    fn nul_bytes_are_refused_with_their_offset() {
        let err = parse("SELECT 1;\0").unwrap_err();
        assert_eq!((err.kind, err.cursor), (ErrorKind::Nul, Some(9)));
    }

    /// Runs `f` on a thread with the stack a deep tree needs in an unoptimised build.
    fn with_big_stack(f: impl FnOnce() + Send + 'static) {
        std::thread::Builder::new()
            .stack_size(512 << 20)
            .spawn(f)
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn nesting_past_prosts_default_limit_decodes() {
        // 200 terms: deeper than prost's default decoding limit of 100.
        with_big_stack(|| {
            let sql = format!("SELECT {}", vec!["1"; 200].join(" + "));
            assert_eq!(parse(&sql).unwrap().stmts.len(), 1);
        });
    }

    #[test]
    fn nesting_deeper_than_the_server_allows_is_a_parse_error_not_a_crash() {
        with_big_stack(|| {
            let sql = format!("SELECT {}", vec!["1"; 20_000].join(" + "));
            let err = parse(&sql).unwrap_err();
            assert_eq!(err.kind, ErrorKind::Parse);
            assert_eq!(err.message, "stack depth limit exceeded");
        });
    }

    #[test]
    fn threads_parse_side_by_side() {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                std::thread::spawn(move || {
                    for j in 0..200 {
                        let sql = format!("SELECT {i} + {j} FROM t{i}");
                        assert_eq!(parse(&sql).unwrap().stmts.len(), 1);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    }
}
