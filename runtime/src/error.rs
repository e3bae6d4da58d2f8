//! The runtime's errors.

use std::fmt;
use std::time::Duration;

use crate::row::HistoryRow;

/// Everything that can go wrong applying, rolling back or inspecting migrations.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No connection URL was given and none is in the environment.
    #[error("no database URL: set POSTGRES_URL or DATABASE_URL, or pass a URL")]
    NoUrl,

    /// Connecting failed. `target` is the URL with its password removed.
    #[error("cannot connect to {target}: {}", describe(source))]
    Connect {
        /// The connection URL, redacted.
        target: String,
        /// The driver's error.
        #[source]
        source: postgres::Error,
    },

    /// TLS was asked for (`sslmode`) and cannot be provided or set up.
    #[error("cannot connect to {target}: {reason}")]
    Tls {
        /// The connection URL, redacted.
        target: String,
        /// What is wrong.
        reason: String,
    },

    /// The server is a read-only standby.
    #[error(
        "the database is a read-only standby (pg_is_in_recovery() is true): run migrations against the primary"
    )]
    Standby,

    /// The server is a primary but this session may not write: `default_transaction_read_only`
    /// (or `transaction_read_only`) is on for the role, the database or the connection.
    #[error(
        "the session is read-only although the server is a primary (default_transaction_read_only is on \
         for this role, database or connection): connect as a role that may write, or run \
         `ALTER ROLE <role> SET default_transaction_read_only = off`"
    )]
    ReadOnly,

    /// `target`/`rollback_to` names no migration of this set.
    #[error("no migration has the id or version `{0}`")]
    UnknownTarget(String),

    /// Applied migrations whose file changed since they ran. Nothing was run.
    #[error("{}", drift_message(.0))]
    Drift(Vec<Drift>),

    /// The database has migrations this binary does not know, and the migrator was told to
    /// refuse that ([`UnknownMigrations::Refuse`](crate::UnknownMigrations::Refuse)).
    #[error(
        "the database has {} migration(s) this binary does not know (newest {}): this binary may be older than the last deploy",
        .0.len(), .0.last().map(|r| r.id()).unwrap_or_default()
    )]
    UnknownApplied(Vec<HistoryRow>),

    /// Another runner held the migration lock for longer than the advisory-lock timeout.
    #[error(
        "waited {waited:?} for the migration lock (advisory lock {key} on this database) held by another runner{}; \
         find it with `SELECT pid, application_name, state, query_start FROM pg_stat_activity \
         WHERE pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND ((classid::bigint << 32) | objid::bigint) = {key})`",
        holder.as_ref().map(|h| format!(" ({h})")).unwrap_or_default()
    )]
    LockWait {
        /// How long it waited.
        waited: Duration,
        /// The advisory lock key.
        key: i64,
        /// Who holds it, when that could be found.
        holder: Option<String>,
    },

    /// A migration's statement failed.
    #[error(transparent)]
    Migration(Box<MigrationError>),

    /// A rollback would pass over migrations whose down file is empty. Nothing was run.
    #[error(
        "cannot roll back {}: its down file is empty, so rolling it back would undo nothing and leave its objects \
         behind (the next migrate would then fail on them); write the down SQL, or roll back to a later migration, \
         or force it with `Migrator::force_irreversible(true)` to delete only the history row",
        .0.join(", ")
    )]
    Irreversible(Vec<String>),

    /// `rollback_to` names a migration that is not applied, so there is no state to return to.
    #[error("cannot roll back to {id}: it is not applied, so there is no state to return to")]
    RollbackTargetNotApplied {
        /// The migration's id.
        id: String,
    },

    /// A migration was left in a state that needs an operator: a rollback that stopped midway,
    /// or a stored down script that cannot be trusted.
    #[error("migration {id} {what}")]
    Interrupted {
        /// The migration's id.
        id: String,
        /// What happened and what to do.
        what: String,
    },

    /// The history table was written by a newer pgshift with a format this one cannot read.
    #[error(
        "the history table {table} has format {found}, newer than this pgshift understands ({known}): upgrade pgshift"
    )]
    HistoryFormat {
        /// Qualified table name.
        table: String,
        /// Format found.
        found: String,
        /// Format this version writes.
        known: u32,
    },

    /// Test mode or the reversibility check would run, in its one transaction, a migration
    /// that uses an enum value added by an earlier pending migration: PostgreSQL refuses a new
    /// enum value until the transaction that added it commits (SQLSTATE 55P04). Nothing ran.
    #[error(
        "cannot test {used_by} in one transaction with {added_by}: it uses enum value '{value}', which \
         {added_by} adds, and PostgreSQL refuses a new enum value before the transaction that added it \
         commits (55P04); `migrate` applies them one transaction each and works; to test them, use \
         `Migrator::test_in_scratch_database(url)` (a throwaway database, one transaction per migration)"
    )]
    EnumValueInOneTransaction {
        /// The migration that adds the value.
        added_by: String,
        /// The later pending migration that uses it.
        used_by: String,
        /// The value.
        value: String,
    },

    /// A scratch database for testing could not be created or used.
    #[error("cannot use a scratch database `{name}` on {target}: {source}")]
    Scratch {
        /// Its name.
        name: String,
        /// The server, redacted.
        target: String,
        /// Why.
        #[source]
        source: Box<Error>,
    },

    /// The reversibility check found a down file that does not undo its up file.
    #[error(
        "migration {id} is not reversible: after its up and down files run, {difference} ({file})"
    )]
    NotReversible {
        /// The migration's id.
        id: String,
        /// The down file.
        file: String,
        /// The first difference between the schema before and after (`column public.t.x
        /// integer is left behind (...)`).
        difference: String,
    },

    /// Seeds were asked for while migrations are pending: seeds are written for the newest
    /// schema.
    #[error(
        "cannot seed: {} migration(s) are not applied yet (first: {}); seeds are written for the migrated schema, so migrate first",
        .pending.len(), .pending.first().map(String::as_str).unwrap_or_default()
    )]
    SeedsBeforeMigrations {
        /// The pending migrations' ids.
        pending: Vec<String>,
    },

    /// Seed files changed after they were applied.
    #[error(
        "seed(s) changed since they were applied: {}; a seed runs once, so the change was not applied. \
         Put new rows in a new seed file, or re-run changed seeds on purpose (`Migrator::rerun_changed_seeds(true)`, \
         `pgshift seed --rerun-changed`)",
        .0.join(", ")
    )]
    SeedChanged(Vec<String>),

    /// The backup before migrating failed: nothing was migrated.
    #[error(
        "the backup before migrating failed, so nothing was migrated: {0}. To migrate without a backup \
         on purpose, pass `--no-backup` (CLI) or leave `Migrator::backup` at `Backup::Skip`"
    )]
    BackupBeforeMigrating(#[source] crate::backup::BackupError),

    /// A backup or restore command failed.
    #[error("{0}")]
    Backup(#[from] crate::backup::BackupError),

    /// The other tool's history cannot be imported.
    #[error("cannot import the history of `{tool}`: {what}")]
    Import {
        /// The other tool's history table.
        tool: &'static str,
        /// Why, and what to do.
        what: String,
    },

    /// Any other database error, with what pgshift was doing.
    #[error("database error while {context}: {}", describe(source))]
    Database {
        /// What pgshift was doing.
        context: &'static str,
        /// The driver's error.
        #[source]
        source: postgres::Error,
    },
}

impl Error {
    /// The SQLSTATE of the underlying database error, if there is one (`"42P01"`).
    pub fn sqlstate(&self) -> Option<&str> {
        match self {
            Error::Migration(m) => m.sqlstate.as_deref(),
            Error::Database { source, .. } | Error::Connect { source, .. } => {
                source.code().map(|c| c.code())
            }
            _ => None,
        }
    }

    pub(crate) fn db(context: &'static str) -> impl FnOnce(postgres::Error) -> Error {
        move |source| Error::Database { context, source }
    }
}

/// The driver's error with the server's message, detail and SQLSTATE (its own `Display` says
/// only "db error" for server errors), or the cause of a connection error.
pub(crate) fn describe(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut s = format!("{} [SQLSTATE {}]", db.message(), db.code().code());
        if let Some(detail) = db.detail() {
            s.push_str(&format!("; detail: {detail}"));
        }
        return s;
    }
    match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

/// An applied migration whose up file no longer matches what was applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Drift {
    /// The migration's id.
    pub id: String,
    /// Checksum recorded when it was applied.
    pub applied: String,
    /// Checksum of the file in this binary.
    pub current: String,
}

