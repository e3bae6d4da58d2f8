//! Restoring a backup: all of it in one transaction, or nothing.

use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::Command;

use super::tools::{find_tool, run};
use super::{BackupError, BackupFormat, ends_complete};
use crate::connect::libpq_env;
use crate::error::Error;

/// Restores the backup at `path` (custom or plain format, told by content) into the database
/// of `url`, returning it to the state at backup time, or leaving it as it was when anything
/// fails. [`Migrator::restore`](crate::Migrator::restore) calls it under the migration lock.
pub(crate) fn restore_file(url: &str, path: &Path) -> Result<BackupFormat, BackupError> {
    let mut head = vec![0u8; 4096];
    let n = fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|source| BackupError::Io {
            action: "read the backup",
            path: path.to_path_buf(),
            source,
        })?;
    head.truncate(n);
    let format = BackupFormat::detect(&head).ok_or_else(|| BackupError::NotABackup {
        path: path.to_path_buf(),
        why: "is not a pg_dump backup (neither a custom-format archive nor a plain SQL dump)"
            .into(),
    })?;
    let env = libpq_env(url).map_err(|e| BackupError::Hook(e.to_string()))?;
    let private = tempfile::Builder::new()
        .prefix(".pgshift-restore-")
        .tempdir()
        .map_err(|source| BackupError::Io {
            action: "create a temporary folder for",
            path: path.to_path_buf(),
            source,
        })?;
    let script = match format {
        BackupFormat::Plain => path.to_path_buf(),
        BackupFormat::Custom => {
            let script = private.path().join("restore.sql");
            let pg_restore = find_tool("pg_restore", "PG_RESTORE")?;
            run(
                Command::new(&pg_restore)
                    .arg("--file")
                    .arg(&script)
                    .arg(path),
                "pg_restore",
                &[],
            )
            .map_err(|e| match e {
                BackupError::Failed { stderr, .. } => BackupError::NotABackup {
                    path: path.to_path_buf(),
                    why: format!(
                        "cannot be read as a custom-format archive ({})",
                        stderr.trim()
                    ),
                },
                e => e,
            })?;
            script
        }
    };
    if !ends_complete(&script)? {
        return Err(BackupError::NotABackup {
            path: path.to_path_buf(),
            why: "is cut short (a complete dump ends with `-- PostgreSQL database dump complete`)"
                .into(),
        });
    }
    let psql = find_tool("psql", "PSQL")?;
    run(
        Command::new(&psql)
            .args([
                "--no-psqlrc",
                "--quiet",
                "--no-password",
                "--single-transaction",
            ])
            .args(["--set", "ON_ERROR_STOP=1"])
            .arg("--command")
            .arg(WIPE_SQL)
            .arg("--file")
            .arg(&script),
        "psql",
        &env,
    )?;
    Ok(format)
}

/// Drops every schema of the database (system ones excepted) and recreates `public` as
/// PostgreSQL 15 creates it: the dump then recreates everything as it was. Runs in the
/// restore's single transaction, so a failure later undoes it.
const WIPE_SQL: &str = "DO $pgshift$ DECLARE s name; BEGIN \
FOR s IN SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') \
AND nspname NOT LIKE 'pg\\_temp\\_%' AND nspname NOT LIKE 'pg\\_toast\\_temp\\_%' LOOP \
EXECUTE format('DROP SCHEMA %I CASCADE', s); END LOOP; \
CREATE SCHEMA public AUTHORIZATION pg_database_owner; GRANT USAGE ON SCHEMA public TO PUBLIC; \
COMMENT ON SCHEMA public IS 'standard public schema'; END $pgshift$";

impl crate::Migrator<'_> {
    /// Restores the backup at `path` into the database of `url` (see the module docs for its
    /// guarantees), holding this migrator's migration lock meanwhile so no
    /// runner migrates during it. Returns the format found.
    ///
    /// ```no_run
    /// static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!("../db/managed-migrations");
    ///
    /// let url = pgshift::url_from_env().expect("POSTGRES_URL");
    /// pgshift::backup::backup(&url, "db.sql")?;
    /// // ... later, after migrations and writes:
    /// pgshift::Migrator::new(&MIGRATIONS).restore(&url, "db.sql")?;
    /// # Ok::<(), pgshift::Error>(())
    /// ```
    pub fn restore(&self, url: &str, path: impl AsRef<Path>) -> Result<BackupFormat, Error> {
        let mut client = crate::connect(url)?;
        let (guard, _) = crate::lock::LockGuard::acquire(
            &mut client,
            self.lock_key(),
            self.advisory_lock_timeout,
            "SELECT 1",
        )?;
        let format = restore_file(url, path.as_ref())?;
        drop(guard);
        log::info!("restored {} ({format} format)", path.as_ref().display());
        Ok(format)
    }
}
