//! What the migrator returns: reports, status and the dry-run plan, as data with `Display`.

use std::fmt;
use std::time::Duration;

use crate::history::HistoryRow;

/// One migration applied by [`Migrator::migrate`](crate::Migrator::migrate).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Applied {
    /// Its id.
    pub id: String,
    /// Wall-clock time of the run (all steps, retries included).
    pub duration: Duration,
    /// Attempts it took (more than 1 after lock timeouts).
    pub attempts: u32,
    /// Whether it resumed a migration a previous run left partially applied.
    pub resumed: bool,
    /// Statements (1-based) the server refused inside a transaction (SQLSTATE 25001) and that
    /// ran on their own outside it instead.
    pub ran_outside_transaction: Vec<usize>,
}

/// The result of [`Migrator::migrate`](crate::Migrator::migrate).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// Migrations applied by this run, in order.
    pub applied: Vec<Applied>,
    /// Migrations in the database that this binary does not know (a newer deploy ran them).
    pub unknown: Vec<HistoryRow>,
    /// Where the `pg_dump` backup taken before the first migration went, if one was.
    pub backup: Option<String>,
}

impl Report {
    /// Whether nothing needed applying.
    pub fn is_up_to_date(&self) -> bool {
        self.applied.is_empty()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.applied.is_empty() {
            write!(f, "up to date: no pending migrations")?;
        } else {
            write!(f, "applied {} migration(s):", self.applied.len())?;
            for a in &self.applied {
                write!(f, "\n  {} ({} ms", a.id, a.duration.as_millis())?;
                if a.attempts > 1 {
                    write!(f, ", {} attempts", a.attempts)?;
                }
                if a.resumed {
                    write!(f, ", resumed")?;
                }
                for n in &a.ran_outside_transaction {
                    write!(f, ", statement {n} ran outside the transaction")?;
                }
                write!(f, ")")?;
            }
        }
        if !self.unknown.is_empty() {
            write!(f, "\n{}", unknown_warning(&self.unknown))?;
        }
        Ok(())
    }
}

fn unknown_warning(unknown: &[HistoryRow]) -> String {
    format!(
        "warning: the database has {} migration(s) this binary does not know ({}): this binary may be older than the last deploy",
        unknown.len(),
        unknown
            .iter()
            .map(HistoryRow::id)
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Where a rolled-back migration's down SQL came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DownSource {
    /// The down file embedded in (or loaded by) this binary.
    Binary,
    /// The copy kept in the history row (the binary does not know the migration, or its file
    /// changed).
    History,
}

/// One migration rolled back.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RolledBack {
    /// Its id.
    pub id: String,
    /// Wall-clock time.
    pub duration: Duration,
    /// Where its down SQL came from.
    pub source: DownSource,
}

/// The result of a rollback.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RollbackReport {
    /// Rolled back, newest first.
    pub rolled_back: Vec<RolledBack>,
}

impl fmt::Display for RollbackReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.rolled_back.is_empty() {
            return write!(f, "nothing to roll back");
        }
        write!(f, "rolled back {} migration(s):", self.rolled_back.len())?;
        for r in &self.rolled_back {
            write!(f, "\n  {} ({} ms", r.id, r.duration.as_millis())?;
            if r.source == DownSource::History {
                write!(f, ", down SQL from the history table")?;
            }
            write!(f, ")")?;
        }
        Ok(())
    }
}

/// The state of one migration.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MigrationState {
    /// Applied, with the same checksum.
    Applied {
        /// When (UTC, ISO 8601).
        at: String,
        /// How long it took, in milliseconds.
        execution_ms: i64,
    },
    /// Recorded as applied by a baseline or a history import, without pgshift running it.
    Baselined {
        /// When it was recorded (UTC, ISO 8601).
        at: String,
    },
    /// Not applied yet.
    Pending,
    /// Started but not finished: some steps outside a transaction ran. `migrate` resumes it.
    Partial {
        /// Steps completed.
        steps_done: i32,
        /// Steps in all.
        steps: usize,
    },
    /// A rollback of it started and did not finish: `rollback` again finishes it.
    Reverting,
    /// Applied, but the file changed since.
    Drift {
        /// Checksum recorded at apply time.
        applied: String,
        /// Checksum of the file now.
        current: String,
    },
    /// In the database, unknown to this binary.
    Unknown {
        /// When it was applied.
        at: String,
    },
}