/// The first 12 characters of a checksum, for messages (never panics on odd stored values).
pub(crate) fn short(checksum: &str) -> &str {
    checksum
        .char_indices()
        .nth(12)
        .map_or(checksum, |(i, _)| &checksum[..i])
}

fn drift_message(drift: &[Drift]) -> String {
    let list = drift
        .iter()
        .map(|d| {
            format!(
                "{} (applied {}…, now {}…)",
                d.id,
                short(&d.applied),
                short(&d.current)
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "{} applied migration(s) changed since they ran: {list}; nothing was run. Restore the original files and put \
         the change in a new migration",
        drift.len()
    )
}

/// Up or down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Direction {
    /// Applying.
    Up,
    /// Rolling back.
    Down,
    /// Applying a seed (the error's `id` is the seed's name).
    Seed,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Up => "up",
            Direction::Down => "down",
            Direction::Seed => "seed",
        })
    }
}

/// A session holding a lock that a migration waited for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blocker {
    /// The backend's process id (`SELECT pg_terminate_backend(pid)` ends it).
    pub pid: i32,
    /// `pg_stat_activity.state` (`idle in transaction`, `active`, ...).
    pub state: String,
    /// Its application name.
    pub application: String,
    /// Its current or last query, shortened.
    pub query: String,
    /// How long its transaction has been open.
    pub transaction_age: String,
    /// Whether this role may see the session's details: without `pg_read_all_stats` (or
    /// being the same user), PostgreSQL shows only the pid of another user's session.
    pub visible: bool,
}

