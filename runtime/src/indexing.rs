//! Concurrent index builds that were interrupted or failed.
//!
//! `CREATE INDEX CONCURRENTLY` that fails or is cancelled leaves an *invalid* index behind,
//! which blocks a rebuild under the same name and slows writes. A build interrupted by a crash
//! may also have finished just before it. These helpers sort that out.

use postgres::Client;

use crate::history::rows;
use crate::migration::{Statement, StatementKind, TransactionMode};
use crate::sql::{literal, qualified};

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
/// (that index is someone else's).
pub(crate) fn clean_up_failed_build(
    client: &mut Client,
    statement: &Statement,
    error: &postgres::Error,
) {
    let Some((index, table)) = names(statement) else {
        return;
    };
    if error.code().map(|c| c.code()) == Some("42P07") {
        return;
    }
    if let Ok(Some(false)) = validity(client, &index, &table) {
        log::warn!("dropping invalid index {index} left by the failed concurrent build");
        if let Err(e) = client.simple_query(&format!("DROP INDEX CONCURRENTLY IF EXISTS {index}")) {
            log::warn!("could not drop invalid index {index}: {e}");
        }
    }
}
