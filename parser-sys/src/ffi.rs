//! The C functions and structs of libpg_query that this crate calls, declared by hand from
//! `libpg_query/pg_query.h` (no bindgen). `tests` below compares every size, alignment and
//! field offset with what the C compiler computed (`csrc/layout.c`).

use std::os::raw::{c_char, c_int};

/// `PgQueryError`: what went wrong, and where (`cursorpos`, 1-based, in characters).
#[repr(C)]
#[derive(Debug)]
pub struct PgQueryError {
    pub message: *mut c_char,
    pub funcname: *mut c_char,
    pub filename: *mut c_char,
    pub lineno: c_int,
    pub cursorpos: c_int,
    pub context: *mut c_char,
}

/// `PgQueryProtobuf`: a serialised protobuf message.
#[repr(C)]
#[derive(Debug)]
pub struct PgQueryProtobuf {
    pub len: usize,
    pub data: *mut c_char,
}

/// `PgQueryProtobufParseResult`.
#[repr(C)]
#[derive(Debug)]
pub struct PgQueryProtobufParseResult {
    pub parse_tree: PgQueryProtobuf,
    pub stderr_buffer: *mut c_char,
    pub error: *mut PgQueryError,
}

/// `PgQueryScanToken`: byte offsets of a token, its token number and keyword kind (both C
/// enums, which are `int`-sized on every supported compiler).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct PgQueryScanToken {
    pub start: c_int,
    pub end: c_int,
    pub token: c_int,
    pub keyword_kind: c_int,
}

/// `PgQueryScanTokensResult`.
#[repr(C)]
#[derive(Debug)]
pub struct PgQueryScanTokensResult {
    pub tokens: *mut PgQueryScanToken,
    pub n_tokens: c_int,
    pub error: *mut PgQueryError,
}

/// `PgQueryDeparseResult`: SQL text for a parse tree.
#[repr(C)]
#[derive(Debug)]
pub struct PgQueryDeparseResult {
    pub query: *mut c_char,
    pub error: *mut PgQueryError,
}

/// `PG_QUERY_PARSE_DEFAULT`: the standard top-level SQL grammar.
pub const PG_QUERY_PARSE_DEFAULT: c_int = 0;

unsafe extern "C" {
    pub fn pg_query_parse_protobuf_opts(
        input: *const c_char,
        parser_options: c_int,
    ) -> PgQueryProtobufParseResult;
    pub fn pg_query_free_protobuf_parse_result(result: PgQueryProtobufParseResult);
    pub fn pg_query_scan_tokens(input: *const c_char) -> PgQueryScanTokensResult;
    pub fn pg_query_free_scan_tokens_result(result: PgQueryScanTokensResult);
    pub fn pg_query_deparse_protobuf(parse_tree: PgQueryProtobuf) -> PgQueryDeparseResult;
    pub fn pg_query_free_deparse_result(result: PgQueryDeparseResult);
}

#[cfg(test)]
unsafe extern "C" {
    /// Sizes, alignments and offsets as C sees them (`csrc/layout.c`).
    static pgshift_layout: [usize; 32];
    static pgshift_layout_len: usize;
}

/// The layout table of `csrc/layout.c`, for the tests.
#[cfg(test)]
pub(crate) fn c_layout() -> &'static [usize] {
    // SAFETY: both are plain constant data defined in csrc/layout.c; the length is checked
    // against the declared array size before slicing.
    unsafe {
        assert_eq!(
            pgshift_layout_len, 32,
            "csrc/layout.c and ffi.rs disagree on the table size"
        );
        let table: &'static [usize; 32] = &*std::ptr::addr_of!(pgshift_layout);
        &table[..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{align_of, offset_of, size_of};

    #[test]
    fn struct_layouts_match_the_c_compiler() {
        let rust = [
            size_of::<PgQueryError>(),
            align_of::<PgQueryError>(),
            offset_of!(PgQueryError, message),
            offset_of!(PgQueryError, funcname),
            offset_of!(PgQueryError, filename),
            offset_of!(PgQueryError, lineno),
            offset_of!(PgQueryError, cursorpos),
            offset_of!(PgQueryError, context),
            size_of::<PgQueryProtobuf>(),
            align_of::<PgQueryProtobuf>(),
            offset_of!(PgQueryProtobuf, len),
            offset_of!(PgQueryProtobuf, data),
            size_of::<PgQueryProtobufParseResult>(),
            align_of::<PgQueryProtobufParseResult>(),
            offset_of!(PgQueryProtobufParseResult, parse_tree),
            offset_of!(PgQueryProtobufParseResult, stderr_buffer),
            offset_of!(PgQueryProtobufParseResult, error),
            size_of::<PgQueryScanToken>(),
            align_of::<PgQueryScanToken>(),
            offset_of!(PgQueryScanToken, start),
            offset_of!(PgQueryScanToken, end),
            offset_of!(PgQueryScanToken, token),
            offset_of!(PgQueryScanToken, keyword_kind),
            size_of::<PgQueryScanTokensResult>(),
            align_of::<PgQueryScanTokensResult>(),
            offset_of!(PgQueryScanTokensResult, tokens),
            offset_of!(PgQueryScanTokensResult, n_tokens),
            offset_of!(PgQueryScanTokensResult, error),
            size_of::<PgQueryDeparseResult>(),
            align_of::<PgQueryDeparseResult>(),
            offset_of!(PgQueryDeparseResult, query),
            offset_of!(PgQueryDeparseResult, error),
        ];
        assert_eq!(&rust[..], c_layout());
    }
}
