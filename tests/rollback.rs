//! Rolling back: by steps, to a migration, with down SQL from the binary or from the history.

mod common;

use common::*;
use pgshift::{DownSource, Error, Migrator, Rollback};
use pgshift_localpg::TestDb;

#[test]
fn rollback_steps_runs_down_files_newest_first() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_dir, set) = set(BASIC);
    let migrator = Migrator::new(&set);
    migrator.migrate(&mut client).unwrap();

    let report = migrator.rollback(&mut client, Rollback::Steps(2)).unwrap();
    let ids: Vec<&str> = report.rolled_back.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["202501030000_case_priority", "202501020000_cases"]);
    assert!(
        report
            .rolled_back
            .iter()
            .all(|r| r.source == DownSource::Binary)
    );
    assert_eq!(applied(&mut client), [202501010000]);
    assert!(!table_exists(&mut client, "cases"));
    assert!(table_exists(&mut client, "tenants"));

    // Rolling back more steps than applied stops at zero.
    let report = migrator.rollback(&mut client, Rollback::Steps(5)).unwrap();
    assert_eq!(report.rolled_back.len(), 1);
    assert!(applied(&mut client).is_empty());
    assert_eq!(
        migrator
            .rollback(&mut client, Rollback::Steps(1))
            .unwrap()
            .to_string(),
        "nothing to roll back"
    );
}

#[test]
fn rollback_to_keeps_the_target_applied() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_dir, set) = set(BASIC);
    let migrator = Migrator::new(&set);
    migrator.migrate(&mut client).unwrap();

    let report = migrator
        .rollback(&mut client, Rollback::To("202501010000_tenants".into()))
        .unwrap();
    assert_eq!(report.rolled_back.len(), 2);
    assert_eq!(applied(&mut client), [202501010000]);

    let err = migrator
        .rollback(&mut client, Rollback::To("202501030000".into()))
        .unwrap_err();
    assert!(
        matches!(err, Error::RollbackTargetNotApplied { ref id } if id == "202501030000_case_priority"),
        "{err}"
    );
    assert!(err.to_string().contains("it is not applied"), "{err}");
    let err = migrator
        .rollback(&mut client, Rollback::To("209901010000_nope".into()))
        .unwrap_err();
    assert!(matches!(err, Error::UnknownTarget(_)), "{err}");

    // Reapplying after a rollback works.
    assert_eq!(migrator.migrate(&mut client).unwrap().applied.len(), 2);
}

#[test]
fn an_older_binary_rolls_back_a_migration_it_does_not_know_from_the_history() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_dir, newer) = set(BASIC);
    Migrator::new(&newer).migrate(&mut client).unwrap();

    let (_dir2, older) = set(&BASIC[..4]);
    let report = Migrator::new(&older)
        .rollback(&mut client, Rollback::Steps(1))
        .unwrap();
    assert_eq!(report.rolled_back[0].id, "202501030000_case_priority");
    assert_eq!(report.rolled_back[0].source, DownSource::History);
    assert_eq!(columns(&mut client, "cases"), ["id", "tenant_id", "title"]);
    assert_eq!(applied(&mut client), [202501010000, 202501020000]);
}

#[test]
fn down_files_with_statements_outside_a_transaction_roll_back() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_dir, set) = set(&[
        (
            "202501010000_items.up.sql",
            "CREATE TABLE items (id int, sku text);",
        ),
        ("202501010000_items.down.sql", "DROP TABLE items;"),
        (
            "202501020000_sku_idx.up.sql",
            "CREATE INDEX CONCURRENTLY items_sku_idx ON items (sku);",
        ),
        (
            "202501020000_sku_idx.down.sql",
            "DROP INDEX CONCURRENTLY items_sku_idx;",
        ),
    ]);
    let migrator = Migrator::new(&set);
    migrator.migrate(&mut client).unwrap();
    assert!(table_exists(&mut client, "items_sku_idx"));
    migrator.rollback(&mut client, Rollback::Steps(1)).unwrap();
    assert!(!table_exists(&mut client, "items_sku_idx"));
    assert_eq!(applied(&mut client), [202501010000]);

    // The stored down SQL keeps its step plan too: an older binary can run it.
    migrator.migrate(&mut client).unwrap();
    let (_dir2, older) = common::set(&[
        (
            "202501010000_items.up.sql",
            "CREATE TABLE items (id int, sku text);",
        ),
        ("202501010000_items.down.sql", "DROP TABLE items;"),
    ]);
    let report = Migrator::new(&older)
        .rollback(&mut client, Rollback::Steps(1))
        .unwrap();
    assert_eq!(report.rolled_back[0].source, DownSource::History);
    assert!(!table_exists(&mut client, "items_sku_idx"));
}

#[test]
fn a_failing_down_file_keeps_the_history_row() {
    let db = TestDb::new();
    let mut client = db.connect();
    let mut files = BASIC.to_vec();
    files[5].1 = "ALTER TABLE cases DROP COLUMN no_such_column;";
    let (_dir, set) = set(&files);
    let migrator = Migrator::new(&set);
    migrator.migrate(&mut client).unwrap();

    let err = migrator
        .rollback(&mut client, Rollback::Steps(1))
        .unwrap_err();
    let Error::Migration(m) = &err else {
        panic!("{err}")
    };
    assert_eq!(m.direction, pgshift::Direction::Down);
    assert_eq!(
        m.file,
        "db/managed-migrations/202501030000_case_priority.down.sql"
    );
    assert_eq!(m.sqlstate.as_deref(), Some("42703"));
    assert_eq!(applied(&mut client).len(), 3);
    assert_eq!(
        columns(&mut client, "cases"),
        ["id", "tenant_id", "title", "priority"]
    );
}