impl fmt::Display for Blocker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.visible {
            return write!(
                f,
                "pid {} (another user's session, whose details this role may not see: \
                 `GRANT pg_read_all_stats TO <migration role>` lets pgshift name it)",
                self.pid
            );
        }
        write!(
            f,
            "pid {} ({}, transaction open {}, application {:?}): {}",
            self.pid, self.state, self.transaction_age, self.application, self.query
        )
    }
}

/// A statement of a migration failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MigrationError {
    /// The migration's id.
    pub id: String,
    /// Applying or rolling back.
    pub direction: Direction,
    /// The file, as written in the project.
    pub file: String,
    /// 1-based number of the failing statement in the file, when known.
    pub statement: Option<usize>,
    /// 1-based line and column of the error in the file (the error's position when the
    /// server gave one, else the start of the failing statement).
    pub position: Option<(u32, u32)>,
    /// SQLSTATE (`"55P03"` for a lock timeout).
    pub sqlstate: Option<String>,
    /// The server's message.
    pub message: String,
    /// The server's detail.
    pub detail: Option<String>,
    /// The server's hint.
    pub hint: Option<String>,
    /// How many times the migration was tried.
    pub attempts: u32,
    /// For lock timeouts: sessions holding locks on the table the statement needed.
    pub blockers: Vec<Blocker>,
    /// The table the failing statement acts on, when known.
    pub table: Option<String>,
    /// For a failed concurrent index build: the invalid index it left, which was dropped so a
    /// re-run can build it again.
    pub invalid_index_dropped: Option<String>,
    /// For a failed concurrent index build: the invalid index it left and could not drop (the
    /// drop waits for the same transactions); the next run drops it before building.
    pub invalid_index_left: Option<String>,
    /// The `statement_timeout` the migration ran with (named when it was exceeded).
    pub statement_timeout: Duration,
    /// Migrations this run completed before the failure: applied ones when migrating, rolled
    /// back ones when rolling back (see [`MigrationError::direction`]).
    pub completed_before: Vec<String>,
}

impl MigrationError {
    /// Whether the failure was a lock timeout (SQLSTATE 55P03).
    pub fn is_lock_timeout(&self) -> bool {
        self.sqlstate.as_deref() == Some(LOCK_NOT_AVAILABLE)
    }

    /// Whether the failure was the statement timeout (SQLSTATE 57014 with the server's
    /// "statement timeout" message; a plain cancel has the same code).
    pub fn is_statement_timeout(&self) -> bool {
        self.sqlstate.as_deref() == Some("57014") && self.message.contains("statement timeout")
    }
}

