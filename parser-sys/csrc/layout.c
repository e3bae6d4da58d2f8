/* The sizes, alignments and field offsets of the C structs that src/ffi.rs declares by hand,
 * as the C compiler sees them, so a Rust test can compare them with its own declarations. */
#include <stddef.h>
#include "pg_query.h"

#define ALIGNOF(t) offsetof(struct { char c; t x; }, x)

const size_t pgshift_layout[] = {
    sizeof(PgQueryError), ALIGNOF(PgQueryError),
    offsetof(PgQueryError, message), offsetof(PgQueryError, funcname),
    offsetof(PgQueryError, filename), offsetof(PgQueryError, lineno),
    offsetof(PgQueryError, cursorpos), offsetof(PgQueryError, context),
    sizeof(PgQueryProtobuf), ALIGNOF(PgQueryProtobuf),
    offsetof(PgQueryProtobuf, len), offsetof(PgQueryProtobuf, data),
    sizeof(PgQueryProtobufParseResult), ALIGNOF(PgQueryProtobufParseResult),
    offsetof(PgQueryProtobufParseResult, parse_tree), offsetof(PgQueryProtobufParseResult, stderr_buffer),
    offsetof(PgQueryProtobufParseResult, error),
    sizeof(PgQueryScanToken), ALIGNOF(PgQueryScanToken),
    offsetof(PgQueryScanToken, start), offsetof(PgQueryScanToken, end),
    offsetof(PgQueryScanToken, token), offsetof(PgQueryScanToken, keyword_kind),
    sizeof(PgQueryScanTokensResult), ALIGNOF(PgQueryScanTokensResult),
    offsetof(PgQueryScanTokensResult, tokens), offsetof(PgQueryScanTokensResult, n_tokens),
    offsetof(PgQueryScanTokensResult, error),
    sizeof(PgQueryDeparseResult), ALIGNOF(PgQueryDeparseResult),
    offsetof(PgQueryDeparseResult, query), offsetof(PgQueryDeparseResult, error),
};

const size_t pgshift_layout_len = sizeof(pgshift_layout) / sizeof(pgshift_layout[0]);