#[test]
fn a_tampered_stored_down_script_is_refused_and_the_row_kept() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_dir, newer) = set(BASIC);
    Migrator::new(&newer).migrate(&mut client).unwrap();
    let (_dir2, older) = common::set(&BASIC[..4]);

    client
        .batch_execute("UPDATE managed_migrations SET down_sql = 'DROP TABLE tenants CASCADE;' WHERE version = 202501030000")
        .unwrap();
    let err = Migrator::new(&older)
        .rollback(&mut client, Rollback::Steps(1))
        .unwrap_err();
    assert!(
        matches!(err, Error::Interrupted { ref id, .. } if id == "202501030000_case_priority"),
        "{err}"
    );
    assert!(
        err.to_string().contains("no longer matches the checksum"),
        "{err}"
    );
    assert!(table_exists(&mut client, "tenants"), "nothing ran");
    assert_eq!(applied(&mut client).len(), 3);

    client
        .batch_execute("UPDATE managed_migrations SET down_sql = 'ALTER TABLE cases DROP COLUMN priority;', down_steps = 't:0-999' WHERE version = 202501030000")
        .unwrap();
    let err = Migrator::new(&older)
        .rollback(&mut client, Rollback::Steps(1))
        .unwrap_err();
    assert!(err.to_string().contains("step plan is damaged"), "{err}");
    assert_eq!(applied(&mut client).len(), 3);
}

#[test]
fn a_rollback_that_stops_midway_is_visible_and_blocks_migrate_until_finished() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_dir, set) = set(&[
        (
            "202501010000_items.up.sql",
            "CREATE TABLE items (id int, sku text);\nCREATE TABLE flags (id int);",
        ),
        ("202501010000_items.down.sql", "DROP TABLE items;"),
        (
            "202501020000_sku_idx.up.sql",
            "CREATE INDEX CONCURRENTLY items_sku_idx ON items (sku);",
        ),
        (
            "202501020000_sku_idx.down.sql",
            "DROP INDEX CONCURRENTLY IF EXISTS items_sku_idx;\nSELECT 1 / (SELECT count(*) FROM flags)::int;",
        ),
    ]);
    let migrator = Migrator::new(&set);
    migrator.migrate(&mut client).unwrap();

    let err = migrator
        .rollback(&mut client, Rollback::Steps(1))
        .unwrap_err();
    assert_eq!(err.sqlstate(), Some("22012"), "{err}");
    let status = migrator.status(&mut client).unwrap();
    assert_eq!(
        status.entries[1].state,
        pgshift::MigrationState::Reverting,
        "{status}"
    );
    let err = migrator.migrate(&mut client).unwrap_err();
    assert!(
        matches!(err, Error::Interrupted { ref id, .. } if id == "202501020000_sku_idx"),
        "{err}"
    );

    client
        .batch_execute("INSERT INTO flags VALUES (1)")
        .unwrap();
    migrator.rollback(&mut client, Rollback::Steps(1)).unwrap();
    assert_eq!(applied(&mut client), [202501010000]);
}

#[test]
fn a_failed_rollback_says_what_it_rolled_back_before_the_failure() {
    let db = TestDb::new();
    let mut client = db.connect();
    let mut files = BASIC.to_vec();
    // The oldest migration's down file fails; the two newer ones roll back first.
    files[1].1 = "DROP TABLE no_such_table;";
    let (_dir, set) = set(&files);
    let migrator = Migrator::new(&set);
    migrator.migrate(&mut client).unwrap();
    let err = migrator
        .rollback(&mut client, Rollback::Steps(3))
        .unwrap_err();
    let Error::Migration(m) = &err else {
        panic!("{err}")
    };
    assert_eq!(
        m.completed_before,
        ["202501030000_case_priority", "202501020000_cases"]
    );
    let text = err.to_string();
    assert!(
        text.contains(
            "; rolled back before the failure: 202501030000_case_priority, 202501020000_cases"
        ),
        "{text}"
    );
    assert!(!text.contains("applied before"), "{text}");
}

#[test]
fn an_empty_down_file_is_irreversible_unless_forced() {
    let db = TestDb::new();
    let mut client = db.connect();
    let mut files = BASIC.to_vec();
    files[5].1 = "-- no way back\n";
    let (_dir, set) = set(&files);
    Migrator::new(&set).migrate(&mut client).unwrap();
    let status = Migrator::new(&set).status(&mut client).unwrap();
    assert!(status.entries[2].irreversible, "{status}");
    assert!(
        status
            .to_string()
            .contains("irreversible (empty down file)"),
        "{status}"
    );

    // Refused before anything runs: the newer-first order would otherwise roll back nothing.
    let err = Migrator::new(&set)
        .rollback(&mut client, Rollback::Steps(2))
        .unwrap_err();
    assert!(
        matches!(&err, Error::Irreversible(ids) if ids == &["202501030000_case_priority"]),
        "{err}"
    );
    assert!(err.to_string().contains("force_irreversible"), "{err}");
    assert_eq!(applied(&mut client).len(), 3, "nothing was rolled back");

    // Forced: the row goes, the column stays (that is what forcing means).
    let report = Migrator::new(&set)
        .force_irreversible(true)
        .rollback(&mut client, Rollback::Steps(1))
        .unwrap();
    assert_eq!(report.rolled_back.len(), 1);
    assert_eq!(applied(&mut client).len(), 2);
    assert!(columns(&mut client, "cases").contains(&"priority".to_string()));
}