impl MigrationState {
    /// A short label: `applied`, `baselined`, `pending`, `partial`, `reverting`, `drift`, `unknown`.
    pub fn label(&self) -> &'static str {
        match self {
            MigrationState::Applied { .. } => "applied",
            MigrationState::Baselined { .. } => "baselined",
            MigrationState::Pending => "pending",
            MigrationState::Partial { .. } => "partial",
            MigrationState::Reverting => "reverting",
            MigrationState::Drift { .. } => "drift",
            MigrationState::Unknown { .. } => "unknown",
        }
    }
}

/// One line of [`Status`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatusEntry {
    /// The version.
    pub version: i64,
    /// `VERSION_name`.
    pub id: String,
    /// Its state.
    pub state: MigrationState,
    /// Whether its down file is empty, so it cannot be rolled back (unknown migrations:
    /// `false`).
    pub irreversible: bool,
}

/// An index build attempt worth showing: in progress, failed, or a retry.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct IndexBuild {
    /// The migration that ran it.
    pub migration: String,
    /// The index, when the statement names one.
    pub index: Option<String>,
    /// Which attempt (1 = the first).
    pub attempt: i32,
    /// `building` (in progress, or the runner died), `succeeded` or `failed`.
    pub status: String,
    /// The error, for a failed attempt: `message [SQLSTATE]`.
    pub error: Option<String>,
    /// Whether the invalid index it left was dropped.
    pub invalid_index_dropped: bool,
    /// When it started (UTC, ISO 8601).
    pub started_at: String,
}

/// Every migration known to the binary or the database, in version order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Status {
    /// One entry per migration.
    pub entries: Vec<StatusEntry>,
    /// The latest index build attempts that are in progress, failed or retried (newest
    /// first, at most 20), from `index_build_history`.
    pub index_builds: Vec<IndexBuild>,
    /// Whether the history table exists yet.
    pub history_exists: bool,
}

impl Status {
    /// Entries in a given state (by [`MigrationState::label`]).
    pub fn count(&self, label: &str) -> usize {
        self.entries
            .iter()
            .filter(|e| e.state.label() == label)
            .count()
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .entries
            .iter()
            .map(|e| e.id.len())
            .max()
            .unwrap_or(2)
            .max(9);
        write!(f, "{:<width$}  {:<8}  details", "migration", "state")?;
        for e in &self.entries {
            let details = match &e.state {
                MigrationState::Applied { at, execution_ms } => format!("{at} ({execution_ms} ms)"),
                MigrationState::Baselined { at } => {
                    format!("{at} (recorded without running: baseline or import)")
                }
                MigrationState::Pending => String::new(),
                MigrationState::Reverting => {
                    "a rollback stopped midway; run `rollback` again to finish it".to_string()
                }
                MigrationState::Partial { steps_done, steps } => {
                    format!("{steps_done} of {steps} steps done; `migrate` resumes it")
                }
                MigrationState::Drift { applied, current } => format!(
                    "file changed since it was applied (was {}…, now {}…)",
                    crate::error::short(applied),
                    crate::error::short(current)
                ),
                MigrationState::Unknown { at } => {
                    format!("applied {at} by a binary that knows it; this one does not")
                }
            };
            let note = if e.irreversible {
                if details.is_empty() {
                    "irreversible (empty down file)"
                } else {
                    "; irreversible (empty down file)"
                }
            } else {
                ""
            };
            write!(
                f,
                "\n{:<width$}  {:<8}  {details}{note}",
                e.id,
                e.state.label()
            )?;
        }
        let pending = self.count("pending") + self.count("partial");
        write!(
            f,
            "\n{} applied, {} pending",
            self.count("applied"),
            pending
        )?;
        for (label, what) in [
            ("drift", "changed after applying"),
            ("unknown", "unknown to this binary"),
        ] {
            let n = self.count(label);
            if n > 0 {
                write!(f, ", {n} {what}")?;
            }
        }
        if !self.index_builds.is_empty() {
            write!(f, "\nindex builds in progress, failed or retried:")?;
            for b in &self.index_builds {
                write!(
                    f,
                    "\n  {} {} attempt {} {} at {}",
                    b.migration,
                    b.index.as_deref().unwrap_or("(unnamed)"),
                    b.attempt,
                    b.status,
                    b.started_at
                )?;
                if let Some(e) = &b.error {
                    write!(f, ": {e}")?;
                }
                if b.invalid_index_dropped {
                    write!(f, " (invalid index dropped)")?;
                }
            }
        }
        Ok(())
    }
}

