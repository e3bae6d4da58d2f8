//! Adopting pgshift on an existing database: baseline, and taking over from diesel, sqlx and
//! refinery (folder converted by `pgshift_core::convert`, history imported from the old
//! tool's table).
//!
//! The old tools' tables are written by hand in their documented formats rather than by the
//! tools' crates: diesel links libpq (`pq-sys`), and sqlx and refinery's async drivers would
//! pull a second async runtime into the suite. The formats are those of diesel_migrations 2,
//! sqlx 0.8 and refinery 0.8.

mod common;

use std::path::Path;

use common::{BASIC, applied, set};
use pgshift::import::OtherTool;
use pgshift::{Error, MigrationState, Migrator};
use pgshift_core::convert::{self, Tool};
use pgshift_localpg::TestDb;

fn state_of(status: &pgshift::Status, id: &str) -> &'static str {
    status
        .entries
        .iter()
        .find(|e| e.id == id)
        .map(|e| e.state.label())
        .unwrap_or("missing")
}

#[test]
fn baseline_records_without_running_and_migrate_applies_only_what_follows() {
    let db = TestDb::new();
    let mut client = db.connect();
    // The schema of the first two migrations, built by hand (a database older than pgshift).
    client
        .batch_execute(
            "CREATE TABLE tenants (id bigint PRIMARY KEY, name text NOT NULL);
             CREATE TABLE cases (id bigint PRIMARY KEY, tenant_id bigint REFERENCES tenants (id), title text);
             CREATE INDEX cases_tenant_idx ON cases (tenant_id);
             INSERT INTO tenants VALUES (1, 'kept');",
        )
        .unwrap();
    let (_m, migrations) = set(BASIC);
    let report = Migrator::new(&migrations)
        .target("202501020000_cases")
        .baseline(&mut client)
        .unwrap();
    assert_eq!(
        report.baselined,
        ["202501010000_tenants", "202501020000_cases"]
    );
    assert!(
        report.to_string().starts_with("baselined 2 migration(s)"),
        "{report}"
    );

    let status = Migrator::new(&migrations).status(&mut client).unwrap();
    assert_eq!(state_of(&status, "202501010000_tenants"), "baselined");
    assert_eq!(state_of(&status, "202501030000_case_priority"), "pending");
    assert!(
        status.to_string().contains("recorded without running"),
        "{status}"
    );

    let done = Migrator::new(&migrations).migrate(&mut client).unwrap();
    let ids: Vec<&str> = done.applied.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["202501030000_case_priority"]);
    let name: String = client
        .query_one("SELECT name FROM tenants", &[])
        .unwrap()
        .get(0);
    assert_eq!(name, "kept");

    // A baselined migration rolls back with its stored down SQL like any other.
    Migrator::new(&migrations)
        .rollback(&mut client, pgshift::Rollback::Steps(2))
        .unwrap();
    assert_eq!(applied(&mut client), [202501010000]);

    // Baselining again over agreeing history records only what is missing.
    let again = Migrator::new(&migrations).baseline(&mut client).unwrap();
    assert_eq!(again.already_applied, ["202501010000_tenants"]);
}

#[test]
fn baseline_is_refused_over_history_that_disagrees() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_m, migrations) = set(BASIC);
    Migrator::new(&migrations)
        .target("202501010000")
        .migrate(&mut client)
        .unwrap();
    // The file of the applied migration changed since.
    let mut changed = BASIC.to_vec();
    changed[0].1 = "CREATE TABLE tenants (id bigint PRIMARY KEY, name text NOT NULL, slug text);";
    let (_c, other) = set(&changed);
    let err = Migrator::new(&other).baseline(&mut client).unwrap_err();
    assert!(matches!(err, Error::Drift(_)), "{err:?}");
    assert_eq!(applied(&mut client), [202501010000], "nothing recorded");

    // History this set does not know.
    let (_d, fewer) = set(&BASIC[2..]);
    let err = Migrator::new(&fewer).baseline(&mut client).unwrap_err();
    assert!(matches!(err, Error::UnknownApplied(_)), "{err:?}");
    assert_eq!(applied(&mut client), [202501010000]);
}