/// At most this many ids are listed in a message; the rest are counted.
const LISTED: usize = 6;

/// `a, b, c, … 94 more …, x, y, z` for long lists of migration ids.
pub(crate) fn capped(ids: &[String]) -> String {
    if ids.len() <= LISTED + 2 {
        return ids.join(", ");
    }
    let half = LISTED / 2;
    format!(
        "{}, … {} more …, {} ({} in all)",
        ids[..half].join(", "),
        ids.len() - 2 * half,
        ids[ids.len() - half..].join(", "),
        ids.len()
    )
}

pub(crate) const LOCK_NOT_AVAILABLE: &str = "55P03";

impl fmt::Display for MigrationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.direction {
            Direction::Seed => write!(f, "seed {} failed", self.id)?,
            _ => write!(f, "migration {} ({}) failed", self.id, self.direction)?,
        }
        if let Some(n) = self.statement {
            write!(f, " at statement {n}")?;
        }
        write!(f, " ({}", self.file)?;
        if let Some((line, col)) = self.position {
            write!(f, ":{line}:{col}")?;
        }
        write!(f, "): {}", self.message)?;
        if let Some(code) = &self.sqlstate {
            write!(f, " [SQLSTATE {code}]")?;
        }
        if let Some(detail) = &self.detail {
            write!(f, "; detail: {detail}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "; hint: {hint}")?;
        }
        if self.is_lock_timeout() {
            write!(
                f,
                "; gave up after {} attempt(s) waiting for a lock on {}",
                self.attempts,
                self.table.as_deref().unwrap_or("a table it needs")
            )?;
            if self.blockers.is_empty() {
                write!(
                    f,
                    "; find the blocker with `SELECT pid, state, query FROM pg_stat_activity WHERE pid IN \
                     (SELECT pid FROM pg_locks WHERE relation = '{}'::regclass AND granted)`",
                    self.table.as_deref().unwrap_or("<table>")
                )?;
            } else {
                let list: Vec<String> = self.blockers.iter().map(ToString::to_string).collect();
                write!(f, "; held by {}", list.join("; "))?;
            }
        }
        if self.is_statement_timeout() {
            write!(
                f,
                "; {} ran longer than statement_timeout ({} ms); if it must take longer, \
                 raise the limit with `Migrator::statement_timeout`, or move slow work (backfills, \
                 index builds) into its own migration, batched or CONCURRENTLY",
                if self.statement.is_some() {
                    "the statement"
                } else {
                    "a statement"
                },
                self.statement_timeout.as_millis()
            )?;
        }
        if let Some(index) = &self.invalid_index_dropped {
            write!(
                f,
                "; the invalid index {index} the failed build left was dropped, so running again \
                 builds it from scratch (attempts are in index_build_history)"
            )?;
        }
        if let Some(index) = &self.invalid_index_left {
            write!(
                f,
                "; the failed build left the invalid index {index}, which could not be dropped yet (the drop \
                 waits for the same transactions); the next run drops it before building again"
            )?;
        }
        if !self.completed_before.is_empty() {
            let done = match self.direction {
                Direction::Up | Direction::Seed => "applied",
                Direction::Down => "rolled back",
            };
            write!(
                f,
                "; {done} before the failure: {}",
                capped(&self.completed_before)
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for MigrationError {}

/// Removes the password from a connection string, in URL (`postgres://user:pw@host`) or
/// key-value (`password=pw`) form.
///
/// ```
/// assert_eq!(pgshift::redact("postgres://app:s3cret@db:5432/app"), "postgres://app:***@db:5432/app");
/// assert_eq!(pgshift::redact("host=db password=s3cret user=app"), "host=db password=*** user=app");
/// ```
pub fn redact(conn: &str) -> String {
    let Some(scheme_end) = conn.find("://") else {
        return redact_key_value(conn);
    };
    let rest_start = scheme_end + 3;
    let rest = &conn[rest_start..];
    let mut out = conn[..rest_start].to_string();
    // The driver ends the credentials at the first `@`, but a password written with a raw
    // `@` (`app:p@ss@host`) then leaks its tail into what the driver takes for the host: hide
    // everything up to the last `@` instead. Over-redacting a rare `@` in a query value is
    // the price.
    let after_credentials = match rest.rfind('@') {
        Some(at) => {
            let userinfo = &rest[..at];
            match userinfo.find(':') {
                Some(colon) => out.push_str(&format!("{}:***", &userinfo[..colon])),
                None => out.push_str(userinfo),
            }
            out.push('@');
            &rest[at + 1..]
        }
        None => rest,
    };
    out.push_str(&redact_query_password(after_credentials));
    out
}

fn redact_query_password(tail: &str) -> String {
    let Some((path, query)) = tail.split_once('?') else {
        return tail.to_string();
    };
    let params: Vec<String> = query
        .split('&')
        .map(|p| match p.split_once('=') {
            // The driver percent-decodes keys: `pass%77ord` is `password` to it.
            Some((k, _)) if is_password_key(k) => format!("{k}=***"),
            _ => p.to_string(),
        })
        .collect();
    format!("{path}?{}", params.join("&"))
}

/// Whether a URL query key is, once percent-decoded like the driver does, `password`.
fn is_password_key(key: &str) -> bool {
    let mut decoded = Vec::with_capacity(key.len());
    let bytes = key.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).and_then(|&b| hex(b)),
            bytes.get(i + 2).and_then(|&b| hex(b)),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                decoded.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                decoded.push(b);
                i += 1;
            }
        }
    }
    decoded.eq_ignore_ascii_case(b"password")
}