/// A statement in the dry-run plan.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlannedStatement {
    /// 1-based number in its file.
    pub number: usize,
    /// Line where it starts.
    pub line: u32,
    /// Its kind's label (`CREATE TABLE`).
    pub kind: String,
    /// Its SQL.
    pub sql: String,
}

/// A step in the dry-run plan: one transaction, or one statement outside any.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlannedStep {
    /// Whether the step is a transaction.
    pub in_transaction: bool,
    /// Its statements.
    pub statements: Vec<PlannedStatement>,
}

/// A migration in the dry-run plan.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlannedMigration {
    /// Its id.
    pub id: String,
    /// The up file.
    pub file: String,
    /// First step to run (0 unless resuming a partial migration).
    pub from_step: usize,
    /// Its steps.
    pub steps: Vec<PlannedStep>,
}

/// What [`Migrator::plan`](crate::Migrator::plan) (dry run) would do. Nothing was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Plan {
    /// The history table, qualified.
    pub history_table: String,
    /// Whether the history table would be created.
    pub creates_history_table: bool,
    /// `lock_timeout` each transaction sets.
    pub lock_timeout: Duration,
    /// `statement_timeout` each transaction sets.
    pub statement_timeout: Duration,
    /// Retries after a lock timeout.
    pub lock_retries: u32,
    /// Migrations that would be applied, in order.
    pub migrations: Vec<PlannedMigration>,
    /// Migrations in the database unknown to this binary.
    pub unknown: Vec<HistoryRow>,
    /// The backup that would run first (`pg_dump to <path>`), when there is work and one is set.
    pub backup: Option<String>,
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "dry run: nothing is executed")?;
        if self.creates_history_table {
            write!(f, "\nwould create the history table {}", self.history_table)?;
        }
        if self.migrations.is_empty() {
            write!(f, "\nup to date: no pending migrations")?;
        } else {
            write!(
                f,
                "\nwould apply {} migration(s), each step with lock_timeout {} ms and statement_timeout {} ms, {} retries on lock timeout:",
                self.migrations.len(),
                self.lock_timeout.as_millis(),
                self.statement_timeout.as_millis(),
                self.lock_retries
            )?;
        }
        if let Some(backup) = &self.backup {
            write!(f, "\nwould back up first: {backup}")?;
        }
        for m in &self.migrations {
            write!(f, "\n\n{} ({})", m.id, m.file)?;
            if m.from_step > 0 {
                write!(f, " — resuming at step {}", m.from_step + 1)?;
            }
            for (i, step) in m.steps.iter().enumerate().skip(m.from_step) {
                let mode = if step.in_transaction {
                    "in one transaction"
                } else {
                    "outside a transaction"
                };
                write!(f, "\n  step {} ({mode}):", i + 1)?;
                for s in &step.statements {
                    let first = s.sql.lines().next().unwrap_or("");
                    let more = if s.sql.lines().nth(1).is_some() {
                        " …"
                    } else {
                        ""
                    };
                    write!(
                        f,
                        "\n    {:>3}. line {:<4} {:<14} {first}{more}",
                        s.number, s.line, s.kind
                    )?;
                }
            }
        }
        if !self.unknown.is_empty() {
            write!(f, "\n\n{}", unknown_warning(&self.unknown))?;
        }
        Ok(())
    }
}
