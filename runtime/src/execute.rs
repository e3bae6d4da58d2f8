//! Running one script: its steps, their transactions and timeouts, retries on lock timeouts,
//! and turning server errors into [`MigrationError`]s that point into the file.
//!
//! A script is cut into **steps**: each maximal run of transactional statements is one step
//! (one transaction), each statement that must run outside a transaction is a step of its own.
//! A script made only of transactional statements — nearly all of them — is one step, sent as
//! one message: `BEGIN; SET LOCAL ...; <the file>; <history row>; COMMIT`, one round trip.

use std::ops::Range;
use std::thread;
use std::time::Instant;

use postgres::Client;

use crate::error::{Direction, LOCK_NOT_AVAILABLE, MigrationError};

/// SQLSTATE 25001, `active_sql_transaction`: "... cannot run inside a transaction block".
const NOT_IN_TRANSACTION: &str = "25001";
use crate::history::{Names, RowState};
pub(crate) use crate::job::{Job, Outcome, Settings};
use crate::migration::{Migration, Script, Statement, TransactionMode};
use crate::sql::millis;
use crate::{indexing, locate};

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

/// The text of statements `range`, from the first one's start to the last one's end (the
/// comments and `;` between them included, so offsets map back to the file).
fn slice(script: &Script, range: &Range<usize>) -> (usize, String) {
    let start = script.statements[range.start].start as usize;
    let end = script.statements[range.end - 1].end as usize;
    (start, script.sql[start..end].to_string())
}

/// The same slice with the statements that have no transactional form blanked out (same
/// length, so offsets still map), for test mode. Concurrent statements are not part of a
/// slice: test mode runs their transactional form on its own.
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
        if s.transaction == TransactionMode::Autocommit {
            blank(&mut bytes, s.start, s.end);
            skipped.push(i);
        }
    }
    // Only ASCII spaces replaced whole UTF-8 sequences of statements/keywords, so this holds.
    (start, String::from_utf8(bytes).unwrap_or_default(), skipped)
}

/// Applies `m` from step `from` on (0 for a fresh migration, `steps_done` to resume;
/// `resumed` when a history row said the migration was under way).
#[allow(clippy::too_many_arguments)]
pub(crate) fn apply(
    client: &mut Client,
    names: &Names,
    settings: &Settings,
    m: &Migration,
    from: usize,
    resumed: bool,
    synchronous: bool,
) -> Result<Outcome, Box<MigrationError>> {
    let job = Job {
        names,
        settings,
        migration: m,
        script: &m.up,
        direction: Direction::Up,
        synchronous,
        ran_outside: Default::default(),
    };
    job.run(client, from, resumed)
}

/// Makes every commit so far durable (after commits that did not wait for the WAL flush,
/// when a run stops early): a synchronous commit of a transaction that writes WAL flushes
/// everything before it.
pub(crate) fn flush(client: &mut Client) {
    if let Err(e) = client.simple_query("BEGIN; SELECT txid_current(); COMMIT") {
        log::warn!("could not flush the migration history to disk: {e}");
    }
}

/// Runs `script` as the down of migration `m` and deletes its history row.
pub(crate) fn revert(
    client: &mut Client,
    names: &Names,
    settings: &Settings,
    m: &Migration,
    script: &Script,
) -> Result<Outcome, Box<MigrationError>> {
    let job = Job {
        names,
        settings,
        migration: m,
        script,
        direction: Direction::Down,
        synchronous: true,
        ran_outside: Default::default(),
    };
    job.run(client, 0, false)
}

