//! The [`Migrator`]: configuration and the apply / rollback / status / dry-run flows.
//!
//! # What a run does, and what a crash leaves behind
//!
//! `migrate` works through these states; each arrow is one round trip:
//!
//! 1. **Check** — one query reads the standby flag, the history table's format, its row count
//!    and a digest of every `version:checksum:state`. If the digest equals the digest of the
//!    embedded set (up to the target), nothing is pending and the run ends here: one round
//!    trip, no lock, no DDL, whatever the number of migrations.
//! 2. **Lock** — `pg_advisory_lock` (waiting at most the advisory-lock timeout), then, in the
//!    same message, the history table is created if missing and read whole. A runner that
//!    waited here finds the work done and returns.
//! 3. **Validate** — drift (an applied migration whose file changed) stops everything before
//!    anything runs; migrations the binary does not know are reported (or refused).
//! 4. **Apply**, per pending migration, per step:
//!    - a *transaction step* is one message `BEGIN; SET LOCAL lock_timeout, statement_timeout;
//!      <statements>; <history row>; COMMIT`. A crash before `COMMIT` leaves nothing; after it,
//!      the row is there. There is no in-between.
//!    - a statement that cannot run in a transaction (`CREATE INDEX CONCURRENTLY`, ...) runs on
//!      its own, after its history row was written with state `partial` and the number of steps
//!      done; the row advances after it. A crash during it leaves `partial`: the next run
//!      resumes at that statement (an invalid index left by an interrupted concurrent build is
//!      dropped and built again; a valid one is kept).
//!    - a lock timeout (55P03) rolls the step back and retries it after a growing delay.
//! 5. **Unlock** — the guard releases the advisory lock on every path; if the process dies, the
//!    server releases it with the connection (and, on PostgreSQL 14+, aborts the dead runner's
//!    statement within a second through `client_connection_check_interval`).

use std::collections::HashMap;
use std::time::Duration;

use postgres::Client;

use crate::backup::{Backup, BackupContext};
use crate::error::{Direction, Drift, Error};
use crate::execute::{self, Job, Settings};
use crate::history::{self, HistoryRow, Names, RowState, Summary};
use crate::lock::{LockGuard, lock_key};
use crate::migration::{Migration, Migrations, Script};
use crate::progress::Progress;
use crate::report::*;

/// What to do when the database has migrations the binary does not know.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnknownMigrations {
    /// Log a warning and go on (the default: during a rolling deploy or a rollback of the app,
    /// an older binary must still start).
    #[default]
    Warn,
    /// Fail with [`Error::UnknownApplied`].
    Refuse,
}

/// What to roll back.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rollback {
    /// The newest `n` applied migrations.
    Steps(usize),
    /// Every migration applied after this one (id or version); it stays applied.
    To(String),
}

/// Applies, rolls back and inspects a migration set.
///
/// ```no_run
/// use std::time::Duration;
/// static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("../db/managed-migrations");
///
/// let mut client = pgshift::connect_from_env()?;
/// let report = pgshift::Migrator::new(&MIGRATIONS)
///     .lock_timeout(Duration::from_secs(3))
///     .migrate(&mut client)?;
/// println!("{report}");
/// # Ok::<(), pgshift::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Migrator<'m> {
    pub(crate) migrations: &'m Migrations,
    pub(crate) names: Names,
    pub(crate) settings: Settings,
    pub(crate) advisory_lock_timeout: Duration,
    target: Option<String>,
    unknown: UnknownMigrations,
    pub(crate) force_irreversible: bool,
    /// With `INDEX_CONCURRENT=1`: the migrations whose scripts change, as they then run.
    concurrent: Option<std::sync::Arc<HashMap<i64, Migration>>>,
    progress: crate::progress::Observer,
    pub(crate) rerun_changed_seeds: bool,
    pub(crate) backup: Backup,
}

/// Default `lock_timeout`: how long one DDL statement may wait for its table lock. While it
/// waits, every query on that table queues behind it, so this is the longest stall a deploy may
/// cause; short, with retries, beats long.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(5);
/// Default `statement_timeout`: a ceiling on any one statement, so a runaway backfill cannot
/// hold its locks for hours. Raise it for migrations known to be long.
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// Default retries after a lock timeout (so up to 4 attempts).
pub const DEFAULT_LOCK_RETRIES: u32 = 3;
/// Default first retry delay; it doubles on each retry, up to [`MAX_RETRY_DELAY`].
pub const DEFAULT_RETRY_DELAY: Duration = Duration::from_secs(2);
/// Longest delay between retries.
pub const MAX_RETRY_DELAY: Duration = Duration::from_secs(30);
/// Default wait for the migration lock held by another runner: another deploy's migrations may
/// legitimately take minutes.
pub const DEFAULT_ADVISORY_LOCK_TIMEOUT: Duration = Duration::from_secs(10 * 60);

