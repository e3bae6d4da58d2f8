//! Helpers shared by the integration tests: migration folders written on the fly, loaded
//! with the same analysis the macro runs.

#![allow(dead_code)]

use std::path::Path;

use pgshift::Migrations;

/// A temporary migration folder with `(file name, SQL)` entries.
pub fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("pgshift-migrations-")
        .tempdir()
        .unwrap();
    for (name, sql) in files {
        std::fs::write(dir.path().join(name), sql).unwrap();
    }
    dir
}

/// Loads a folder written by [`folder`]; panics with the diagnostics if it does not analyse.
pub fn load(dir: &Path) -> Migrations {
    match pgshift::load::load_dir(
        dir,
        "db/managed-migrations",
        &pgshift_core::Options::default(),
    ) {
        Ok((m, _)) => m,
        Err(diags) => panic!(
            "{}",
            diags
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n\n")
        ),
    }
}

/// Writes and loads a set in one go.
pub fn set(files: &[(&str, &str)]) -> (tempfile::TempDir, Migrations) {
    let dir = folder(files);
    let migrations = load(dir.path());
    (dir, migrations)
}

/// The three-migration set most tests use.
pub const BASIC: &[(&str, &str)] = &[
    (
        "202501010000_tenants.up.sql",
        "CREATE TABLE tenants (id bigint PRIMARY KEY, name text NOT NULL);",
    ),
    ("202501010000_tenants.down.sql", "DROP TABLE tenants;"),
    (
        "202501020000_cases.up.sql",
        "CREATE TABLE cases (id bigint PRIMARY KEY, tenant_id bigint REFERENCES tenants (id), title text);\nCREATE INDEX cases_tenant_idx ON cases (tenant_id);",
    ),
    ("202501020000_cases.down.sql", "DROP TABLE cases;"),
    (
        "202501030000_case_priority.up.sql",
        "ALTER TABLE cases ADD COLUMN priority int NOT NULL DEFAULT 3;",
    ),
    (
        "202501030000_case_priority.down.sql",
        "ALTER TABLE cases DROP COLUMN priority;",
    ),
];

/// Versions in the history table, in order.
pub fn applied(client: &mut postgres::Client) -> Vec<i64> {
    client
        .query(
            "SELECT version FROM managed_migrations ORDER BY version",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// Whether a table exists.
pub fn table_exists(client: &mut postgres::Client, name: &str) -> bool {
    client
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&name])
        .unwrap()
        .get(0)
}

/// Columns of a table, in order.
pub fn columns(client: &mut postgres::Client, table: &str) -> Vec<String> {
    client
        .query(
            "SELECT attname::text FROM pg_attribute WHERE attrelid = $1::text::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            &[&table],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// Whether an index is valid (`None` when it does not exist).
pub fn index_valid(client: &mut postgres::Client, index: &str) -> Option<bool> {
    client
        .query_opt(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass($1)",
            &[&index],
        )
        .unwrap()
        .map(|r| r.get(0))
}