#[test]
fn baseline_if_empty_acts_only_on_a_database_without_history() {
    let (_m, migrations) = set(BASIC);
    let fresh = TestDb::new();
    let mut client = fresh.connect();
    let r = Migrator::new(&migrations)
        .target("202501010000")
        .baseline_if_empty(&mut client)
        .unwrap();
    assert_eq!(r.baselined, ["202501010000_tenants"]);
    let r = Migrator::new(&migrations)
        .baseline_if_empty(&mut client)
        .unwrap();
    assert!(
        r.baselined.is_empty(),
        "a database with history is left alone: {r}"
    );
    assert_eq!(applied(&mut client), [202501010000]);
}

/// A converted folder, and the map it came with.
fn converted(
    tool: Tool,
    files: &[(&str, &str)],
) -> (tempfile::TempDir, pgshift::Migrations, Vec<(String, i64)>) {
    let src = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = src.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let into = out.path().join("db/managed-migrations");
    convert::convert(tool, src.path(), &into).unwrap();
    let map = convert::read_map(&std::fs::read_to_string(into.join(convert::MAP_FILE)).unwrap());
    let migrations = common::load(&into);
    (out, migrations, map)
}

/// Applies the first `n` up files by hand, as the old tool did, then imports and migrates.
fn take_over(tool: Tool, other: OtherTool, files: &[(&str, &str)], old_table: &str) {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_dir, migrations, map) = converted(tool, files);
    // The old tool applied the first two migrations.
    for m in migrations.iter().take(2) {
        client.batch_execute(&m.up.sql).unwrap();
    }
    client.batch_execute(old_table).unwrap();
    let before: i64 = client
        .query_one(&format!("SELECT count(*) FROM {}", other.table()), &[])
        .unwrap()
        .get(0);

    let report = Migrator::new(&migrations)
        .import_history(&mut client, other, &map)
        .unwrap();
    assert_eq!(report.baselined.len(), 2, "{report}");
    let status = Migrator::new(&migrations).status(&mut client).unwrap();
    let states: Vec<&str> = status.entries.iter().map(|e| e.state.label()).collect();
    assert_eq!(states, ["baselined", "baselined", "pending"]);
    assert!(matches!(
        status.entries[0].state,
        MigrationState::Baselined { .. }
    ));

    let done = Migrator::new(&migrations).migrate(&mut client).unwrap();
    assert_eq!(done.applied.len(), 1, "only the new migration runs");
    assert_eq!(done.applied[0].id, migrations.as_slice()[2].id);
    let after: i64 = client
        .query_one(&format!("SELECT count(*) FROM {}", other.table()), &[])
        .unwrap()
        .get(0);
    assert_eq!(before, after, "the old table is left untouched");

    // Importing twice changes nothing.
    let again = Migrator::new(&migrations)
        .import_history(&mut client, other, &map)
        .unwrap();
    assert!(again.baselined.is_empty());
}

#[test]
fn a_diesel_database_continues_where_diesel_stopped() {
    take_over(
        Tool::Diesel,
        OtherTool::Diesel,
        &[
            ("2023-01-02-030405_create_tenants/up.sql", "CREATE TABLE tenants (id bigint PRIMARY KEY);"),
            ("2023-01-02-030405_create_tenants/down.sql", "DROP TABLE tenants;"),
            ("2023-02-01-000000_Create-Cases/up.sql", "CREATE TABLE cases (id bigint PRIMARY KEY, tenant_id bigint);"),
            ("2023-02-01-000000_Create-Cases/down.sql", "DROP TABLE cases;"),
            ("2023-03-01-000000_add_title/up.sql", "ALTER TABLE cases ADD COLUMN title text;"),
            ("2023-03-01-000000_add_title/down.sql", "ALTER TABLE cases DROP COLUMN title;"),
        ],
        // diesel_migrations 2: version varchar(50) PRIMARY KEY, run_on timestamp.
        "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);
         INSERT INTO __diesel_schema_migrations (version) VALUES ('20230102030405'), ('20230201000000');",
    );
}

