//! The history table `managed_migrations`: its format, and reading it.
//!
//! | column | meaning |
//! |---|---|
//! | `version` | the migration's version (primary key) |
//! | `name` | the name part of its file name |
//! | `checksum` | SHA-256 of the up file when it was applied |
//! | `state` | `applied`; `partial` while a migration with statements outside a transaction is under way; `reverting` while a rollback in several steps is under way |
//! | `steps_done` | how many steps (transactions or lone non-transactional statements) completed |
//! | `applied_at`, `execution_ms`, `applied_by` | when, how long (all steps), which database role |
//! | `down_sql`, `down_checksum`, `down_steps` | the down file at apply time, and how to run it, so a binary that does not know the migration can still roll it back |
//! | `pgshift_version` | the pgshift version that applied it |

/// An SQL expression saying whether this session can migrate: `'standby'` on a server in
/// recovery, `'read-only'` when the session may not write (`default_transaction_read_only`),
/// else `'primary'`.
pub(crate) const WRITABLE: &str = "CASE WHEN pg_is_in_recovery() THEN 'standby' \
     WHEN current_setting('transaction_read_only') = 'on' THEN 'read-only' ELSE 'primary' END";

use postgres::{Client, SimpleQueryMessage, SimpleQueryRow};

use crate::error::Error;
use crate::migration::{Migration, Script, TransactionMode};
use crate::sql::{ident, literal};

/// The history table's name (the schema is configurable).
pub const TABLE: &str = "managed_migrations";
/// The seed history table's name (in the migrator's schema).
pub const SEED_TABLE: &str = "seed_history";

/// The history table format this version writes (kept in the table's comment).
pub const FORMAT: u32 = 1;

const COMMENT_PREFIX: &str = "pgshift history format ";

pub use crate::row::{HistoryRow, RowState};

/// Names of the history table, quoted for SQL.
#[derive(Clone, Debug)]
pub(crate) struct Names {
    pub schema: String,
    pub table: String,
    /// `"schema"."managed_migrations"`
    pub qualified: String,
    /// `"schema"."seed_history"`
    pub seeds_qualified: String,
}

impl Names {
    pub fn new(schema: &str) -> Names {
        Names {
            schema: schema.to_string(),
            table: TABLE.to_string(),
            qualified: format!("{}.{}", ident(schema), ident(TABLE)),
            seeds_qualified: format!("{}.{}", ident(schema), ident(SEED_TABLE)),
        }
    }

    /// `schema.managed_migrations`, for messages and the lock key.
    pub fn display(&self) -> String {
        format!("{}.{}", self.schema, self.table)
    }

