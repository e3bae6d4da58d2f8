//! Backups with `pg_dump`, before migrating and on demand, and restoring them.
//!
//! - **Finding the tools**: `pg_dump` from `PG_DUMP`, else `PATH`, else the PostgreSQL bin
//!   directories (`pg_config --bindir`, `/usr/lib/postgresql/<newest>/bin`, ...); `psql` and
//!   `pg_restore` likewise (`PSQL`, `PG_RESTORE`), and first next to the `pg_dump` found.
//! - **Secrets**: the child gets the server, user, password and TLS settings of the URL through
//!   the libpq environment (`PGHOST`, `PGPASSWORD`, `PGSSLMODE`, `PGSSLROOTCERT`, ...): its
//!   arguments hold no URL and no password, and nothing here prints one.
//! - **Writing**: the dump goes to a temporary file next to the target, created `0600`, and is
//!   renamed into place only after `pg_dump` exited 0 with a non-empty, complete dump.
//! - **Formats**: custom (`pg_dump -Fc`, the default) or plain SQL (the default for a path
//!   ending in `.sql`). [`restore`] tells them apart by content, not by name.
//! - **Restoring** returns the database to the state of the backup, history tables included,
//!   or leaves it untouched: in one transaction, every schema of the database is dropped,
//!   then the dump's SQL runs, stopping at the first error (which rolls everything back).
//!   A custom-format dump is first turned into SQL by `pg_restore` into a private temporary
//!   file, so a truncated archive fails before anything is sent.

mod dump;
mod restore;
mod tools;

use std::fmt;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::migration::Migration;

pub(crate) use dump::dump;
pub use dump::{BackupFile, backup};
pub use tools::find_tool;

/// The last line a complete plain-format dump ends with.
const PLAIN_END: &str = "-- PostgreSQL database dump complete";
/// The first line of a plain-format dump.
const PLAIN_START: &str = "-- PostgreSQL database dump";
/// The first bytes of a custom-format archive.
const CUSTOM_MAGIC: &[u8] = b"PGDMP";

/// A backup's file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BackupFormat {
    /// `pg_dump --format=custom`: compressed, restored with `pg_restore`.
    Custom,
    /// `pg_dump --format=plain`: SQL text, restored with `psql` (the original service's `db.sql`).
    Plain,
}

impl BackupFormat {
    /// The format for a path: plain for `*.sql`, custom otherwise.
    pub fn for_path(path: &Path) -> BackupFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("sql") => BackupFormat::Plain,
            _ => BackupFormat::Custom,
        }
    }

    /// The format of an existing file, from its first bytes; `None` when it is no pg_dump output.
    pub fn detect(head: &[u8]) -> Option<BackupFormat> {
        if head.starts_with(CUSTOM_MAGIC) {
            return Some(BackupFormat::Custom);
        }
        let text = String::from_utf8_lossy(head);
        let text = text.trim_start_matches('\u{feff}');
        text.lines()
            .take(8)
            .any(|l| l.trim_end() == PLAIN_START)
            .then_some(BackupFormat::Plain)
    }
}

impl fmt::Display for BackupFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BackupFormat::Custom => "custom",
            BackupFormat::Plain => "plain SQL",
        })
    }
}

