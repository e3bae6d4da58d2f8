//! Running one script: its steps, their transactions and timeouts, retries on lock timeouts,
//! and turning server errors into [`MigrationError`]s that point into the file.
//!
//! A script is cut into **steps**: each maximal run of transactional statements is one step
//! (one transaction), each statement that must run outside a transaction is a step of its own.
//! A script made only of transactional statements — nearly all of them — is one step, sent as
//! one message: `BEGIN; SET LOCAL ...; <the file>; <history row>; COMMIT`, one round trip.

use std::ops::Range;
use std::thread;
use std::time::{Duration, Instant};

use postgres::Client;
use postgres::error::ErrorPosition;

use crate::error::{Blocker, Direction, LOCK_NOT_AVAILABLE, MigrationError};
use crate::history::{Names, RowState, rows};
use crate::migration::{Migration, Script, Statement, StatementKind, TransactionMode};
use crate::sql::{literal, millis};

/// Timeouts and retries for running scripts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Settings {
    pub lock_timeout: Duration,
    pub statement_timeout: Duration,
    pub lock_retries: u32,
    pub retry_delay: Duration,
    pub max_retry_delay: Duration,
}

/// A step of a script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Statements (indices) run together in one transaction.
    Transaction(Range<usize>),
    /// One statement (index) run on its own, outside any transaction.
    Outside(usize),
}

/// Cuts a script into steps.
pub(crate) fn steps(script: &Script) -> Vec<Step> {
    let mut out = Vec::new();
    let mut run_start = None;
    for (i, s) in script.statements.iter().enumerate() {
        if s.transaction.is_transactional() {
            run_start.get_or_insert(i);
        } else {
            if let Some(start) = run_start.take() {
                out.push(Step::Transaction(start..i));
            }
            out.push(Step::Outside(i));
        }
    }
    if let Some(start) = run_start {
        out.push(Step::Transaction(start..script.statements.len()));
    }
    out
}

/// 1-based line and character column of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    (line as u32, column as u32)
}

/// The text of statements `range`, from the first one's start to the last one's end (the
/// comments and `;` between them included, so offsets map back to the file).
fn slice(script: &Script, range: &Range<usize>) -> (usize, String) {
    let start = script.statements[range.start].start as usize;
    let end = script.statements[range.end - 1].end as usize;
    (start, script.sql[start..end].to_string())
}

/// The same slice with every `CONCURRENTLY` blanked out (same length, so offsets still map)
/// and statements that have no transactional form blanked out entirely (test mode).
pub(crate) fn transactional_slice(
    script: &Script,
    range: &Range<usize>,
) -> (usize, String, Vec<usize>) {
    let (start, text) = slice(script, range);
    let mut bytes = text.into_bytes();
    let mut skipped = Vec::new();
    for i in range.clone() {
        let s = &script.statements[i];
        let blank = |bytes: &mut Vec<u8>, a: u32, b: u32| {
            for byte in &mut bytes[a as usize - start..b as usize - start] {
                if *byte != b'\n' {
                    *byte = b' ';
                }
            }
        };
        match s.transaction {
            TransactionMode::Concurrently {
                keyword_start,
                keyword_end,
            } => blank(&mut bytes, keyword_start, keyword_end),
            TransactionMode::Autocommit => {
                blank(&mut bytes, s.start, s.end);
                skipped.push(i);
            }
            _ => {}
        }
    }
    // Only ASCII spaces replaced whole UTF-8 sequences of statements/keywords, so this holds.
    (start, String::from_utf8(bytes).unwrap_or_default(), skipped)
}

/// What a successful run of a script reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub duration: Duration,
    pub attempts: u32,
}

/// Where a script's text sits inside the message sent, to map server positions back.
struct Sent<'a> {
    batch: &'a str,
    prefix_len: usize,
    slice_start: usize,
    slice_len: usize,
}

/// Applies `m` from step `from` on (0 for a fresh migration, `steps_done` to resume).
pub(crate) fn apply(
    client: &mut Client,
    names: &Names,
    settings: &Settings,
    m: &Migration,
    from: usize,
) -> Result<Outcome, Box<MigrationError>> {
    run_script(client, names, settings, m, &m.up, Direction::Up, from)
}

/// Runs `script` as the down of migration `m` and deletes its history row.
pub(crate) fn revert(
    client: &mut Client,
    names: &Names,
    settings: &Settings,
    m: &Migration,
    script: &Script,
) -> Result<Outcome, Box<MigrationError>> {
    run_script(client, names, settings, m, script, Direction::Down, 0)
}