    /// DDL creating the history table (idempotent).
    pub fn create_sql(&self) -> String {
        let schema = if self.schema == "public" {
            String::new()
        } else {
            format!("CREATE SCHEMA IF NOT EXISTS {};\n", ident(&self.schema))
        };
        format!(
            "{schema}CREATE TABLE IF NOT EXISTS {t} (
    version bigint PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    state text NOT NULL DEFAULT 'applied' CHECK (state IN ('applied', 'partial', 'reverting')),
    steps_done integer NOT NULL DEFAULT 0,
    applied_at timestamptz NOT NULL DEFAULT now(),
    execution_ms bigint NOT NULL DEFAULT 0,
    applied_by text NOT NULL DEFAULT current_user,
    down_sql text NOT NULL,
    down_checksum text NOT NULL,
    down_steps text NOT NULL DEFAULT '',
    pgshift_version text NOT NULL
);
COMMENT ON TABLE {t} IS {c};\n",
            t = self.qualified,
            c = literal(&format!("{COMMENT_PREFIX}{FORMAT}")),
        )
    }

    /// One query answering "is anything to do?" without reading every row: standby flag,
    /// table format, and the count and digest of `version:checksum:state` of the rows up to
    /// `last` (the newest migration wanted); rows after it come back whole (normally none), so
    /// a database ahead of the binary is recognised without taking the lock.
    /// Fails with 42P01/3F000 when the table (or schema) does not exist.
    pub fn summary_sql(&self, last: i64) -> String {
        format!(
            "SELECT {WRITABLE}, \
             coalesce(obj_description({reg}::regclass, 'pg_class'), ''), \
             (count(*) FILTER (WHERE version <= {last}))::text, \
             encode(sha256(convert_to(coalesce(string_agg(version::text || ':' || checksum || ':' || state, ',' ORDER BY version) \
               FILTER (WHERE version <= {last}), ''), 'UTF8')), 'hex'), \
             coalesce(string_agg(concat_ws('|', version, state, steps_done, execution_ms, \
               to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), checksum, name), E'\\n' ORDER BY version) \
               FILTER (WHERE version > {last}), '') \
             FROM {t}",
            reg = literal(&self.qualified),
            t = self.qualified
        )
    }

    /// Replaces row `version`'s checksum `old` by `new` (one statement, `;` included).
    pub fn set_checksum_sql(&self, version: i64, old: &str, new: &str) -> String {
        format!(
            "UPDATE {} SET checksum = {} WHERE version = {version} AND checksum = {};",
            self.qualified,
            literal(new),
            literal(old)
        )
    }

    /// Reads every row (without the down SQL).
    pub fn select_sql(&self) -> String {
        format!(
            "SELECT version::text, name, checksum, state, steps_done::text, \
             to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), execution_ms::text \
             FROM {} ORDER BY version",
            self.qualified
        )
    }

    /// Inserts or advances a migration's row. `execution_ms` is SQL (an expression).
    pub fn upsert_sql(
        &self,
        m: &Migration,
        state: RowState,
        steps_done: usize,
        execution_ms: &str,
    ) -> String {
        format!(
            "INSERT INTO {t} (version, name, checksum, state, steps_done, execution_ms, down_sql, down_checksum, down_steps, pgshift_version) \
             VALUES ({v}, {n}, {c}, '{s}', {d}, {ms}, {ds}, {dc}, {dp}, {pv}) \
             ON CONFLICT (version) DO UPDATE SET state = EXCLUDED.state, steps_done = EXCLUDED.steps_done, \
             execution_ms = {t}.execution_ms + EXCLUDED.execution_ms, applied_at = now()",
            t = self.qualified,
            v = m.version,
            n = literal(&m.name),
            c = literal(m.checksum()),
            s = state.as_str(),
            d = steps_done,
            ms = execution_ms,
            ds = literal(&m.down.sql),
            dc = literal(&m.down.checksum),
            dp = literal(&encode_steps(&m.down)),
            pv = literal(env!("CARGO_PKG_VERSION")),
        )
    }

    /// Records `m` as applied without running it (a baseline or an import): `steps_done` is
    /// `mark` (negative), `execution_ms` 0; an existing row is left alone.
    pub fn insert_recorded_sql(&self, m: &Migration, mark: i32) -> String {
        format!(
            "INSERT INTO {t} (version, name, checksum, state, steps_done, execution_ms, down_sql, down_checksum, down_steps, pgshift_version) \
             VALUES ({v}, {n}, {c}, 'applied', {mark}, 0, {ds}, {dc}, {dp}, {pv}) ON CONFLICT (version) DO NOTHING",
            t = self.qualified,
            v = m.version,
            n = literal(&m.name),
            c = literal(m.checksum()),
            ds = literal(&m.down.sql),
            dc = literal(&m.down.checksum),
            dp = literal(&encode_steps(&m.down)),
            pv = literal(env!("CARGO_PKG_VERSION")),
        )
    }

    /// The statement that records seed `m` (a seed seen as a migration) as applied, in the seed's
    /// own transaction. `execution_ms` is SQL (an expression).
    pub fn seed_record_sql(&self, m: &Migration, execution_ms: &str) -> String {
        format!(
            "INSERT INTO {t} (name, checksum, execution_ms, pgshift_version) VALUES ({n}, {c}, {ms}, {v}) \
             ON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = now(), \
             execution_ms = EXCLUDED.execution_ms, applied_by = current_user, runs = {t}.runs + 1, \
             pgshift_version = EXCLUDED.pgshift_version",
            t = self.seeds_qualified,
            n = literal(&m.name),
            c = literal(&m.up.tokens_checksum),
            ms = execution_ms,
            v = literal(env!("CARGO_PKG_VERSION")),
        )
    }

    /// Reads the stored down SQL and its step plan for `version`.
    pub fn down_sql(&self, version: i64) -> String {
        format!(
            "SELECT down_sql, down_checksum, down_steps FROM {} WHERE version = {version}",
            self.qualified
        )
    }
}

