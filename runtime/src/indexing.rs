//! Concurrent index builds that were interrupted or failed.
//!
//! `CREATE INDEX CONCURRENTLY` that fails or is cancelled leaves an *invalid* index behind,
//! which blocks a rebuild under the same name and slows writes. A build interrupted by a crash
//! may also have finished just before it. These helpers sort that out.

use std::time::Duration;

use postgres::Client;

use crate::history::{Names, rows};
use crate::migration::{Migration, Statement, StatementKind, TransactionMode};
use crate::sql::{ident, literal, qualified};

/// The table of index build attempts, next to the migration history.
pub const BUILD_TABLE: &str = "index_build_history";

/// `"schema"."index_build_history"`.
pub(crate) fn build_table(names: &Names) -> String {
    format!("{}.{}", ident(&names.schema), ident(BUILD_TABLE))
}

/// Whether a statement run outside a transaction is an index build, drop or rebuild, whose
/// attempts are recorded in [`BUILD_TABLE`].
pub(crate) fn is_index_statement(statement: &Statement) -> bool {
    matches!(
        statement.kind,
        StatementKind::CreateIndex | StatementKind::DropIndex | StatementKind::Reindex
    )
}

/// Creates the build table if needed and records attempt `attempt` as `building`; returns the
/// row's id. One round trip. Runs outside any transaction, on the build's own connection, so
/// the row stays whatever happens to the build.
pub(crate) fn log_start(
    client: &mut Client,
    names: &Names,
    migration: &Migration,
    statement: &Statement,
    attempt: u32,
) -> Result<i64, postgres::Error> {
    let t = build_table(names);
    let sql = format!(
        "CREATE TABLE IF NOT EXISTS {t} (
    id bigserial PRIMARY KEY,
    migration_version bigint NOT NULL,
    migration_id text NOT NULL,
    index_name text,
    table_name text,
    statement text NOT NULL,
    attempt integer NOT NULL,
    status text NOT NULL CHECK (status IN ('building', 'succeeded', 'failed')),
    sqlstate text,
    message text,
    invalid_index_dropped boolean NOT NULL DEFAULT false,
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz,
    duration_ms bigint
);
INSERT INTO {t} (migration_version, migration_id, index_name, table_name, statement, attempt, status)
VALUES ({v}, {id}, {ix}, {tb}, {kind}, {attempt}, 'building') RETURNING id::text",
        v = migration.version,
        id = literal(&migration.id),
        ix = statement.object.as_deref().map_or("NULL".into(), literal),
        tb = statement.table.as_deref().map_or("NULL".into(), literal),
        kind = literal(statement.kind.label()),
    );
    let messages = client.simple_query(&sql)?;
    Ok(rows(&messages)
        .next()
        .and_then(|r| r.get(0))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// How an attempt ended.
pub(crate) struct AttemptEnd<'a> {
    pub error: Option<&'a postgres::Error>,
    pub dropped_invalid: bool,
    pub duration: Duration,
}

/// Records how attempt `id` ended. Failures to record are logged, never fatal: the build's
/// own outcome matters more.
pub(crate) fn log_end(client: &mut Client, names: &Names, id: i64, end: AttemptEnd<'_>) {
    let (status, code, message) = match end.error {
        None => ("succeeded", "NULL".to_string(), "NULL".to_string()),
        Some(e) => (
            "failed",
            e.code().map_or("NULL".into(), |c| literal(c.code())),
            literal(
                &e.as_db_error()
                    .map_or_else(|| e.to_string(), |d| d.message().to_string()),
            ),
        ),
    };
    let sql = format!(
        "UPDATE {} SET status = '{status}', sqlstate = {code}, message = {message}, \
         invalid_index_dropped = {}, finished_at = clock_timestamp(), duration_ms = {} WHERE id = {id}",
        build_table(names),
        end.dropped_invalid,
        end.duration.as_millis()
    );
    if let Err(e) = client.simple_query(&sql) {
        log::warn!("could not record the index build attempt: {e}");
    }
}

/// What was found of a concurrent build when resuming it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Recovery {
    /// Not a named concurrent index build: nothing to check.
    NotAnIndexBuild,
    /// No index of that name on that table: build it.
    Absent,
    /// An invalid leftover was dropped: build it again.
    DroppedInvalid,
    /// A valid index of that name exists on that table: the build finished before the
    /// interruption.
    AlreadyBuilt,
}