impl Job<'_> {
    /// The history change that ends step `k` (0-based) of `n`.
    fn history_sql(&self, k: usize, n: usize, ms: &str) -> String {
        let (names, m) = (self.names, self.migration);
        let last = k + 1 >= n;
        match self.direction {
            Direction::Up => {
                let state = if last {
                    RowState::Applied
                } else {
                    RowState::Partial
                };
                names.upsert_sql(m, state, k + 1, ms)
            }
            Direction::Down if last => format!(
                "DELETE FROM {} WHERE version = {}",
                names.qualified, m.version
            ),
            // A rollback in several steps marks the row first, so an interrupted one is visible
            // (and `migrate` refuses to treat the migration as applied).
            Direction::Down if k == 0 => format!(
                "UPDATE {} SET state = '{}' WHERE version = {}",
                names.qualified,
                RowState::Reverting.as_str(),
                m.version
            ),
            Direction::Down => "SELECT 1".to_string(),
            Direction::Seed => names.seed_record_sql(m, ms),
        }
    }

    pub(crate) fn run(
        &self,
        client: &mut Client,
        from: usize,
        resumed: bool,
    ) -> Result<Outcome, Box<MigrationError>> {
        let started = Instant::now();
        let steps = steps(self.script);
        let mut attempts_max = 1;
        if steps.is_empty() {
            // An empty down file: only the history changes.
            let sql = self.history_sql(0, 1, "0");
            client
                .simple_query(&sql)
                .map_err(|e| locate::fail(self, &e, None, None, 1))?;
        }
        for (k, step) in steps.iter().enumerate().skip(from) {
            let attempts = match step {
                Step::Transaction(range) => self.transaction_step(client, range, k, steps.len())?,
                Step::Outside(i) => {
                    self.outside_step(client, *i, k, steps.len(), resumed && k == from)?
                }
            };
            attempts_max = attempts_max.max(attempts);
        }
        Ok(Outcome {
            duration: started.elapsed(),
            attempts: attempts_max,
            ran_outside: self.ran_outside.take(),
        })
    }

    fn transaction_step(
        &self,
        client: &mut Client,
        range: &Range<usize>,
        k: usize,
        n: usize,
    ) -> Result<u32, Box<MigrationError>> {
        self.transaction(client, range, Some((k, n)))
    }

    /// Runs `range` in one transaction, ending with the history change of step `k` of `n`
    /// when given. When the server refuses one of its statements inside a transaction block
    /// (SQLSTATE 25001: the analysis thought it could), the transaction is rolled back and run
    /// again in three parts: the statements before it in one transaction, it alone outside
    /// any, the rest (and the history change) in another.
    fn transaction(
        &self,
        client: &mut Client,
        range: &Range<usize>,
        history: Option<(usize, usize)>,
    ) -> Result<u32, Box<MigrationError>> {
        if range.is_empty() {
            let Some((k, n)) = history else { return Ok(1) };
            let sql = format!("BEGIN;\n{};\nCOMMIT;", self.history_sql(k, n, "0"));
            return client.simple_query(&sql).map(|_| 1).map_err(|e| {
                let _ = client.simple_query("ROLLBACK");
                locate::fail(self, &e, None, None, 1)
            });
        }
        let (slice_start, text) = slice(self.script, range);
        let prefix = format!(
            "BEGIN;\nSET LOCAL lock_timeout = {};\nSET LOCAL statement_timeout = {};\n{}",
            millis(self.settings.lock_timeout),
            millis(self.settings.statement_timeout),
            if self.synchronous {
                ""
            } else {
                "SET LOCAL synchronous_commit = off;\n"
            }
        );
        let elapsed = "(extract(epoch FROM clock_timestamp() - now()) * 1000)::bigint";
        let record = match history {
            Some((k, n)) => self.history_sql(k, n, elapsed),
            None => "SELECT 1".to_string(),
        };
        let batch = format!("{prefix}{text}\n;\n{record};\nCOMMIT;");
        let sent = locate::Sent {
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
                    if is_lock_timeout(&e) && attempt <= self.settings.lock_retries {
                        self.backoff(attempt);
                        attempt += 1;
                        continue;
                    }
                    let (statement, position) = locate::locate(client, self, range, &sent, &e);
                    if e.code().map(|c| c.code()) == Some(NOT_IN_TRANSACTION)
                        && let Some(i) = statement.filter(|i| range.contains(i))
                    {
                        return self.fall_back(client, range, i, history);
                    }
                    let mut err = locate::fail(self, &e, statement, position, attempt);
                    if err.is_lock_timeout() {
                        locate::add_blockers(client, self.script, range, &mut err);
                    }
                    return Err(err);
                }
            }
        }
    }

    /// The three parts of a transaction whose statement `i` the server refused to run inside
    /// one (see [`Job::transaction`]).
    fn fall_back(
        &self,
        client: &mut Client,
        range: &Range<usize>,
        i: usize,
        history: Option<(usize, usize)>,
    ) -> Result<u32, Box<MigrationError>> {
        log::warn!(
            "{}: statement {} ({}) cannot run inside a transaction block (SQLSTATE 25001); running it on its own, \
             outside the migration's transaction",
            self.migration.id,
            i + 1,
            self.script.path
        );
        let before = self.transaction(client, &(range.start..i), None)?;
        let s = &self.script.statements[i];
        let save = format!(
            "SELECT set_config('pgshift.lock_timeout', current_setting('lock_timeout'), false), \
             set_config('pgshift.statement_timeout', current_setting('statement_timeout'), false), \
             set_config('lock_timeout', {}, false), set_config('statement_timeout', {}, false)",
            millis(self.settings.lock_timeout),
            millis(self.settings.statement_timeout),
        );
        let restore = "SELECT set_config('lock_timeout', current_setting('pgshift.lock_timeout'), false), \
                       set_config('statement_timeout', current_setting('pgshift.statement_timeout'), false)";
        let alone = client
            .simple_query(&save)
            .and_then(|_| client.simple_query(self.script.statement_sql(i)));
        let _ = client.simple_query(restore);
        if let Err(e) = alone {
            return Err(locate::fail(self, &e, Some(i), Some((s.line, s.column)), 1));
        }
        self.ran_outside.borrow_mut().push(i + 1);
        let after = self.transaction(client, &(i + 1..range.end), history)?;
        Ok(before.max(after))
    }

    /// A statement that cannot run in a transaction: alone, between a message that saves the
    /// session's timeouts and sets ours (and, first, records the migration as under way) and
    /// one that restores them and advances the history row. The timeouts are restored on every
    /// path, so the caller's session keeps its own settings.
    fn outside_step(
        &self,
        client: &mut Client,
        index: usize,
        k: usize,
        n: usize,
        resuming: bool,
    ) -> Result<u32, Box<MigrationError>> {
        let statement = &self.script.statements[index];
        let start = (statement.line, statement.column);
        let fail_here =
            |e: &postgres::Error, attempt| locate::fail(self, e, Some(index), Some(start), attempt);
        let mut setup = format!(
            "SELECT set_config('pgshift.lock_timeout', current_setting('lock_timeout'), false), \
             set_config('pgshift.statement_timeout', current_setting('statement_timeout'), false);\n\
             SET lock_timeout = {};\nSET statement_timeout = {};\n",
            millis(self.settings.lock_timeout),
            millis(self.settings.statement_timeout)
        );
        match self.direction {
            // Record that the migration is under way before running anything outside a
            // transaction, and that a rollback of several steps has started.
            Direction::Up if k == 0 => {
                setup.push_str(
                    &self
                        .names
                        .upsert_sql(self.migration, RowState::Partial, 0, "0"),
                );
                setup.push(';');
            }
            Direction::Down if k == 0 && n > 1 => {
                setup.push_str(&self.history_sql(0, n, "0"));
                setup.push(';');
            }
            _ => {}
        }
        let restore = "SELECT set_config('lock_timeout', current_setting('pgshift.lock_timeout'), false), \
                       set_config('statement_timeout', current_setting('pgshift.statement_timeout'), false);";
        client.simple_query(&setup).map_err(|e| fail_here(&e, 1))?;
        let started = Instant::now();
        let result = self.run_alone(client, statement, index, resuming);
        match result {
            Err((e, attempt, dropped, left)) => {
                let _ = client.simple_query(restore);
                let mut err = fail_here(&e, attempt);
                err.invalid_index_dropped = statement
                    .object
                    .as_deref()
                    .filter(|_| dropped)
                    .map(str::to_string);
                err.invalid_index_left = left;
                err.position =
                    locate::position_in_statement(&e, self.script, index).or(err.position);
                if err.is_lock_timeout() {
                    locate::add_blockers(client, self.script, &(index..index + 1), &mut err);
                }
                Err(err)
            }
            Ok(attempt) => {
                let ms = started.elapsed().as_millis().to_string();
                let record = format!("{restore}\n{};", self.history_sql(k, n, &ms));
                if let Err(e) = client.simple_query(&record) {
                    // The failed message's restore was rolled back with it: restore alone.
                    let _ = client.simple_query(restore);
                    return Err(fail_here(&e, attempt));
                }
                Ok(attempt)
            }
        }
    }

    /// Runs one statement alone, retrying lock timeouts (and, for index statements, deadlocks).
    /// Returns the attempts made; on failure also the invalid index dropped after it, if any.
    /// Every attempt at an index statement is recorded in `index_build_history`.
    fn run_alone(
        &self,
        client: &mut Client,
        statement: &Statement,
        index: usize,
        resuming: bool,
    ) -> Result<u32, (postgres::Error, u32, bool, Option<String>)> {
        if resuming {
            match indexing::recover(client, statement) {
                Ok(indexing::Recovery::AlreadyBuilt) => {
                    log::info!(
                        "{}: index {} was built before the interruption; not building it again",
                        self.migration.id,
                        statement.object.as_deref().unwrap_or("?")
                    );
                    return Ok(1);
                }
                Ok(_) => {}
                Err(e) => return Err((e, 1, false, None)),
            }
        }
        let logged = indexing::is_index_statement(statement);
        let mut attempt = 1;
        let mut rebuilt = false;
        loop {
            let log_id = if logged {
                indexing::log_start(client, self.names, self.migration, statement, attempt)
                    .map_err(|e| log::warn!("could not record the index build attempt: {e}"))
                    .ok()
            } else {
                None
            };
            let started = Instant::now();
            // A retry first drops what an earlier attempt could not (its drop may have waited
            // for the same lock and timed out).
            let cleared = if attempt > 1 {
                indexing::recover(client, statement).map(|_| ())
            } else {
                Ok(())
            };
            let result = cleared.and_then(|_| {
                client
                    .simple_query(self.script.statement_sql(index))
                    .map(|_| ())
            });
            let dropped = match &result {
                Ok(_) => false,
                Err(e) => indexing::clean_up_failed_build(client, statement, e),
            };
            if let Some(id) = log_id {
                let end = indexing::AttemptEnd {
                    error: result.as_ref().err(),
                    dropped_invalid: dropped,
                    duration: started.elapsed(),
                };
                indexing::log_end(client, self.names, id, end);
            }
            match result {
                Ok(_) => match indexing::drop_if_invalid(client, statement) {
                    Ok(true) if !rebuilt => rebuilt = true,
                    Ok(_) => return Ok(attempt),
                    Err(e) => return Err((e, attempt, false, None)),
                },
                Err(e) => {
                    let retry = is_lock_timeout(&e) || (logged && is_deadlock(&e));
                    if retry && attempt <= self.settings.lock_retries {
                        self.backoff(attempt);
                        attempt += 1;
                        continue;
                    }
                    let left = indexing::invalid_leftover(client, statement);
                    return Err((e, attempt, dropped, left));
                }
            }
        }
    }

    fn backoff(&self, attempt: u32) {
        let s = self.settings;
        let factor = 1u32.checked_shl(attempt - 1).unwrap_or(u32::MAX);
        let delay = s
            .retry_delay
            .checked_mul(factor)
            .unwrap_or(s.max_retry_delay)
            .min(s.max_retry_delay);
        log::warn!(
            "{}: lock timeout ({} ms), attempt {attempt} of {}; retrying in {} ms",
            self.migration.id,
            s.lock_timeout.as_millis(),
            s.lock_retries + 1,
            delay.as_millis()
        );
        thread::sleep(delay);
    }
}

