//! Turning a server error into a [`MigrationError`] that points into the file: which
//! statement failed, where, and (for lock timeouts) who holds the lock.

use std::ops::Range;

use postgres::Client;
use postgres::error::ErrorPosition;

use crate::error::{Blocker, MigrationError};
use crate::history::rows;
use crate::job::Job;
use crate::migration::Script;
use crate::sql::line_col;
use crate::sql::{literal, millis, qualified};

/// Where a script's text sits inside the message sent, to map server positions back.
pub(crate) struct Sent<'a> {
    pub batch: &'a str,
    pub prefix_len: usize,
    pub slice_start: usize,
    pub slice_len: usize,
}

/// The byte offset in the script of the server's error position, when it has one inside the
/// script's text. (Positions count characters from 1, over the whole message.)
pub(crate) fn position_in_script(e: &postgres::Error, sent: &Sent<'_>) -> Option<usize> {
    let Some(ErrorPosition::Original(p)) = e.as_db_error()?.position() else {
        return None;
    };
    let byte = sent
        .batch
        .char_indices()
        .nth((*p as usize).checked_sub(1)?)?
        .0;
    let within = byte.checked_sub(sent.prefix_len)?;
    (within < sent.slice_len).then_some(sent.slice_start + within)
}

/// The error position inside statement `index` when it was sent alone.
pub(crate) fn position_in_statement(
    e: &postgres::Error,
    script: &Script,
    index: usize,
) -> Option<(u32, u32)> {
    let s = &script.statements[index];
    let sql = script.statement_sql(index);
    let sent = Sent {
        batch: sql,
        prefix_len: 0,
        slice_start: s.start as usize,
        slice_len: sql.len(),
    };
    position_in_script(e, &sent).map(|offset| line_col(&script.sql, offset))
}

/// The last statement of `range` starting at or before `offset`.
pub(crate) fn statement_at(script: &Script, range: &Range<usize>, offset: usize) -> usize {
    range
        .clone()
        .rev()
        .find(|&i| script.statements[i].start as usize <= offset)
        .unwrap_or(range.start)
}

/// Errors that a replay reproduces without harm: data and definition errors. Never lock or
/// statement timeouts, serialization failures or connection trouble: replaying those would
/// wait or run long again on a production database.
fn replay_is_safe(e: &postgres::Error) -> bool {
    let Some(code) = e.code() else { return false };
    // 25001: "cannot run inside a transaction block", which the replay (in a transaction)
    // meets at the same statement.
    ["22", "23", "42", "0A", "2B", "P0", "25001"]
        .iter()
        .any(|class| code.code().starts_with(class))
}

/// Finds the failing statement of a transaction step: from the error's position when the
/// server gave one, else (several statements, a deterministic error) by replaying them one by
/// one in a transaction that is rolled back.
pub(crate) fn locate(
    client: &mut Client,
    job: &Job<'_>,
    range: &Range<usize>,
    sent: &Sent<'_>,
    e: &postgres::Error,
) -> (Option<usize>, Option<(u32, u32)>) {
    let script = job.script;
    if let Some(offset) = position_in_script(e, sent) {
        return (
            Some(statement_at(script, range, offset)),
            Some(line_col(&script.sql, offset)),
        );
    }
    let found = if range.len() == 1 {
        Some(range.start)
    } else if replay_is_safe(e) {
        replay(client, job, range)
    } else {
        None
    };
    match found {
        Some(i) => (
            Some(i),
            Some((script.statements[i].line, script.statements[i].column)),
        ),
        None => (None, None),
    }
}

fn replay(client: &mut Client, job: &Job<'_>, range: &Range<usize>) -> Option<usize> {
    let begin = format!(
        "BEGIN; SET LOCAL lock_timeout = {}; SET LOCAL statement_timeout = {}",
        millis(job.settings.lock_timeout),
        millis(job.settings.statement_timeout)
    );
    client.simple_query(&begin).ok()?;
    let failed = range
        .clone()
        .find(|&i| client.simple_query(job.script.statement_sql(i)).is_err());
    let _ = client.simple_query("ROLLBACK");
    failed
}

/// Builds the error for statement `statement` (0-based) of the job's script.
pub(crate) fn fail(
    job: &Job<'_>,
    e: &postgres::Error,
    statement: Option<usize>,
    position: Option<(u32, u32)>,
    attempts: u32,
) -> Box<MigrationError> {
    let db = e.as_db_error();
    let script = job.script;
    Box::new(MigrationError {
        id: job.migration.id.to_string(),
        direction: job.direction,
        file: script.path.to_string(),
        statement: statement.map(|i| i + 1),
        position,
        sqlstate: e.code().map(|c| c.code().to_string()),
        message: db.map_or_else(|| crate::error::describe(e), |d| d.message().to_string()),
        detail: db.and_then(|d| d.detail()).map(str::to_string),
        hint: db.and_then(|d| d.hint()).map(str::to_string),
        attempts,
        blockers: Vec::new(),
        table: statement
            .and_then(|i| script.statements[i].table.as_deref())
            .map(str::to_string),
        statement_timeout: job.settings.statement_timeout,
        invalid_index_dropped: None,
        invalid_index_left: None,
        completed_before: Vec::new(),
    })
}

/// Lists the sessions holding granted locks on the tables the statements of `range` act on.
pub(crate) fn add_blockers(
    client: &mut Client,
    script: &Script,
    range: &Range<usize>,
    err: &mut MigrationError,
) {
    let mut tables: Vec<String> = range
        .clone()
        .filter_map(|i| script.statements[i].table.as_deref())
        .map(|t| literal(&qualified(t)))
        .collect();
    tables.sort();
    tables.dedup();
    if tables.is_empty() {
        return;
    }
    if err.table.is_none() && tables.len() == 1 {
        err.table = range
            .clone()
            .find_map(|i| script.statements[i].table.as_deref())
            .map(str::to_string);
    }
    let query = format!(
        "SELECT DISTINCT a.pid::text, coalesce(a.state, ''), coalesce(a.application_name, ''), \
         left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), 160), \
         coalesce(date_trunc('second', now() - a.xact_start)::text, ''), a.xact_start \
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.granted AND l.relation IN (SELECT to_regclass(t) FROM unnest(ARRAY[{}]::text[]) t) \
         AND l.pid <> pg_backend_pid() ORDER BY a.xact_start",
        tables.join(", ")
    );
    if let Ok(messages) = client.simple_query(&query) {
        err.blockers = rows(&messages)
            .map(|r| Blocker {
                pid: r.get(0).and_then(|p| p.parse().ok()).unwrap_or(0),
                state: r.get(1).unwrap_or_default().to_string(),
                application: r.get(2).unwrap_or_default().to_string(),
                query: r.get(3).unwrap_or_default().to_string(),
                transaction_age: r.get(4).unwrap_or_default().to_string(),
                visible: r.get(3) != Some("<insufficient privilege>"),
            })
            .collect();
    }
}
