//! Running the built `pgshift` binary in tests, and the folders they use.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use pgshift_localpg::TestDb;
use serde_json::Value;

/// The workspace root, where the demo set `db/managed-migrations` lives.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    pub fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Runs `pgshift` in `cwd` with no database variables and no colours.
pub fn pgshift_in(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pgshift"));
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("POSTGRES_URL")
        .env_remove("DATABASE_URL")
        .env_remove("ALLOW_BREAKING_MIGRATIONS")
        .env_remove("INDEX_CONCURRENT")
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let output = cmd.output().expect("running pgshift");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs `pgshift` in the workspace root against `db`. `migrate` runs with `--no-backup` unless
/// the test asks for a backup (a default backup would land in the workspace root).
pub fn pgshift(db: &TestDb, args: &[&str]) -> Run {
    let mut all = args.to_vec();
    if all.first() == Some(&"migrate") && !all.contains(&"--backup-path") {
        all.push("--no-backup");
    }
    all.extend(["--database-url", db.url()]);
    pgshift_in(&root(), &all, &[])
}

pub fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", run.stdout, run.stderr))
}

pub const DEMO_IDS: [&str; 5] = [
    "202412010001_create_tenants",
    "202412010002_create_cases",
    "202412010003_create_case_notes",
    "202412010004_index_active_cases",
    "202412010005_add_case_priority",
];

/// A folder with the given files.
pub fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, sql) in files {
        std::fs::write(dir.path().join(name), sql).unwrap();
    }
    dir
}

/// A copy of the demo set.
pub fn demo_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(root().join("db/managed-migrations")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    dir
}

pub fn path(dir: &tempfile::TempDir) -> &str {
    dir.path().to_str().unwrap()
}

pub fn table_exists(db: &TestDb, table: &str) -> bool {
    db.connect()
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])
        .unwrap()
        .get(0)
}

/// A free TCP port nothing listens on.
pub fn dead_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

pub const BREAKING: &[(&str, &str)] = &[
    (
        "202501010000_cases.up.sql",
        "ALTER TABLE cases DROP COLUMN title;",
    ),
    (
        "202501010000_cases.down.sql",
        "ALTER TABLE cases ADD COLUMN title text;",
    ),
    ("202501020000_orphan.up.sql", "SELECT 1;"),
];
