//! Taking a backup: `pg_dump` into a private temporary file, renamed into place when complete.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::tools::{find_tool, run};
use super::{BackupError, BackupFormat, CUSTOM_MAGIC, ends_complete};
use crate::connect::libpq_env;
use crate::error::Error;

/// A finished backup.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BackupFile {
    /// Where it is.
    pub path: PathBuf,
    /// Its format.
    pub format: BackupFormat,
    /// Its size in bytes.
    pub bytes: u64,
}

/// Backs the database of `url` up to `path` with `pg_dump` (custom format, or plain SQL for a
/// `*.sql` path). The file appears only when the dump is complete; it is created `0600`.
pub fn backup(url: &str, path: impl AsRef<Path>) -> Result<BackupFile, Error> {
    let path = path.as_ref();
    let format = BackupFormat::for_path(path);
    let path = dump(url, path, format)?;
    let bytes = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    Ok(BackupFile {
        path,
        format,
        bytes,
    })
}

/// Runs `pg_dump` into a temporary `0600` file next to `path`, then renames it into place.
pub(crate) fn dump(url: &str, path: &Path, format: BackupFormat) -> Result<PathBuf, BackupError> {
    let env = libpq_env(url).map_err(|e| BackupError::Hook(e.to_string()))?;
    let pg_dump = find_tool("pg_dump", "PG_DUMP")?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let io = |action, source| BackupError::Io {
        action,
        path: path.to_path_buf(),
        source,
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".pgshift-backup-")
        .suffix(".partial")
        .permissions(private_permissions())
        .tempfile_in(&dir)
        .map_err(|e| io("create the backup file", e))?;
    let out = temp
        .as_file()
        .try_clone()
        .map_err(|e| io("create the backup file", e))?;
    let format_arg = match format {
        BackupFormat::Custom => "--format=custom",
        BackupFormat::Plain => "--format=plain",
    };
    run(
        Command::new(&pg_dump)
            .args([format_arg, "--no-password"])
            .stdout(out),
        "pg_dump",
        &env,
    )?;
    temp.as_file_mut()
        .flush()
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| io("write the backup file", e))?;
    let complete = match format {
        BackupFormat::Plain => ends_complete(temp.path())?,
        BackupFormat::Custom => temp
            .as_file()
            .metadata()
            .map(|m| m.len() > CUSTOM_MAGIC.len() as u64)
            .unwrap_or(false),
    };
    if !complete {
        return Err(BackupError::Incomplete(path.to_path_buf()));
    }
    temp.persist(path)
        .map_err(|e| io("move the finished backup to", e.error))?;
    log::info!(
        "backed the database up to {} ({format} format)",
        path.display()
    );
    Ok(path.to_path_buf())
}

#[cfg(unix)]
fn private_permissions() -> fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    fs::Permissions::from_mode(0o600)
}

#[cfg(not(unix))]
fn private_permissions() -> fs::Permissions {
    fs::metadata(".")
        .map(|m| m.permissions())
        .unwrap_or_else(|_| unreachable!())
}
