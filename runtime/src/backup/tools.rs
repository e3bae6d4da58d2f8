//! Finding and running the PostgreSQL client programs.

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::BackupError;

/// Runs a client program with the libpq environment `env` (and none of the caller's `PG*`
/// variables that could point it elsewhere); stdin closed, stderr captured.
pub(super) fn run(
    command: &mut Command,
    tool: &'static str,
    env: &[(&'static str, String)],
) -> Result<(), BackupError> {
    for (key, _) in std::env::vars_os() {
        if key.to_str().is_some_and(|k| {
            k.starts_with("PG") && k != "PG_DUMP" && k != "PSQL" && k != "PG_RESTORE"
        }) {
            command.env_remove(key);
        }
    }
    for (key, value) in env {
        command.env(key, value);
    }
    command.stdin(Stdio::null()).stderr(Stdio::piped());
    if command.get_program().is_empty() {
        return Err(BackupError::ToolNotFound { tool, env: "PATH" });
    }
    let child = command.spawn().map_err(|source| BackupError::Spawn {
        path: PathBuf::from(command.get_program()),
        source,
    })?;
    let output = child
        .wait_with_output()
        .map_err(|source| BackupError::Spawn {
            path: PathBuf::from(command.get_program()),
            source,
        })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(BackupError::Failed {
            tool,
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        })
    }
}

/// Finds a PostgreSQL client program: `$env`, then next to `$PG_DUMP`, then `PATH`, then the
/// PostgreSQL bin directories (newest version first).
pub fn find_tool(tool: &'static str, env: &'static str) -> Result<PathBuf, BackupError> {
    if let Some(path) = std::env::var_os(env).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(BackupError::Spawn {
                path,
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("${env} names no file"),
                ),
            })
        };
    }
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(dump) = std::env::var_os("PG_DUMP").map(PathBuf::from)
        && let Some(parent) = dump.parent()
    {
        dirs.push(parent.to_path_buf());
    }
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    dirs.extend(bin_dirs());
    dirs.into_iter()
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
        .ok_or(BackupError::ToolNotFound { tool, env })
}

/// `pg_config --bindir` and `/usr/lib/postgresql/*/bin`, newest first.
fn bin_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Ok(out) = Command::new("pg_config")
        .arg("--bindir")
        .stderr(Stdio::null())
        .output()
        && out.status.success()
    {
        dirs.push(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            Some((v, e.path().join("bin")))
        })
        .collect();
    versions.sort_by_key(|v| std::cmp::Reverse(v.0));
    dirs.extend(versions.into_iter().map(|(_, p)| p));
    dirs
}