fn history_sql(
    names: &Names,
    m: &Migration,
    direction: Direction,
    state: RowState,
    steps_done: usize,
    ms: &str,
) -> String {
    match direction {
        Direction::Up => names.upsert_sql(m, state, steps_done, ms),
        Direction::Down => match state {
            RowState::Applied => format!(
                "DELETE FROM {} WHERE version = {}",
                names.qualified, m.version
            ),
            // Down scripts do not record progress: a rollback interrupted mid-way runs the
            // whole down file again (write such down files with IF EXISTS).
            RowState::Partial => "SELECT 1".to_string(),
        },
    }
}

fn run_script(
    client: &mut Client,
    names: &Names,
    settings: &Settings,
    m: &Migration,
    script: &Script,
    direction: Direction,
    from: usize,
) -> Result<Outcome, Box<MigrationError>> {
    let started = Instant::now();
    let steps = steps(script);
    let mut attempts_max = 1;
    if steps.is_empty() {
        // An empty down file: only the history changes.
        let sql = history_sql(names, m, direction, RowState::Applied, 0, "0");
        client
            .simple_query(&sql)
            .map_err(|e| fail(m, script, direction, &e, None, None, 1))?;
    }
    let last = steps.len().saturating_sub(1);
    for (k, step) in steps.iter().enumerate().skip(from) {
        let state = if k == last {
            RowState::Applied
        } else {
            RowState::Partial
        };
        let attempts = match step {
            Step::Transaction(range) => run_transaction_step(
                client,
                names,
                settings,
                m,
                script,
                direction,
                range,
                state,
                k + 1,
            )?,
            Step::Outside(i) => {
                run_outside_step(client, names, settings, m, script, direction, *i, state, k)?
            }
        };
        attempts_max = attempts_max.max(attempts);
    }
    Ok(Outcome {
        duration: started.elapsed(),
        attempts: attempts_max,
    })
}

