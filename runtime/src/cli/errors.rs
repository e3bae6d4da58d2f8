//! Failures for people: one line of what happened, one line of what to do, and an exit code.

use std::fmt;
use std::process::ExitCode;

use crate::error::{Error, describe};

/// Which exit code a failure gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureKind {
    /// Exit 1: something failed at run time (the server, a statement, the file system).
    Runtime,
    /// Exit 2: the command line is wrong (clap's own usage errors exit 2 too).
    Usage,
    /// Exit 3: a guardrail or validation refused the migrations; nothing was run.
    Validation,
}

/// Why a command stopped: what happened and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Failure {
    /// The exit code's meaning.
    pub kind: FailureKind,
    /// What happened, one line.
    pub what: String,
    /// What to do about it, one line.
    pub todo: Option<String>,
}

impl Failure {
    /// A failure of `kind`.
    pub fn new(kind: FailureKind, what: impl Into<String>) -> Self {
        Failure {
            kind,
            what: what.into(),
            todo: None,
        }
    }

    /// A run-time failure (exit 1).
    pub fn runtime(what: impl Into<String>) -> Self {
        Failure::new(FailureKind::Runtime, what)
    }

    /// A usage error (exit 2).
    pub fn usage(what: impl Into<String>) -> Self {
        Failure::new(FailureKind::Usage, what)
    }

    /// A validation or guardrail failure (exit 3).
    pub fn validation(what: impl Into<String>) -> Self {
        Failure::new(FailureKind::Validation, what)
    }

    /// Sets what to do.
    pub fn todo(mut self, todo: impl Into<String>) -> Self {
        self.todo = Some(todo.into());
        self
    }

    /// 1, 2 or 3.
    pub fn code(&self) -> u8 {
        match self.kind {
            FailureKind::Runtime => 1,
            FailureKind::Usage => 2,
            FailureKind::Validation => 3,
        }
    }

    /// The process exit code.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.code())
    }

    /// A failure of `test`: a migration that fails there fails validation (exit 3), and
    /// nothing outside the throwaway database changed.
    pub(crate) fn from_test(e: Error) -> Self {
        let file = match &e {
            Error::Migration(m) => Some(m.file.clone()),
            _ => None,
        };
        let mut f = Failure::from(e);
        if let Some(file) = file {
            f.kind = FailureKind::Validation;
            f.what = format!("in the throwaway database (dropped again): {}", f.what);
            f.todo = Some(format!(
                "fix {file}, then test again; the database of the URL was not changed"
            ));
        }
        f
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.what)?;
        if let Some(todo) = &self.todo {
            write!(f, "\n  to fix: {todo}")?;
        }
        Ok(())
    }
}