/// Whether PostgreSQL broke a deadlock by cancelling this statement (worth a retry).
fn is_deadlock(e: &postgres::Error) -> bool {
    e.code().map(|c| c.code()) == Some("40P01")
}

pub(crate) fn is_lock_timeout(e: &postgres::Error) -> bool {
    e.code().map(|c| c.code()) == Some(LOCK_NOT_AVAILABLE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::StatementKind;

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
            transactional_sql: "".into(),
        };
        let script = Script::new(
            "x".into(),
            "x".repeat(100),
            String::new(),
            vec![
                stmt(0, 1, t.clone()),
                stmt(2, 3, t.clone()),
                stmt(4, 5, c.clone()),
                stmt(6, 7, t.clone()),
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
    fn transactional_slice_blanks_what_has_no_transactional_form_and_keeps_offsets() {
        let sql = "CREATE INDEX i ON t (a);\nVACUUM t;\nSELECT 1";
        let v = sql.find("VACUUM").unwrap() as u32;
        let s = sql.find("SELECT").unwrap() as u32;
        let script = Script::new(
            "x".into(),
            sql.into(),
            String::new(),
            vec![
                stmt(0, 23, TransactionMode::Transactional),
                stmt(v, v + 8, TransactionMode::Autocommit),
                stmt(s, s + 8, TransactionMode::Transactional),
            ],
        );
        let (start, text, skipped) = transactional_slice(&script, &(0..3));
        assert_eq!(start, 0);
        assert_eq!(text.len(), sql.len());
        assert_eq!(text, "CREATE INDEX i ON t (a);\n        ;\nSELECT 1");
        assert_eq!(skipped, [1]);
    }
}