/// The index's and table's names, quoted, for a named `CREATE INDEX CONCURRENTLY`.
fn names(statement: &Statement) -> Option<(String, String)> {
    let (
        StatementKind::CreateIndex,
        TransactionMode::Concurrently { .. },
        Some(index),
        Some(table),
    ) = (
        statement.kind,
        &statement.transaction,
        statement.object.as_deref(),
        statement.table.as_deref(),
    )
    else {
        return None;
    };
    // The index lives in its table's schema.
    let index = match table.rsplit_once('.') {
        Some((schema, _)) => format!("{schema}.{index}"),
        None => index.to_string(),
    };
    Some((qualified(&index), qualified(table)))
}

/// Validity of the index named by `statement`, if it exists on the statement's table.
fn validity(
    client: &mut Client,
    index: &str,
    table: &str,
) -> Result<Option<bool>, postgres::Error> {
    let query = format!(
        "SELECT indisvalid::text FROM pg_index WHERE indexrelid = to_regclass({}) AND indrelid = to_regclass({})",
        literal(index),
        literal(table)
    );
    let messages = client.simple_query(&query)?;
    Ok(rows(&messages)
        .next()
        .and_then(|r| r.get(0))
        .map(|v| v == "true"))
}

/// Before re-running an interrupted concurrent build: keep a valid index, drop an invalid one.
pub(crate) fn recover(
    client: &mut Client,
    statement: &Statement,
) -> Result<Recovery, postgres::Error> {
    let Some((index, table)) = names(statement) else {
        return Ok(Recovery::NotAnIndexBuild);
    };
    match validity(client, &index, &table)? {
        None => Ok(Recovery::Absent),
        Some(true) => Ok(Recovery::AlreadyBuilt),
        Some(false) => {
            log::warn!("dropping invalid index {index} left by an interrupted concurrent build");
            client.simple_query(&format!("DROP INDEX CONCURRENTLY IF EXISTS {index}"))?;
            Ok(Recovery::DroppedInvalid)
        }
    }
}

/// The invalid index a failed build left and could not drop, if any (its name as written).
pub(crate) fn invalid_leftover(client: &mut Client, statement: &Statement) -> Option<String> {
    let (index, table) = names(statement)?;
    (validity(client, &index, &table).ok()? == Some(false))
        .then(|| statement.object.as_deref().unwrap_or("?").to_string())
}

/// After a concurrent build that succeeded: `CREATE INDEX CONCURRENTLY IF NOT EXISTS` succeeds
/// without building anything when an index of that name exists, even an INVALID leftover of an
/// earlier failed build (a unique index that then enforces nothing). Drops such a leftover and
/// says so; the caller builds again.
pub(crate) fn drop_if_invalid(
    client: &mut Client,
    statement: &Statement,
) -> Result<bool, postgres::Error> {
    let Some((index, table)) = names(statement) else {
        return Ok(false);
    };
    if validity(client, &index, &table)? != Some(false) {
        return Ok(false);
    }
    log::warn!(
        "index {index} exists but is INVALID (an earlier build failed); dropping and building it again"
    );
    client.simple_query(&format!("DROP INDEX CONCURRENTLY IF EXISTS {index}"))?;
    Ok(true)
}

/// After our own concurrent build failed: drop the invalid index it left, so a retry (or the
/// next run) can build it again. Not when the failure was that the name was already taken
/// (that index is someone else's). Returns whether an invalid index was dropped.
pub(crate) fn clean_up_failed_build(
    client: &mut Client,
    statement: &Statement,
    error: &postgres::Error,
) -> bool {
    let Some((index, table)) = names(statement) else {
        return false;
    };
    if error.code().map(|c| c.code()) == Some("42P07") {
        return false;
    }
    if let Ok(Some(false)) = validity(client, &index, &table) {
        log::warn!("dropping invalid index {index} left by the failed concurrent build");
        match client.simple_query(&format!("DROP INDEX CONCURRENTLY IF EXISTS {index}")) {
            Ok(_) => return true,
            Err(e) => log::warn!("could not drop invalid index {index}: {e}"),
        }
    }
    false
}