#[allow(clippy::too_many_arguments)]
fn run_transaction_step(
    client: &mut Client,
    names: &Names,
    settings: &Settings,
    m: &Migration,
    script: &Script,
    direction: Direction,
    range: &Range<usize>,
    state: RowState,
    steps_done: usize,
) -> Result<u32, Box<MigrationError>> {
    let (slice_start, text) = slice(script, range);
    let prefix = format!(
        "BEGIN;\nSET LOCAL lock_timeout = {};\nSET LOCAL statement_timeout = {};\n",
        millis(settings.lock_timeout),
        millis(settings.statement_timeout)
    );
    let elapsed = "(extract(epoch FROM clock_timestamp() - now()) * 1000)::bigint";
    let batch = format!(
        "{prefix}{text}\n;\n{};\nCOMMIT;",
        history_sql(names, m, direction, state, steps_done, elapsed)
    );
    let sent = Sent {
        batch: &batch,
        prefix_len: prefix.len(),
        slice_start,
        slice_len: text.len(),
    };
    let mut attempt = 1;
    loop {
        match client.simple_query(&batch) {
            Ok(_) => return Ok(attempt),
            Err(e) => {
                let _ = client.simple_query("ROLLBACK");
                if is_lock_timeout(&e) && attempt <= settings.lock_retries {
                    backoff(settings, m, attempt);
                    attempt += 1;
                    continue;
                }
                let (statement, position) = locate(client, settings, script, range, &sent, &e);
                let mut err = fail(m, script, direction, &e, statement, position, attempt);
                if err.is_lock_timeout() {
                    add_blockers(client, &mut err);
                }
                return Err(err);
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn run_outside_step(
    client: &mut Client,
    names: &Names,
    settings: &Settings,
    m: &Migration,
    script: &Script,
    direction: Direction,
    index: usize,
    state: RowState,
    steps_done_before: usize,
) -> Result<u32, Box<MigrationError>> {
    let statement = &script.statements[index];
    let sql = script.statement_sql(index);
    let mut setup = format!(
        "SET lock_timeout = {};\nSET statement_timeout = {};\n",
        millis(settings.lock_timeout),
        millis(settings.statement_timeout)
    );
    if direction == Direction::Up && steps_done_before == 0 {
        // Record that the migration is under way before running anything outside a transaction.
        setup.push_str(&history_sql(names, m, direction, RowState::Partial, 0, "0"));
    }
    let reset = "RESET lock_timeout;\nRESET statement_timeout;";
    let fail_here = |e: &postgres::Error, attempt| {
        fail(
            m,
            script,
            direction,
            e,
            Some(index),
            Some(line_col(&script.sql, statement.start as usize)),
            attempt,
        )
    };
    client.simple_query(&setup).map_err(|e| fail_here(&e, 1))?;
    let started = Instant::now();
    let mut attempt = 1;
    let result = loop {
        if prepare_concurrent_index(client, statement).map_err(|e| fail_here(&e, attempt))? {
            log::info!(
                "{}: index {} already exists and is valid, not building it again",
                m.id,
                statement.object.as_deref().unwrap_or("?")
            );
            break Ok(());
        }
        match client.simple_query(sql) {
            Ok(_) => break Ok(()),
            Err(e) => {
                // A failed CREATE INDEX CONCURRENTLY leaves an invalid index behind.
                let _ = prepare_concurrent_index(client, statement);
                if is_lock_timeout(&e) && attempt <= settings.lock_retries {
                    backoff(settings, m, attempt);
                    attempt += 1;
                    continue;
                }
                break Err(e);
            }
        }
    };
    if let Err(e) = result {
        let _ = client.simple_query(reset);
        let mut err = fail_here(&e, attempt);
        err.position = error_position_in_statement(&e, script, index).or(err.position);
        if err.is_lock_timeout() {
            add_blockers(client, &mut err);
        }
        return Err(err);
    }
    let ms = started.elapsed().as_millis().to_string();
    let record = format!(
        "{reset}\n{};",
        history_sql(names, m, direction, state, steps_done_before + 1, &ms)
    );
    client
        .simple_query(&record)
        .map_err(|e| fail_here(&e, attempt))?;
    Ok(attempt)
}

/// Before (re)building an index concurrently: an invalid leftover of an interrupted build is
/// dropped; a valid one means the build already happened (returns true: skip it).
fn prepare_concurrent_index(
    client: &mut Client,
    statement: &Statement,
) -> Result<bool, postgres::Error> {
    let (StatementKind::CreateIndex, TransactionMode::Concurrently { .. }, Some(index)) = (
        statement.kind,
        statement.transaction,
        statement.object.as_deref(),
    ) else {
        return Ok(false);
    };
    let qualified = match statement.table.as_deref().and_then(|t| t.rsplit_once('.')) {
        Some((schema, _)) => format!("{}.{}", crate::sql::ident(schema), crate::sql::ident(index)),
        None => crate::sql::ident(index),
    };
    let query = format!(
        "SELECT i.indisvalid::text FROM pg_index i WHERE i.indexrelid = to_regclass({})",
        literal(&qualified)
    );
    let messages = client.simple_query(&query)?;
    match rows(&messages)
        .next()
        .and_then(|r| r.get(0).map(|v| v == "true"))
    {
        Some(true) => Ok(true),
        Some(false) => {
            log::warn!(
                "dropping invalid index {qualified} left by an interrupted concurrent build"
            );
            client.simple_query(&format!("DROP INDEX CONCURRENTLY IF EXISTS {qualified}"))?;
            Ok(false)
        }
        None => Ok(false),
    }
}

fn is_lock_timeout(e: &postgres::Error) -> bool {
    e.code().map(|c| c.code()) == Some(LOCK_NOT_AVAILABLE)
}

fn backoff(settings: &Settings, m: &Migration, attempt: u32) {
    let factor = 1u32.checked_shl(attempt - 1).unwrap_or(u32::MAX);
    let delay = settings
        .retry_delay
        .checked_mul(factor)
        .unwrap_or(settings.max_retry_delay)
        .min(settings.max_retry_delay);
    log::warn!(
        "{}: lock timeout ({} ms), attempt {attempt} of {}; retrying in {} ms",
        m.id,
        settings.lock_timeout.as_millis(),
        settings.lock_retries + 1,
        delay.as_millis()
    );
    thread::sleep(delay);
}

/// Finds the failing statement: from the error's position when the server gave one, else
/// (several statements, no position) by replaying them one by one in a transaction that is
/// rolled back.
fn locate(
    client: &mut Client,
    settings: &Settings,
    script: &Script,
    range: &Range<usize>,
    sent: &Sent<'_>,
    e: &postgres::Error,
) -> (Option<usize>, Option<(u32, u32)>) {
    if let Some(offset) = position_in_script(e, sent) {
        let index = statement_at(script, range, offset);
        return (Some(index), Some(line_col(&script.sql, offset)));
    }
    if range.len() == 1 {
        let s = &script.statements[range.start];
        return (Some(range.start), Some((s.line, s.column)));
    }
    match replay(client, settings, script, range) {
        Some(index) => {
            let s = &script.statements[index];
            (Some(index), Some((s.line, s.column)))
        }
        None => (None, None),
    }
}

fn position_in_script(e: &postgres::Error, sent: &Sent<'_>) -> Option<usize> {
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

fn error_position_in_statement(
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

fn statement_at(script: &Script, range: &Range<usize>, offset: usize) -> usize {
    range
        .clone()
        .rev()
        .find(|&i| script.statements[i].start as usize <= offset)
        .unwrap_or(range.start)
}

fn replay(
    client: &mut Client,
    settings: &Settings,
    script: &Script,
    range: &Range<usize>,
) -> Option<usize> {
    let begin = format!(
        "BEGIN; SET LOCAL lock_timeout = {}; SET LOCAL statement_timeout = {}",
        millis(settings.lock_timeout),
        millis(settings.statement_timeout)
    );
    client.simple_query(&begin).ok()?;
    let failed = range
        .clone()
        .find(|&i| client.simple_query(script.statement_sql(i)).is_err());
    let _ = client.simple_query("ROLLBACK");
    failed
}

fn fail(
    m: &Migration,
    script: &Script,
    direction: Direction,
    e: &postgres::Error,
    statement: Option<usize>,
    position: Option<(u32, u32)>,
    attempts: u32,
) -> Box<MigrationError> {
    let db = e.as_db_error();
    Box::new(MigrationError {
        id: m.id.to_string(),
        direction,
        file: script.path.to_string(),
        statement: statement.map(|i| i + 1),
        position,
        sqlstate: e.code().map(|c| c.code().to_string()),
        message: db.map_or_else(|| e.to_string(), |d| d.message().to_string()),
        detail: db.and_then(|d| d.detail()).map(str::to_string),
        hint: db.and_then(|d| d.hint()).map(str::to_string),
        attempts,
        blockers: Vec::new(),
        table: statement
            .and_then(|i| script.statements[i].table.as_deref())
            .map(str::to_string),
        applied_before: Vec::new(),
    })
}

/// Lists the sessions holding granted locks on the table the failed statement needed.
fn add_blockers(client: &mut Client, err: &mut MigrationError) {
    let Some(table) = err.table.clone() else {
        return;
    };
    let query = format!(
        "SELECT a.pid::text, coalesce(a.state, ''), coalesce(a.application_name, ''), \
         left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), 160), \
         coalesce(date_trunc('second', now() - a.xact_start)::text, '') \
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.granted AND l.relation = to_regclass({}) AND l.pid <> pg_backend_pid() ORDER BY a.xact_start",
        literal(&table)
    );
    if let Ok(messages) = client.simple_query(&query) {
        err.blockers = rows(&messages)
            .map(|r| Blocker {
                pid: r.get(0).and_then(|p| p.parse().ok()).unwrap_or(0),
                state: r.get(1).unwrap_or_default().to_string(),
                application: r.get(2).unwrap_or_default().to_string(),
                query: r.get(3).unwrap_or_default().to_string(),
                transaction_age: r.get(4).unwrap_or_default().to_string(),
            })
            .collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::Statement;

    fn stmt(start: u32, end: u32, transaction: TransactionMode) -> Statement {
        Statement::new(
            start,
            end,
            1,
            1,
            StatementKind::Other,
            transaction,
            None,
            None,
        )
    }

    #[test]
    fn steps_group_transactional_runs() {
        let t = TransactionMode::Transactional;
        let c = TransactionMode::Concurrently {
            keyword_start: 0,
            keyword_end: 0,
        };
        let script = Script::new(
            "x".into(),
            "x".repeat(100),
            String::new(),
            vec![
                stmt(0, 1, t),
                stmt(2, 3, t),
                stmt(4, 5, c),
                stmt(6, 7, t),
                stmt(8, 9, c),
            ],
        );
        assert_eq!(
            steps(&script),
            [
                Step::Transaction(0..2),
                Step::Outside(2),
                Step::Transaction(3..4),
                Step::Outside(4)
            ]
        );
    }

    #[test]
    fn transactional_slice_blanks_the_keyword_and_keeps_offsets() {
        let sql = "CREATE INDEX CONCURRENTLY i ON t (a);\nVACUUM t;\nSELECT 1";
        let kw = sql.find("CONCURRENTLY").unwrap() as u32;
        let v = sql.find("VACUUM").unwrap() as u32;
        let s = sql.find("SELECT").unwrap() as u32;
        let script = Script::new(
            "x".into(),
            sql.into(),
            String::new(),
            vec![
                stmt(
                    0,
                    36,
                    TransactionMode::Concurrently {
                        keyword_start: kw,
                        keyword_end: kw + 12,
                    },
                ),
                stmt(v, v + 8, TransactionMode::Autocommit),
                stmt(s, s + 8, TransactionMode::Transactional),
            ],
        );
        let (start, text, skipped) = transactional_slice(&script, &(0..3));
        assert_eq!(start, 0);
        assert_eq!(text.len(), sql.len());
        assert_eq!(
            text,
            "CREATE INDEX              i ON t (a);\n        ;\nSELECT 1"
        );
        assert_eq!(skipped, [1]);
    }

    #[test]
    fn line_col_counts_characters() {
        assert_eq!(line_col("ab\ncé x", 7), (2, 4));
        assert_eq!(line_col("a", 0), (1, 1));
    }
}