impl<'m> Migrator<'m> {
    /// A migrator for `migrations` with production defaults: history in `public`,
    /// [`DEFAULT_LOCK_TIMEOUT`], [`DEFAULT_STATEMENT_TIMEOUT`], [`DEFAULT_LOCK_RETRIES`].
    pub fn new(migrations: &'m Migrations) -> Self {
        Migrator {
            migrations,
            names: Names::new("public"),
            settings: Settings {
                lock_timeout: DEFAULT_LOCK_TIMEOUT,
                statement_timeout: DEFAULT_STATEMENT_TIMEOUT,
                lock_retries: DEFAULT_LOCK_RETRIES,
                retry_delay: DEFAULT_RETRY_DELAY,
                max_retry_delay: MAX_RETRY_DELAY,
            },
            advisory_lock_timeout: DEFAULT_ADVISORY_LOCK_TIMEOUT,
            target: None,
            unknown: UnknownMigrations::Warn,
            force_irreversible: false,
            concurrent: None,
            progress: Default::default(),
            rerun_changed_seeds: false,
            backup: Backup::Skip,
        }
        .index_concurrent(std::env::var("INDEX_CONCURRENT").is_ok_and(|v| is_on(&v)))
    }

    /// Runs plain `CREATE INDEX` / `DROP INDEX` statements on tables that existed before their
    /// migration `CONCURRENTLY`, outside the transaction (in up and down files). The concurrent
    /// form was written at compile time from the parse tree; indexes on tables created in the
    /// same migration stay plain. Default: the `INDEX_CONCURRENT` environment variable at run
    /// time (`1`, `true`, `on`, `yes`). Do not flip it while a migration is `partial`: its
    /// steps are counted with the setting it started with.
    pub fn index_concurrent(mut self, on: bool) -> Self {
        self.concurrent = on.then(|| {
            let changed = self
                .migrations
                .iter()
                .filter_map(|m| {
                    let (up, down) = (m.up.made_concurrent(), m.down.made_concurrent());
                    if up.is_none() && down.is_none() {
                        return None;
                    }
                    let mut m = m.clone();
                    m.up = up.unwrap_or(m.up);
                    m.down = down.unwrap_or(m.down);
                    Some((m.version, m))
                })
                .collect();
            std::sync::Arc::new(changed)
        });
        self
    }

    /// The migration as it runs: its `INDEX_CONCURRENT` form when that is on and differs.
    pub(crate) fn effective<'a>(&'a self, m: &'a Migration) -> &'a Migration {
        self.concurrent
            .as_ref()
            .and_then(|c| c.get(&m.version))
            .unwrap_or(m)
    }