fn redact_key_value(conn: &str) -> String {
    let mut out = String::with_capacity(conn.len());
    let mut rest = conn;
    while let Some(i) = rest.find("password") {
        let (before, after) = rest.split_at(i);
        out.push_str(before);
        let after_key = &after["password".len()..];
        let trimmed = after_key.trim_start();
        if let Some(value) = trimmed.strip_prefix('=') {
            out.push_str("password=***");
            let value = value.trim_start();
            let end = if let Some(quoted) = value.strip_prefix('\'') {
                let mut escaped = false;
                let mut end = quoted.len();
                for (j, c) in quoted.char_indices() {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '\'' {
                        end = j + 1;
                        break;
                    }
                }
                end + 1
            } else {
                value.find(char::is_whitespace).unwrap_or(value.len())
            };
            rest = &value[end.min(value.len())..];
        } else {
            out.push_str("password");
            rest = after_key;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_of_ids_are_capped_with_a_count() {
        let ids: Vec<String> = (1..=100).map(|i| format!("m{i}")).collect();
        assert_eq!(
            capped(&ids),
            "m1, m2, m3, … 94 more …, m98, m99, m100 (100 in all)"
        );
        assert_eq!(capped(&ids[..8]), "m1, m2, m3, m4, m5, m6, m7, m8");
    }

    #[test]
    fn redacts_every_form_of_password() {
        assert_eq!(
            redact("postgresql://u:p%40ss@h/db?sslmode=require"),
            "postgresql://u:***@h/db?sslmode=require"
        );
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            redact("postgres://h/db?user=u&password=x"),
            "postgres://h/db?user=u&password=***"
        );
        assert_eq!(
            redact("host=h password='a b\\'c' dbname=d"),
            "host=h password=*** dbname=d"
        );
        assert_eq!(redact("password = x host=h"), "password=*** host=h");
        assert!(!redact("postgres://u:hunter2@h").contains("hunter2"));
        assert_eq!(
            redact("postgres://app:pa/ss?w#rd@db/app"),
            "postgres://app:***@db/app"
        );
    }

    #[test]
    fn redacts_what_the_driver_would_use_whatever_its_spelling() {
        // A raw `@` in the password: nothing of it may show.
        let out = redact("postgres://app:p@ssw0rdAt@host/db");
        assert_eq!(out, "postgres://app:***@host/db");
        // A percent-encoded key is still the password to the driver.
        let out = redact("postgres://h/db?pass%77ord=s3cret&sslmode=disable");
        assert_eq!(out, "postgres://h/db?pass%77ord=***&sslmode=disable");
        assert!(!redact("postgres://h/db?PASSWORD=s3cret").contains("s3cret"));
        let config: postgres::Config = "postgres://h/db?pass%77ord=s3cret".parse().unwrap();
        assert_eq!(
            config.get_password(),
            Some(&b"s3cret"[..]),
            "the driver uses it"
        );
    }
}
