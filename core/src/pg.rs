//! The one door to PostgreSQL's parser.
//!
//! Every other module of pgshift-core names parse-tree types and calls the parser through
//! this module, so that swapping the parser crate (today `pgshift-parser-sys`, libpg_query
//! vendored and built without libclang; upstream `pg_query` exposes the same protobuf types)
//! is a change to this file only.

pub use pgshift_parser_sys::protobuf;
pub use pgshift_parser_sys::{NodeEnum, ScanToken, Token};

/// Stack size for threads that parse and walk parse trees. Trees are as deep as the SQL nests
/// (`a || b || ...` over 45 columns is 45 levels) and prost's decoder, unoptimised inside a
/// proc macro, uses about 50 KiB of stack per level; the deepest tree the parser accepts needs
/// about 256 MiB. Only the pages touched are ever committed.
pub const PARSER_STACK_SIZE: usize = 512 << 20;

/// Why the parser did not return a tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// PostgreSQL's grammar or scanner rejects the text: the user's SQL is wrong.
    Syntax {
        /// PostgreSQL's message.
        message: String,
        /// Byte offset of the error, when PostgreSQL gave one.
        cursor: Option<usize>,
    },
    /// The statement nests deeper than PostgreSQL itself accepts (`stack depth limit
    /// exceeded`): the server would refuse it too.
    TooDeep {
        /// PostgreSQL's message.
        message: String,
    },
    /// The parser's answer could not be read: pgshift's fault, never the SQL's.
    Internal {
        /// What went wrong.
        message: String,
    },
}

fn failure(e: pgshift_parser_sys::Error) -> Failure {
    use pgshift_parser_sys::ErrorKind;
    match e.kind {
        ErrorKind::Decode => Failure::Internal { message: e.message },
        _ if e.message.starts_with("stack depth limit exceeded")
            || e.message.contains("nested too deeply") =>
        {
            Failure::TooDeep { message: e.message }
        }
        _ => Failure::Syntax {
            message: e.message,
            cursor: e.cursor,
        },
    }
}

/// The raw statements of `text`, with their byte locations.
pub fn parse(text: &str) -> Result<Vec<protobuf::RawStmt>, Failure> {
    pgshift_parser_sys::parse(text)
        .map(|tree| tree.stmts)
        .map_err(failure)
}

/// PostgreSQL's SQL text for one statement's tree (canonical spelling: no comments, its own
/// layout), used to precompute another form of a statement from its parse tree.
pub fn deparse(statement: &NodeEnum) -> Result<String, Failure> {
    let tree = protobuf::ParseResult {
        version: 0,
        stmts: vec![protobuf::RawStmt {
            stmt: Some(Box::new(protobuf::Node {
                node: Some(statement.clone()),
            })),
            stmt_location: 0,
            stmt_len: 0,
        }],
    };
    pgshift_parser_sys::deparse(&tree).map_err(|e| Failure::Internal {
        message: format!("cannot write the statement back as SQL: {e}"),
    })
}

/// The tokens of `text`, comments included, with byte offsets.
pub fn scan(text: &str) -> Result<Vec<ScanToken>, Failure> {
    pgshift_parser_sys::scan_tokens(text).map_err(failure)
}

/// Runs `f` on a new thread with [`PARSER_STACK_SIZE`] of stack, or on this thread when no
/// thread can be started.
pub fn with_parser_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    let job = std::sync::Mutex::new(Some(f));
    let take = || {
        job.lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .expect("the job runs once")
    };
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("pgshift-parse".into())
            .stack_size(PARSER_STACK_SIZE)
            .spawn_scoped(scope, || take()());
        match spawned {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => take()(),
        }
    })
}