/// Why a backup or restore failed. Each message says what happened and what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackupError {
    /// The program (`pg_dump`, `psql`, `pg_restore`) is nowhere to be found.
    #[error(
        "`{tool}` not found (looked in ${env}, PATH and the PostgreSQL bin directories); install the PostgreSQL \
         client programs (Debian: `apt-get install postgresql-client`) or set {env} to its path"
    )]
    ToolNotFound {
        /// The program.
        tool: &'static str,
        /// The variable that names it.
        env: &'static str,
    },
    /// The program could not be started.
    #[error("cannot run `{}`: {source}", .path.display())]
    Spawn {
        /// Its path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The program failed.
    #[error("`{tool}` failed ({status}): {}{}", .stderr.trim(), tool_hint(.stderr))]
    Failed {
        /// The program.
        tool: &'static str,
        /// Its exit status.
        status: String,
        /// What it printed on stderr.
        stderr: String,
    },
    /// Reading or writing a file failed.
    #[error("cannot {action} `{}`: {source}", .path.display())]
    Io {
        /// What was being done (`create the backup file`).
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// `pg_dump` exited 0 but wrote nothing, or an incomplete dump.
    #[error("`pg_dump` wrote an empty or incomplete dump for `{}`; nothing was kept", .0.display())]
    Incomplete(PathBuf),
    /// The file to restore is not a pg_dump output, or was cut short.
    #[error("`{}` {why}; nothing was restored", .path.display())]
    NotABackup {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        why: String,
    },
    /// A custom backup hook failed.
    #[error("the backup hook failed: {0}")]
    Hook(String),
}

fn tool_hint(stderr: &str) -> &'static str {
    if stderr.contains("server version mismatch") {
        "; use a pg_dump at least as new as the server (set PG_DUMP to its path)"
    } else if stderr.contains("No space left on device") {
        "; free disk space where the backup is written, or pass another path"
    } else if stderr.contains("password authentication failed") {
        "; check the password in the database URL"
    } else {
        ""
    }
}

/// What a [`BackupHook`] is told before migrating.
#[derive(Debug)]
#[non_exhaustive]
pub struct BackupContext<'a> {
    /// `current_database()`.
    pub database: &'a str,
    /// The server's time, UTC, as `YYYYMMDDTHHMMSSZ`.
    pub time: &'a str,
    /// The id of the last migration this run will apply.
    pub target: &'a str,
    /// The migrations this run will apply, in order.
    pub plan: &'a [&'a Migration],
}

/// Something that backs the database up before migrations run (a cloud snapshot, say).
/// Closures `Fn(&BackupContext) -> Result<(), E>` are hooks.
pub trait BackupHook: Send + Sync {
    /// Takes the backup; an error stops the migration before anything runs.
    fn backup(
        &self,
        context: &BackupContext<'_>,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>>;
}

impl<F, E> BackupHook for F
where
    F: Fn(&BackupContext<'_>) -> Result<(), E> + Send + Sync,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    fn backup(
        &self,
        context: &BackupContext<'_>,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self(context).map_err(Into::into)
    }
}

/// What [`Migrator::migrate`](crate::Migrator::migrate) does before the first pending migration.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum Backup {
    /// No backup (the library's default; the `pgshift` CLI backs up unless `--no-backup`).
    #[default]
    Skip,
    /// `pg_dump` of the URL's database to `path`, or to [`default_file_name`] in the current
    /// directory.
    PgDump {
        /// The database, as a URL or key-value string (its password goes to the child's
        /// environment only).
        url: String,
        /// Where the dump goes.
        path: Option<PathBuf>,
    },
    /// A custom hook.
    Hook(Arc<dyn BackupHook>),
}

impl Backup {
    /// `pg_dump` of `url` before migrating, to `path` or the default name.
    pub fn pg_dump(url: impl Into<String>, path: Option<PathBuf>) -> Backup {
        Backup::PgDump {
            url: url.into(),
            path,
        }
    }

    /// A custom hook before migrating.
    pub fn hook(hook: impl BackupHook + 'static) -> Backup {
        Backup::Hook(Arc::new(hook))
    }

    /// Where the backup goes for a run against `database` at `time` up to `target`, for the
    /// dry run: `None` when there is no backup.
    pub fn describe(&self, database: &str, time: &str, target: &str) -> Option<String> {
        match self {
            Backup::Skip => None,
            Backup::PgDump { path, .. } => Some(match path {
                Some(p) => format!("pg_dump to {}", p.display()),
                None => format!("pg_dump to {}", default_file_name(database, time, target)),
            }),
            Backup::Hook(_) => Some("the custom backup hook".into()),
        }
    }