/// Server facts and the history digest, from [`Names::summary_sql`].
#[derive(Debug, Clone)]
pub(crate) struct Summary {
    /// What [`WRITABLE`] said: `primary`, `standby` or `read-only`.
    pub writable: String,
    pub format: Option<u32>,
    pub count: usize,
    pub digest: String,
    /// Rows after the newest wanted migration.
    pub after: Vec<HistoryRow>,
}

impl Summary {
    pub fn from_row(row: &SimpleQueryRow) -> Summary {
        let get = |i: usize| row.get(i).unwrap_or_default();
        Summary {
            writable: get(0).to_string(),
            format: get(1)
                .strip_prefix(COMMENT_PREFIX)
                .and_then(|f| f.trim().parse().ok()),
            count: get(2).parse().unwrap_or(0),
            digest: get(3).to_string(),
            after: get(4)
                .lines()
                .filter_map(|line| {
                    let f: Vec<&str> = line.splitn(7, '|').collect();
                    let [version, state, steps, ms, at, checksum, name] = f.as_slice() else {
                        return None;
                    };
                    Some(HistoryRow {
                        version: version.parse().ok()?,
                        name: name.to_string(),
                        checksum: checksum.to_string(),
                        state: parse_state(state),
                        steps_done: steps.parse().unwrap_or(0),
                        applied_at: at.to_string(),
                        execution_ms: ms.parse().unwrap_or(0),
                    })
                })
                .collect(),
        }
    }
}

/// What [`Names::summary_sql`]'s digest is for a list of `(version, checksum, state)`.
pub(crate) fn digest<'a>(entries: impl Iterator<Item = (i64, &'a str, RowState)>) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for (i, (version, checksum, state)) in entries.enumerate() {
        if i > 0 {
            hasher.update(b",");
        }
        hasher.update(format!("{version}:{checksum}:{}", state.as_str()).as_bytes());
    }
    hex(&hasher.finalize())
}

/// Rows of every `SELECT` in a simple-query response, in order.
pub(crate) fn rows(messages: &[SimpleQueryMessage]) -> impl Iterator<Item = &SimpleQueryRow> {
    messages.iter().filter_map(|m| match m {
        SimpleQueryMessage::Row(r) => Some(r),
        _ => None,
    })
}

/// The history rows among a response that also holds other statements' rows.
pub(crate) fn history_rows(messages: &[SimpleQueryMessage]) -> Vec<HistoryRow> {
    rows(messages)
        .filter(|r| r.len() == 7)
        .map(parse_row)
        .collect()
}

fn parse_state(s: &str) -> RowState {
    match s {
        "partial" => RowState::Partial,
        "reverting" => RowState::Reverting,
        _ => RowState::Applied,
    }
}

pub(crate) fn parse_row(row: &SimpleQueryRow) -> HistoryRow {
    let get = |i: usize| row.get(i).unwrap_or_default();
    HistoryRow {
        version: get(0).parse().unwrap_or(0),
        name: get(1).to_string(),
        checksum: get(2).to_string(),
        state: parse_state(get(3)),
        steps_done: get(4).parse().unwrap_or(0),
        applied_at: get(5).to_string(),
        execution_ms: get(6).parse().unwrap_or(0),
    }
}