#[test]
fn a_sqlx_database_continues_where_sqlx_stopped() {
    take_over(
        Tool::Sqlx,
        OtherTool::Sqlx,
        &[
            ("20230102030405_create_tenants.up.sql", "CREATE TABLE tenants (id bigint PRIMARY KEY);"),
            ("20230102030405_create_tenants.down.sql", "DROP TABLE tenants;"),
            ("20230201000000_create_cases.sql", "CREATE TABLE cases (id bigint PRIMARY KEY, tenant_id bigint);"),
            ("20230301000000_add_title.sql", "ALTER TABLE cases ADD COLUMN title text;"),
        ],
        // sqlx 0.8: the row of a failed migration has success = false and must not count.
        "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMPTZ NOT NULL DEFAULT now(),
           success BOOLEAN NOT NULL, checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL);
         INSERT INTO _sqlx_migrations VALUES (20230102030405, 'create tenants', now(), true, '\\x00', 1),
           (20230201000000, 'create cases', now(), true, '\\x00', 1);",
    );
}

#[test]
fn a_refinery_database_continues_where_refinery_stopped() {
    take_over(
        Tool::Refinery,
        OtherTool::Refinery,
        &[
            ("V1__create_tenants.sql", "CREATE TABLE tenants (id bigint PRIMARY KEY);"),
            ("V2__create_cases.sql", "CREATE TABLE cases (id bigint PRIMARY KEY, tenant_id bigint);"),
            ("V3__add_title.sql", "ALTER TABLE cases ADD COLUMN title text;"),
        ],
        // refinery 0.8: version INT4 PRIMARY KEY, name, applied_on, checksum (varchar).
        "CREATE TABLE refinery_schema_history (version INT4 PRIMARY KEY, name VARCHAR(255), applied_on VARCHAR(255), checksum VARCHAR(255));
         INSERT INTO refinery_schema_history VALUES (1, 'create_tenants', '2023-01-01T00:00:00Z', '1'), (2, 'create_cases', '2023-01-02T00:00:00Z', '2');",
    );
}

#[test]
fn importing_history_the_folder_does_not_have_is_refused_and_records_nothing() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_dir, migrations, map) = converted(
        Tool::Refinery,
        &[(
            "V1__create_tenants.sql",
            "CREATE TABLE tenants (id bigint PRIMARY KEY);",
        )],
    );
    client
        .batch_execute(
            "CREATE TABLE refinery_schema_history (version INT4 PRIMARY KEY, name VARCHAR(255), applied_on VARCHAR(255), checksum VARCHAR(255));
             INSERT INTO refinery_schema_history VALUES (1, 'a', '', ''), (7, 'lost', '', '');",
        )
        .unwrap();
    let err = Migrator::new(&migrations)
        .import_history(&mut client, OtherTool::Refinery, &map)
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("1 applied migration(s) this set does not have: 7"),
        "{message}"
    );
    let exists: bool = client
        .query_one("SELECT to_regclass('managed_migrations') IS NOT NULL", &[])
        .unwrap()
        .get(0);
    assert!(!exists || applied(&mut client).is_empty());

    let err = Migrator::new(&migrations)
        .import_history(&mut client, OtherTool::Diesel, &map)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("`__diesel_schema_migrations`: the table does not exist"),
        "{err}"
    );
}

#[test]
fn the_demo_folder_is_refused_by_convert() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("db/managed-migrations");
    let out = tempfile::tempdir().unwrap();
    let err = convert::convert(Tool::Sqlx, &demo, out.path()).unwrap_err();
    assert!(
        err.to_string()
            .contains("already a pgshift migration folder"),
        "{err}"
    );
}