    /// Takes the backup before migrating `plan` (not empty).
    pub(crate) fn run(&self, context: &BackupContext<'_>) -> Result<Option<PathBuf>, BackupError> {
        match self {
            Backup::Skip => Ok(None),
            Backup::Hook(hook) => {
                hook.backup(context)
                    .map_err(|e| BackupError::Hook(e.to_string()))?;
                Ok(None)
            }
            Backup::PgDump { url, path } => {
                let path = path.clone().unwrap_or_else(|| {
                    PathBuf::from(default_file_name(
                        context.database,
                        context.time,
                        context.target,
                    ))
                });
                dump(url, &path, BackupFormat::for_path(&path)).map(Some)
            }
        }
    }
}

impl fmt::Debug for Backup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Backup::Skip => f.write_str("Skip"),
            Backup::PgDump { path, .. } => f
                .debug_struct("PgDump")
                .field("url", &"<redacted>")
                .field("path", path)
                .finish(),
            Backup::Hook(_) => f.write_str("Hook(..)"),
        }
    }
}

/// The default backup file name: `<database>-<UTC time>-before-<target>.dump`, with every
/// character outside `[A-Za-z0-9_.-]` of the database name replaced by `_`.
///
/// ```
/// assert_eq!(
///     pgshift::backup::default_file_name("app/prod", "20261202T101500Z", "202412010005_add_case_priority"),
///     "app_prod-20261202T101500Z-before-202412010005_add_case_priority.dump"
/// );
/// ```
pub fn default_file_name(database: &str, time: &str, target: &str) -> String {
    let safe = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "_.-".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!(
        "{}-{}-before-{}.dump",
        safe(database),
        safe(time),
        safe(target)
    )
}

/// Whether a plain dump ends with the completion marker (then only `--`, blank lines and
/// `\unrestrict`).
fn ends_complete(path: &Path) -> Result<bool, BackupError> {
    use std::io::{Seek, SeekFrom};
    let io = |source| BackupError::Io {
        action: "read the backup",
        path: path.to_path_buf(),
        source,
    };
    let mut f = fs::File::open(path).map_err(io)?;
    let len = f.metadata().map_err(io)?.len();
    let tail_len = len.min(4096);
    f.seek(SeekFrom::Start(len - tail_len)).map_err(io)?;
    let mut tail = Vec::new();
    f.read_to_end(&mut tail).map_err(io)?;
    let tail = String::from_utf8_lossy(&tail);
    // pg_dump since 17.6/16.10/15.14 closes with `\unrestrict <key>` after the marker.
    Ok(tail
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty() && !l.starts_with("\\unrestrict ") && l.trim() != "--")
        .is_some_and(|l| l.trim_end() == PLAIN_END))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_by_content() {
        assert_eq!(
            BackupFormat::detect(b"PGDMP\x01\x0e"),
            Some(BackupFormat::Custom)
        );
        assert_eq!(
            BackupFormat::detect(b"--\n-- PostgreSQL database dump\n--\n"),
            Some(BackupFormat::Plain)
        );
        assert_eq!(BackupFormat::detect(b"CREATE TABLE t ();"), None);
        assert_eq!(BackupFormat::detect(b""), None);
    }

    #[test]
    fn paths_choose_the_format_of_new_backups() {
        assert_eq!(
            BackupFormat::for_path(Path::new("db.sql")),
            BackupFormat::Plain
        );
        assert_eq!(
            BackupFormat::for_path(Path::new("db.SQL")),
            BackupFormat::Plain
        );
        assert_eq!(
            BackupFormat::for_path(Path::new("db.dump")),
            BackupFormat::Custom
        );
        assert_eq!(
            BackupFormat::for_path(Path::new("db")),
            BackupFormat::Custom
        );
    }

    #[test]
    fn default_names_cannot_escape_the_folder() {
        let name = default_file_name("../../etc/passwd", "20260101T000000Z", "1_x");
        assert!(!name.contains('/'), "{name}");
        assert_eq!(name, ".._.._etc_passwd-20260101T000000Z-before-1_x.dump");
    }

    #[test]
    fn the_url_of_a_debug_print_is_hidden() {
        let b = Backup::pg_dump("postgres://u:hunter2@h/db", None);
        assert!(!format!("{b:?}").contains("hunter2"));
    }
}