    /// The schema of the history table (default `public`; created if missing).
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.names = Names::new(&schema.into());
        self
    }

    /// `lock_timeout` for every statement of a migration (zero: wait forever).
    pub fn lock_timeout(mut self, timeout: Duration) -> Self {
        self.settings.lock_timeout = timeout;
        self
    }

    /// `statement_timeout` for every statement of a migration (zero: no limit).
    pub fn statement_timeout(mut self, timeout: Duration) -> Self {
        self.settings.statement_timeout = timeout;
        self
    }

    /// How many times a migration is retried after a lock timeout.
    pub fn lock_retries(mut self, retries: u32) -> Self {
        self.settings.lock_retries = retries;
        self
    }

    /// The first delay between retries (doubling each time, capped at `max`).
    pub fn retry_delay(mut self, first: Duration, max: Duration) -> Self {
        self.settings.retry_delay = first;
        self.settings.max_retry_delay = max.max(first);
        self
    }

    /// Lets [`Migrator::rollback`] pass over migrations whose down file is empty
    /// (irreversible): their history row is deleted and nothing else happens, so the objects
    /// they created stay. Off by default: such a rollback is refused before anything runs.
    pub fn force_irreversible(mut self, force: bool) -> Self {
        self.force_irreversible = force;
        self
    }

    /// How long to wait for the migration lock another runner holds.
    pub fn advisory_lock_timeout(mut self, timeout: Duration) -> Self {
        self.advisory_lock_timeout = timeout;
        self
    }

    /// Apply only up to and including this migration (id or version).
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// Calls `f` as `migrate` starts and finishes each pending migration (progress displays;
    /// `log` gets the same news as text).
    pub fn on_progress(mut self, f: impl Fn(Progress<'_>) + Send + Sync + 'static) -> Self {
        self.progress = crate::progress::Observer::new(f);
        self
    }

    /// What to do about migrations in the database that this binary does not know.
    pub fn unknown_migrations(mut self, policy: UnknownMigrations) -> Self {
        self.unknown = policy;
        self
    }

    /// The advisory-lock key this migrator uses (see [`lock_key`]).
    pub fn lock_key(&self) -> i64 {
        lock_key(&self.names.schema, &self.names.table)
    }

    /// What runs before the first pending migration: nothing ([`Backup::Skip`], the default),
    /// `pg_dump` ([`Backup::pg_dump`]) or a hook of yours ([`Backup::hook`]). With nothing
    /// pending there is no backup; when the backup fails, nothing is migrated.
    ///
    /// ```no_run
    /// use pgshift::backup::Backup;
    /// static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("../db/managed-migrations");
    ///
    /// let url = pgshift::url_from_env().expect("POSTGRES_URL");
    /// let mut client = pgshift::connect(&url)?;
    /// pgshift::Migrator::new(&MIGRATIONS)
    ///     .backup(Backup::pg_dump(&url, None)) // <db>-<UTC time>-before-<target>.dump
    ///     .migrate(&mut client)?;
    /// # Ok::<(), pgshift::Error>(())
    /// ```
    pub fn backup(mut self, backup: Backup) -> Self {
        self.backup = backup;
        self
    }

    /// The database name and the server's UTC time (`YYYYMMDDTHHMMSSZ`), for backups.
    pub(crate) fn backup_facts(&self, client: &mut Client) -> Result<(String, String), Error> {
        let messages = client
            .simple_query(
                "SELECT current_database(), to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD\"T\"HH24MISS\"Z\"')",
            )
            .map_err(Error::db("reading the database name for the backup"))?;
        let row = history::rows(&messages).next();
        let get = |i| row.and_then(|r| r.get(i)).unwrap_or_default().to_string();
        Ok((get(0), get(1)))
    }

    /// The migrations up to the target.
    pub(crate) fn wanted(&self) -> Result<&'m [Migration], Error> {
        let all = self.migrations.as_slice();
        match &self.target {
            None => Ok(all),
            Some(t) => match all.iter().position(|m| m.matches(t)) {
                Some(i) => Ok(&all[..=i]),
                None => Err(Error::UnknownTarget(t.clone())),
            },
        }
    }

    /// Applies pending migrations (up to the target). See the module docs for what a crash
    /// at any point leaves behind.
    pub fn migrate(&self, client: &mut Client) -> Result<Report, Error> {
        let wanted = self.wanted()?;
        let summary = self.summary(client, wanted)?;
        if let Some(s) = &summary {
            let expected = history::digest(
                wanted
                    .iter()
                    .map(|m| (m.version, m.checksum(), RowState::Applied)),
            );
            let later_known_or_unknown = s.after.iter().all(|r| r.state == RowState::Applied);
            if s.count == wanted.len() && s.digest == expected && later_known_or_unknown {
                // Nothing pending: no lock, no DDL. Rows after the wanted set are either
                // migrations beyond the target or ones this binary does not know.
                let unknown = self.unknown_rows(&s.after)?;
                log::debug!("{} migration(s) applied, nothing pending", wanted.len());
                return Ok(Report {
                    applied: Vec::new(),
                    unknown,
                    backup: None,
                });
            }
        }
        let read = match summary {
            None => format!("{}{}", self.names.create_sql(), self.names.select_sql()),
            Some(_) => self.names.select_sql(),
        };
        let (mut guard, messages) =
            LockGuard::acquire(client, self.lock_key(), self.advisory_lock_timeout, &read)
                .map_err(read_only_session)?;
        let rows = history::history_rows(&messages);
        self.apply_pending(&mut guard, wanted, &rows)
    }

    fn apply_pending(
        &self,
        client: &mut Client,
        wanted: &[Migration],
        rows: &[HistoryRow],
    ) -> Result<Report, Error> {
        let history = History::new(rows);
        self.check_drift(rows)?;
        self.upgrade_checksums(client, rows)?;
        if let Some(r) = rows.iter().find(|r| r.state == RowState::Reverting) {
            return Err(Error::Interrupted {
                id: r.id(),
                what:
                    "was being rolled back when a run stopped; run the rollback again to finish it"
                        .into(),
            });
        }
        let unknown = self.unknown_rows(rows)?;
        let max_applied = rows.iter().map(|r| r.version).max();
        let mut report = Report {
            applied: Vec::new(),
            unknown,
            backup: None,
        };
        let pending: Vec<(&Migration, usize, bool)> = wanted
            .iter()
            .filter_map(|m| match history.get(m.version) {
                Some(row) if row.state == RowState::Applied => None,
                Some(row) => Some((m, row.steps_done.max(0) as usize, true)),
                None => Some((m, 0, false)),
            })
            .collect();
        if !pending.is_empty() && !matches!(self.backup, Backup::Skip) {
            let (database, time) = self.backup_facts(client)?;
            let plan: Vec<&Migration> = pending.iter().map(|p| p.0).collect();
            let target = plan.last().map(|m| m.id.to_string()).unwrap_or_default();
            let context = BackupContext {
                database: &database,
                time: &time,
                target: &target,
                plan: &plan,
            };
            report.backup = self
                .backup
                .run(&context)
                .map_err(Error::BackupBeforeMigrating)?
                .map(|p| p.display().to_string());
        }
        for (i, &(m, from, resumed)) in pending.iter().enumerate() {
            if !resumed && max_applied.is_some_and(|max| m.version < max) {
                log::warn!(
                    "{}: applying out of order (a newer migration is already applied)",
                    m.id
                );
            }
            let synchronous = i + 1 == pending.len();
            let (number, total) = (i + 1, pending.len());
            self.progress.emit(Progress::Started {
                id: &m.id,
                number,
                total,
            });
            match execute::apply(
                client,
                &self.names,
                &self.settings,
                self.effective(m),
                from,
                resumed,
                synchronous,
            ) {
                Ok(outcome) => {
                    log::info!("applied {} in {} ms", m.id, outcome.duration.as_millis());
                    self.progress.emit(Progress::Finished {
                        id: &m.id,
                        number,
                        total,
                        duration: outcome.duration,
                    });
                    report.applied.push(Applied {
                        id: m.id.to_string(),
                        duration: outcome.duration,
                        attempts: outcome.attempts,
                        resumed,
                        ran_outside_transaction: outcome.ran_outside,
                    });
                }
                Err(mut e) => {
                    if !report.applied.is_empty() {
                        execute::flush(client);
                    }
                    e.completed_before = report.applied.iter().map(|a| a.id.clone()).collect();
                    log::error!("{e}");
                    return Err(Error::Migration(e));
                }
            }
        }
        Ok(report)
    }

    /// One round trip: standby flag, format and digest. `None` when there is no history table
    /// yet (then one more query checks for a standby, once per database lifetime). Refuses a
    /// standby and a history format newer than this version knows.
    pub(crate) fn summary(
        &self,
        client: &mut Client,
        wanted: &[Migration],
    ) -> Result<Option<Summary>, Error> {
        let last = wanted.last().map_or(i64::MIN, |m| m.version);
        let summary = match client.simple_query(&self.names.summary_sql(last)) {
            Ok(messages) => history::rows(&messages).next().map(Summary::from_row),
            Err(e) if history::is_missing_table(&e) => None,
            Err(e) => return Err(Error::db("checking the migration history")(e)),
        };
        let writable = match &summary {
            Some(s) => s.writable.clone(),
            None => {
                let messages = client
                    .simple_query(&format!("SELECT {}", history::WRITABLE))
                    .map_err(Error::db("checking for a standby"))?;
                history::rows(&messages)
                    .next()
                    .and_then(|r| r.get(0))
                    .unwrap_or_default()
                    .to_string()
            }
        };
        match writable.as_str() {
            "standby" => return Err(Error::Standby),
            "read-only" => return Err(Error::ReadOnly),
            _ => {}
        }
        if let Some(found) = summary
            .as_ref()
            .and_then(|s| s.format)
            .filter(|f| *f > history::FORMAT)
        {
            return Err(Error::HistoryFormat {
                table: self.names.display(),
                found: found.to_string(),
                known: history::FORMAT,
            });
        }
        Ok(summary)
    }

    pub(crate) fn check_drift(&self, rows: &[HistoryRow]) -> Result<(), Error> {
        let known: HashMap<i64, &Migration> =
            self.migrations.iter().map(|m| (m.version, m)).collect();
        let drift: Vec<Drift> = rows
            .iter()
            .filter_map(|r| {
                let m = known.get(&r.version)?;
                (!m.matches_checksum(&r.checksum)).then(|| Drift {
                    id: m.id.to_string(),
                    applied: r.checksum.clone(),
                    current: m.checksum().to_string(),
                })
            })
            .collect();
        if drift.is_empty() {
            Ok(())
        } else {
            Err(Error::Drift(drift))
        }
    }

    /// Rewrites the byte checksums of rows written before 0.1 as tokens checksums (the drift
    /// check just accepted them), so the next boot's one-query summary matches again.
    fn upgrade_checksums(&self, client: &mut Client, rows: &[HistoryRow]) -> Result<(), Error> {
        let known: HashMap<i64, &Migration> =
            self.migrations.iter().map(|m| (m.version, m)).collect();
        let sql: String = rows
            .iter()
            .filter_map(|r| {
                let m = known.get(&r.version)?;
                (r.checksum != m.checksum()).then(|| {
                    self.names
                        .set_checksum_sql(r.version, &r.checksum, m.checksum())
                })
            })
            .collect();
        if sql.is_empty() {
            return Ok(());
        }
        log::info!("recording tokens checksums for history rows written before pgshift 0.1");
        client
            .simple_query(&sql)
            .map(|_| ())
            .map_err(Error::db("updating history checksums"))
    }

    pub(crate) fn is_known(&self, version: i64) -> bool {
        self.migrations
            .as_slice()
            .binary_search_by_key(&version, |m| m.version)
            .is_ok()
    }

    pub(crate) fn unknown_rows(&self, rows: &[HistoryRow]) -> Result<Vec<HistoryRow>, Error> {
        let unknown: Vec<HistoryRow> = rows
            .iter()
            .filter(|r| !self.is_known(r.version))
            .cloned()
            .collect();
        if unknown.is_empty() {
            return Ok(unknown);
        }
        match self.unknown {
            UnknownMigrations::Refuse => Err(Error::UnknownApplied(unknown)),
            _ => {
                log::warn!(
                    "the database has {} migration(s) this binary does not know (newest {}): this binary may be older than the last deploy",
                    unknown.len(),
                    unknown.last().map(HistoryRow::id).unwrap_or_default()
                );
                Ok(unknown)
            }
        }
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.settings
    }

    pub(crate) fn job<'a>(
        &'a self,
        migration: &'a Migration,
        script: &'a Script,
        direction: Direction,
    ) -> Job<'a> {
        Job {
            names: &self.names,
            settings: &self.settings,
            migration,
            script,
            direction,
            synchronous: true,
            ran_outside: Default::default(),
        }
    }

    /// For test mode and the reversibility check: refuses a standby, takes the migration lock
    /// (these run DDL, even if it is rolled back) and returns the pending migrations.
    pub(crate) fn lock_for_check<'c>(
        &self,
        client: &'c mut Client,
    ) -> Result<(LockGuard<'c>, Vec<&'m Migration>), Error> {
        let wanted = self.wanted()?;
        let exists = self.summary(client, wanted)?.is_some();
        let read = if exists {
            self.names.select_sql()
        } else {
            "SELECT 1".to_string()
        };
        let (guard, messages) =
            LockGuard::acquire(client, self.lock_key(), self.advisory_lock_timeout, &read)
                .map_err(read_only_session)?;
        let rows = history::history_rows(&messages);
        self.check_drift(&rows)?;
        let history = History::new(&rows);
        Ok((
            guard,
            wanted
                .iter()
                .filter(|m| history.get(m.version).is_none())
                .collect(),
        ))
    }
}

/// The history rows by version.
pub(crate) struct History<'r> {
    by_version: HashMap<i64, &'r HistoryRow>,
}

impl<'r> History<'r> {
    pub(crate) fn new(rows: &'r [HistoryRow]) -> Self {
        History {
            by_version: rows.iter().map(|r| (r.version, r)).collect(),
        }
    }

    pub(crate) fn get(&self, version: i64) -> Option<&'r HistoryRow> {
        self.by_version.get(&version).copied()
    }
}

/// Whether an environment switch is on (`1`, `true`, `on`, `yes`, any case).
fn is_on(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "on" | "yes"
    )
}

/// SQLSTATE 25006 ("read-only transaction") once the caller has checked that the server is not
/// in recovery: the session itself is read-only.
pub(crate) fn read_only_session(e: Error) -> Error {
    if e.sqlstate() == Some("25006") {
        Error::ReadOnly
    } else {
        e
    }
}