const WHERE_URL: &str = "--database-url, POSTGRES_URL or DATABASE_URL";

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        match e {
            Error::NoUrl => Failure::usage("no database URL")
                .todo("pass --database-url URL, or set POSTGRES_URL or DATABASE_URL"),
            Error::Connect { target, source } => connect_failure(&target, &source),
            e @ Error::Tls { .. } => Failure::runtime(e.to_string()).todo(format!(
                "check sslmode (disable, prefer, require, verify-full) and sslrootcert in {WHERE_URL}"
            )),
            Error::Standby => Failure::runtime("the database is a read-only standby")
                .todo(format!("point {WHERE_URL} at the primary")),
            Error::ReadOnly => Failure::runtime(
                "the session is read-only although the server is a primary (default_transaction_read_only is on)",
            )
            .todo("connect as a role that may write, or run `ALTER ROLE <role> SET default_transaction_read_only = off`"),
            Error::UnknownTarget(target) => Failure::usage(format!(
                "no migration has the id or version `{target}`"
            ))
            .todo("`status` lists the ids; give an id (VERSION_name) or a version"),
            Error::Drift(drift) => {
                let ids: Vec<&str> = drift.iter().map(|d| d.id.as_str()).collect();
                Failure::validation(format!(
                    "{} applied migration(s) changed since they ran: {}; nothing was run",
                    drift.len(),
                    ids.join(", ")
                ))
                .todo("restore the files as they were applied (e.g. `git checkout` them) and put the change in a new migration")
            }
            Error::LockWait { waited, key, holder } => Failure::runtime(format!(
                "waited {waited:?} for the migration lock (advisory lock {key}) held by another runner{}",
                holder.map(|h| format!(" ({h})")).unwrap_or_default()
            ))
            .todo("wait for the other migrate to finish, then run again; if it is stuck, end its session"),
            Error::Migration(m) => {
                let todo = if m.is_lock_timeout() {
                    "another session holds a lock the migration needs: run again when it is done, raise --lock-timeout, or end it with `SELECT pg_terminate_backend(pid)`".to_string()
                } else if m.is_statement_timeout() {
                    "raise --statement-timeout, or move the slow work into its own migration (batched, or CONCURRENTLY)".to_string()
                } else {
                    format!(
                        "fix {}, then run again (migrations completed before it stay done)",
                        m.file
                    )
                };
                Failure::runtime(m.to_string()).todo(todo)
            }
            Error::Irreversible(ids) => Failure::validation(format!(
                "cannot roll back {}: its down file is empty, so rolling back would undo nothing and leave its objects behind; nothing was run",
                ids.join(", ")
            ))
            .todo("write the down SQL, roll back fewer migrations, or pass --force-irreversible to delete only their history rows"),
            e @ Error::EnumValueInOneTransaction { .. } => Failure::validation(e.to_string()),
            e @ Error::NotReversible { .. } => Failure::validation(e.to_string())
                .todo("make the down file undo everything its up file does"),
            Error::Scratch {
                name,
                target,
                source,
            } => {
                let not_created = matches!(*source, Error::Database { context: "creating it", .. });
                let inner = Failure::from(*source);
                let failure = Failure::new(
                    inner.kind,
                    format!("in the throwaway database {name} on {target}: {}", inner.what),
                );
                match inner.todo {
                    _ if not_created => failure.todo(
                        "the URL's user needs CREATEDB (`ALTER ROLE <user> CREATEDB`) to make a throwaway database",
                    ),
                    Some(todo) => failure.todo(todo),
                    None => failure,
                }
            }
            Error::SeedsBeforeMigrations { pending } => Failure::runtime(format!(
                "cannot seed: {} migration(s) are not applied yet (first: {}); seeds are written for the migrated schema",
                pending.len(),
                pending.first().map(String::as_str).unwrap_or_default()
            ))
            .todo("run `migrate` first, then `seed`"),
            Error::SeedChanged(names) => Failure::validation(format!(
                "seed(s) changed since they were applied: {}; nothing was seeded",
                names.join(", ")
            ))
            .todo("put new rows in a new seed file, or run the changed seeds again on purpose with `seed --rerun-changed`"),
            Error::BackupBeforeMigrating(b) => Failure::runtime(format!(
                "the backup before migrating failed, so nothing was migrated: {b}"
            ))
            .todo("fix the backup (see above), pass --backup-path to write it elsewhere, or --no-backup to migrate without one on purpose"),
            Error::Backup(b) => Failure::runtime(b.to_string()),
            e @ Error::Import { .. } => Failure::runtime(e.to_string()),
            other => Failure::runtime(other.to_string()),
        }
    }
}

impl From<crate::index::ScaffoldError> for Failure {
    fn from(e: crate::index::ScaffoldError) -> Self {
        let mut what = e.to_string();
        if let Some(source) = std::error::Error::source(&e) {
            what.push_str(&format!(": {source}"));
        }
        match e {
            crate::index::ScaffoldError::ReadDir { .. } => Failure::runtime(what)
                .todo("create the migration folder (`pgshift init`), or point --dir at it"),
            _ => Failure::runtime(what),
        }
    }
}

/// A connection failure, told apart: bad URL, wrong password, no such database, unreachable.
fn connect_failure(target: &str, source: &postgres::Error) -> Failure {
    let cause = describe(source);
    let code = source.code().map(|c| c.code());
    let text = source.to_string();
    if text.starts_with("invalid configuration") || text.starts_with("invalid connection string") {
        return Failure::usage(format!("the database URL {target} is not valid: {cause}"))
            .todo("write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE (percent-encode @ : / in the password) or as key=value pairs");
    }
    match code {
        Some("28P01") | Some("28000") => Failure::runtime(format!(
            "the server of {target} refused the login: {cause}"
        ))
        .todo(format!(
            "check the user and password in {WHERE_URL} (the password is never printed)"
        )),
        Some("3D000") => Failure::runtime(format!("cannot connect to {target}: {cause}"))
            .todo("create the database (`createdb NAME`) or fix its name in the URL"),
        Some(_) => Failure::runtime(format!("cannot connect to {target}: {cause}")),
        None => Failure::runtime(format!("cannot reach the server of {target}: {cause}")).todo(
            format!(
                "check that PostgreSQL runs and accepts TCP connections on that host and port ({WHERE_URL})"
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_contract() {
        assert_eq!(Failure::runtime("x").code(), 1);
        assert_eq!(Failure::usage("x").code(), 2);
        assert_eq!(Failure::validation("x").code(), 3);
        assert_eq!(Failure::from(Error::NoUrl).code(), 2);
        let drift = Failure::from(Error::Drift(vec![crate::Drift {
            id: "1_a".into(),
            applied: "aa".into(),
            current: "bb".into(),
        }]));
        assert_eq!(drift.code(), 3);
        assert!(drift.to_string().contains("\n  to fix: "), "{drift}");
    }

    #[test]
    fn a_bad_url_is_a_usage_error_without_the_password() {
        let e = crate::connect("postgres://app:s3cret@db:notaport/app")
            .err()
            .unwrap();
        let f = Failure::from(e);
        assert_eq!(f.code(), 2, "{f}");
        assert!(!f.to_string().contains("s3cret"), "{f}");
    }
}