/// Reads the whole history (one round trip). `None` when the table does not exist.
pub(crate) fn read(client: &mut Client, names: &Names) -> Result<Option<Vec<HistoryRow>>, Error> {
    match client.simple_query(&names.select_sql()) {
        Ok(messages) => Ok(Some(history_rows(&messages))),
        Err(e) if is_missing_table(&e) => Ok(None),
        Err(e) => Err(Error::db("reading the migration history")(e)),
    }
}

/// Whether an error means the table or its schema does not exist.
pub(crate) fn is_missing_table(e: &postgres::Error) -> bool {
    matches!(e.code().map(|c| c.code()), Some("42P01" | "3F000"))
}

/// Encodes how to run a script without parsing it: one entry per statement,
/// `t|c|a:start-end`, comma-separated. (Rows written before 0.1 may carry a third part on
/// `c` entries, the keyword's span, which is read and ignored.)
pub(crate) fn encode_steps(script: &Script) -> String {
    script
        .statements
        .iter()
        .map(|s| match s.transaction {
            TransactionMode::Concurrently { .. } => format!("c:{}-{}", s.start, s.end),
            TransactionMode::Autocommit => format!("a:{}-{}", s.start, s.end),
            _ => format!("t:{}-{}", s.start, s.end),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// SHA-256 of a file's text with `\r\n` normalised to `\n`, lowercase hex: the checksum
/// `pgshift-core` computes at compile time (repeated here: the runtime links no analysis;
/// tests/embedding.rs compares the two). Streams the text, no copy: an embedded set hashes
/// every file on first use.
pub(crate) fn file_checksum(text: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let mut rest = text.as_bytes();
    while let Some(i) = rest.windows(2).position(|w| w == b"\r\n") {
        hasher.update(&rest[..i]);
        hasher.update(b"\n");
        rest = &rest[i + 2..];
    }
    hasher.update(rest);
    hex(&hasher.finalize())
}

/// `bytes` as lowercase hex digits.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// Rebuilds a script from a stored down SQL and its encoded statements, refusing anything that
/// does not match what was stored at apply time.
pub(crate) fn decode_script(
    path: String,
    sql: String,
    checksum: &str,
    steps: &str,
) -> Result<Script, String> {
    use crate::migration::{Statement, StatementKind};
    if file_checksum(&sql) != checksum {
        return Err(
            "its stored down SQL no longer matches the checksum recorded with it (was it edited?)"
                .into(),
        );
    }
    let bad = |entry: &str| format!("its stored step plan is damaged at `{entry}`");
    let span = |p: Option<&str>| -> Option<(u32, u32)> {
        let (a, b) = p?.split_once('-')?;
        let (a, b) = (a.parse().ok()?, b.parse().ok()?);
        (a <= b && sql.get(a as usize..b as usize).is_some()).then_some((a, b))
    };
    let mut statements = Vec::new();
    for entry in steps.split(',').filter(|e| !e.is_empty()) {
        let mut parts = entry.split(':');
        let mode = parts.next().unwrap_or("");
        let (start, end) = span(parts.next()).ok_or_else(|| bad(entry))?;
        let transaction = match mode {
            "t" => TransactionMode::Transactional,
            "a" => TransactionMode::Autocommit,
            "c" => {
                if let Some(keyword) = parts.next() {
                    span(Some(keyword)).ok_or_else(|| bad(entry))?;
                }
                TransactionMode::Concurrently {
                    transactional_sql: "".into(),
                }
            }
            _ => return Err(bad(entry)),
        };
        let (line, column) = crate::sql::line_col(&sql, start as usize);
        statements.push(Statement::new(
            start,
            end,
            line,
            column,
            StatementKind::Other,
            transaction,
            None,
            None,
        ));
    }
    Ok(Script::new(path, sql, checksum.to_string(), statements))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_checksum_normalises_crlf_only() {
        assert_eq!(file_checksum("a\r\nb"), file_checksum("a\nb"));
        assert_ne!(file_checksum("a\rb"), file_checksum("a\nb"));
        assert_eq!(
            file_checksum(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(hex(&[0, 0x0f, 0xa5, 0xff]), "000fa5ff");
    }
}
