//! Read-only and rolled-back operations: status, dry run, test mode, reversibility.

mod common;

use common::*;
use pgshift::{Error, MigrationState, Migrator};
use pgshift_localpg::TestDb;

/// Everything a run could change: tables, columns, indexes, and the history rows.
fn catalog(client: &mut postgres::Client) -> Vec<String> {
    let mut lines: Vec<String> = client
        .query(
            "SELECT c.relname::text || ':' || c.relkind::text || ':' || coalesce(string_agg(a.attname::text, ',' ORDER BY a.attnum), '')
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
              WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
              GROUP BY c.relname, c.relkind",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    if table_exists(client, "managed_migrations") {
        for r in client
            .query(
                "SELECT version::text || checksum || state FROM managed_migrations",
                &[],
            )
            .unwrap()
        {
            lines.push(r.get(0));
        }
    }
    lines.sort();
    lines
}

#[test]
fn status_shows_applied_pending_drift_and_unknown() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_dir, set) = set(BASIC);
    let status = Migrator::new(&set).status(&mut client).unwrap();
    assert!(!status.history_exists);
    assert_eq!(status.count("pending"), 3);

    Migrator::new(&set)
        .target("202501020000")
        .migrate(&mut client)
        .unwrap();
    let mut files = BASIC.to_vec();
    files[0].1 = "CREATE TABLE tenants (id bigint PRIMARY KEY);";
    files.push(("209901010000_later.up.sql", "SELECT 1;"));
    files.push(("209901010000_later.down.sql", "SELECT 1;"));
    let (_dir2, changed) = common::set(&files);
    client
        .batch_execute("INSERT INTO managed_migrations (version, name, checksum, down_sql, down_checksum, pgshift_version) VALUES (202501015000, 'hotfix', 'x', '', '', '0')")
        .unwrap();

    let status = Migrator::new(&changed).status(&mut client).unwrap();
    let labels: Vec<(&str, &str)> = status
        .entries
        .iter()
        .map(|e| (e.id.as_str(), e.state.label()))
        .collect();
    assert_eq!(
        labels,
        [
            ("202501010000_tenants", "drift"),
            ("202501015000_hotfix", "unknown"),
            ("202501020000_cases", "applied"),
            ("202501030000_case_priority", "pending"),
            ("209901010000_later", "pending"),
        ]
    );
    assert!(
        matches!(status.entries[2].state, MigrationState::Applied { ref at, .. } if at.ends_with('Z'))
    );
    let text = status.to_string();
    assert!(
        text.contains("1 applied, 2 pending, 1 changed after applying, 1 unknown to this binary"),
        "{text}"
    );
}

#[test]
fn dry_run_writes_nothing_and_lists_the_plan() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_dir, set) = set(BASIC);
    let before = catalog(&mut client);
    let plan = Migrator::new(&set).plan(&mut client).unwrap();
    assert_eq!(
        catalog(&mut client),
        before,
        "a dry run on a fresh database creates nothing"
    );
    assert!(plan.creates_history_table);
    assert_eq!(plan.migrations.len(), 3);
    assert_eq!(plan.migrations[1].steps[0].statements.len(), 2);
    let text = plan.to_string();
    assert!(
        text.contains("would create the history table public.managed_migrations"),
        "{text}"
    );
    assert!(
        text.contains("lock_timeout 5000 ms and statement_timeout 600000 ms"),
        "{text}"
    );
    assert!(text.contains("CREATE INDEX"), "{text}");

    Migrator::new(&set)
        .target("202501010000")
        .migrate(&mut client)
        .unwrap();
    let before = catalog(&mut client);
    let plan = Migrator::new(&set).plan(&mut client).unwrap();
    assert_eq!(
        catalog(&mut client),
        before,
        "a dry run on a migrated database changes nothing"
    );
    assert_eq!(
        plan.migrations
            .iter()
            .map(|m| m.id.as_str())
            .collect::<Vec<_>>(),
        ["202501020000_cases", "202501030000_case_priority"]
    );
}

#[test]
fn dry_run_shows_steps_outside_a_transaction() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_dir, set) = set(&[
        (
            "202501010000_t.up.sql",
            "CREATE TABLE t (a int);\nCREATE INDEX CONCURRENTLY t_a ON t (a);\nANALYZE t;",
        ),
        ("202501010000_t.down.sql", "DROP TABLE t;"),
    ]);
    let plan = Migrator::new(&set).plan(&mut client).unwrap();
    let steps: Vec<bool> = plan.migrations[0]
        .steps
        .iter()
        .map(|s| s.in_transaction)
        .collect();
    assert_eq!(steps, [true, false, true]);
    assert!(
        plan.to_string().contains("step 2 (outside a transaction)"),
        "{plan}"
    );
}

#[test]
fn test_mode_runs_everything_and_leaves_nothing_behind() {
    let db = TestDb::new();
    let mut client = db.connect();
    let mut files = BASIC.to_vec();
    files.push((
        "202501040000_index.up.sql",
        "CREATE INDEX CONCURRENTLY cases_title_idx ON cases (title);\nVACUUM cases;",
    ));
    files.push((
        "202501040000_index.down.sql",
        "DROP INDEX CONCURRENTLY cases_title_idx;",
    ));
    let (_dir, set) = set(&files);
    let before = catalog(&mut client);
    let report = Migrator::new(&set).test(&mut client).unwrap();
    assert_eq!(report.tested.len(), 4);
    assert_eq!(report.skipped, [("202501040000_index".to_string(), 2)]);
    assert_eq!(catalog(&mut client), before);
}

#[test]
fn test_mode_reports_the_failing_migration_statement_and_position() {
    let db = TestDb::new();
    let mut client = db.connect();
    let mut files = BASIC.to_vec();
    files[4].1 = "ALTER TABLE cases ADD COLUMN priority int;\nALTER TABLE casez ADD COLUMN x int;";
    let (_dir, set) = set(&files);
    let before = catalog(&mut client);
    let err = Migrator::new(&set).test(&mut client).unwrap_err();
    let Error::Migration(m) = &err else {
        panic!("{err}")
    };
    assert_eq!(m.id, "202501030000_case_priority", "{m:?}");
    assert_eq!(m.statement, Some(2), "{m:?}");
    assert_eq!(
        m.position,
        Some((2, 1)),
        "the server gives no position here: the statement start"
    );
    assert_eq!(m.sqlstate.as_deref(), Some("42P01"));
    assert_eq!(catalog(&mut client), before);
}

#[test]
fn reversibility_check_catches_a_down_file_that_forgets_a_column() {
    let db = TestDb::new();
    let mut client = db.connect();
    let mut files = BASIC.to_vec();
    files[4].1 = "ALTER TABLE cases ADD COLUMN priority int;\nALTER TABLE cases ADD COLUMN due_at timestamptz;";
    let (_dir, set) = set(&files);
    let before = catalog(&mut client);
    let err = Migrator::new(&set)
        .check_reversible(&mut client)
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("migration 202501030000_case_priority is not reversible")
            && text.contains("column public.cases.due_at timestamp with time zone is left behind"),
        "{text}"
    );
    assert_eq!(catalog(&mut client), before);

    let (_dir, good) = common::set(BASIC);
    assert_eq!(
        Migrator::new(&good)
            .check_reversible(&mut client)
            .unwrap()
            .len(),
        3
    );
    assert_eq!(catalog(&mut client), before);
}

#[test]
fn test_mode_and_reversibility_run_every_concurrent_kind_in_its_transactional_form() {
    // Blanking the keyword left `REINDEX (  ) TABLE t`, a bogus syntax error, while migrate
    // ran the file fine: the transactional form now comes from the parse tree.
    let db = TestDb::new();
    let mut client = db.connect();
    let mut files = BASIC.to_vec();
    files.push((
        "202501040000_maintenance.up.sql",
        "CREATE INDEX CONCURRENTLY cases_title_idx ON cases (title);\n\
         REINDEX (CONCURRENTLY) TABLE cases;\n\
         REINDEX (VERBOSE, CONCURRENTLY) INDEX cases_title_idx;\n\
         REINDEX INDEX CONCURRENTLY cases_title_idx;",
    ));
    files.push((
        "202501040000_maintenance.down.sql",
        "DROP INDEX CONCURRENTLY IF EXISTS cases_title_idx;",
    ));
    let (_dir, set) = set(&files);
    let before = catalog(&mut client);
    let report = Migrator::new(&set).test(&mut client).unwrap();
    assert_eq!(report.tested.len(), 4, "{report}");
    assert!(report.skipped.is_empty(), "{report}");
    assert_eq!(catalog(&mut client), before);
    assert_eq!(
        Migrator::new(&set)
            .check_reversible(&mut client)
            .unwrap()
            .len(),
        4
    );
    assert_eq!(catalog(&mut client), before);
    // And for real.
    Migrator::new(&set).migrate(&mut client).unwrap();
    assert_eq!(index_valid(&mut client, "cases_title_idx"), Some(true));
}

#[test]
fn test_mode_names_a_failing_concurrent_statement() {
    let db = TestDb::new();
    let mut client = db.connect();
    let mut files = BASIC.to_vec();
    files.push((
        "202501040000_index.up.sql",
        "SELECT 1;\nCREATE INDEX CONCURRENTLY cases_x_idx ON cases (no_such_column);",
    ));
    files.push((
        "202501040000_index.down.sql",
        "DROP INDEX CONCURRENTLY IF EXISTS cases_x_idx;",
    ));
    let (_dir, set) = set(&files);
    let err = Migrator::new(&set).test(&mut client).unwrap_err();
    let Error::Migration(m) = &err else {
        panic!("{err}")
    };
    assert_eq!((m.statement, m.position), (Some(2), Some((2, 1))), "{err}");
    assert_eq!(m.sqlstate.as_deref(), Some("42703"), "{err}");
}

/// A set that `migrate` applies but one transaction cannot hold: a value added to an enum by
/// one migration and used by the next.
const ENUM_SET: &[(&str, &str)] = &[
    (
        "202501010000_status.up.sql",
        "CREATE TYPE case_status AS ENUM ('open', 'closed');\nCREATE TABLE cases (id int, status case_status NOT NULL DEFAULT 'open');",
    ),
    (
        "202501010000_status.down.sql",
        "DROP TABLE cases;\nDROP TYPE case_status;",
    ),
    (
        "202501020000_archived.up.sql",
        "ALTER TYPE case_status ADD VALUE 'archived';",
    ),
    (
        "202501020000_archived.down.sql",
        "-- PostgreSQL cannot drop an enum value\nSELECT 1;",
    ),
    (
        "202501030000_archive_old.up.sql",
        "UPDATE cases SET status = 'archived' WHERE id < 0;",
    ),
    ("202501030000_archive_old.down.sql", "SELECT 1;"),
];

#[test]
fn an_enum_value_added_then_used_is_refused_by_the_one_transaction_modes_with_the_way_out() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_dir, set) = set(ENUM_SET);
    assert_eq!(
        set.iter().nth(2).unwrap().enum_value_uses.len(),
        1,
        "the analysis saw the use"
    );
    for err in [
        Migrator::new(&set).test(&mut client).unwrap_err(),
        Migrator::new(&set)
            .check_reversible(&mut client)
            .unwrap_err(),
    ] {
        assert!(
            matches!(&err, Error::EnumValueInOneTransaction { added_by, used_by, value }
                if added_by == "202501020000_archived" && used_by == "202501030000_archive_old" && value == "archived"),
            "{err}"
        );
        assert!(
            err.to_string().contains("test_in_scratch_database"),
            "{err}"
        );
    }
    // Nothing ran.
    assert!(!table_exists(&mut client, "cases"));

    // The scratch mode applies it as migrate would, and leaves no database behind.
    let report = Migrator::new(&set)
        .test_in_scratch_database(db.url())
        .unwrap();
    assert_eq!(report.tested.len(), 3, "{report}");
    assert!(
        !table_exists(&mut client, "cases"),
        "the real database is untouched"
    );
    let left: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'pgshift_scratch_%'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(left, 0);
    // And migrate itself applies the set.
    assert_eq!(
        Migrator::new(&set)
            .migrate(&mut client)
            .unwrap()
            .applied
            .len(),
        3
    );
}

#[test]
fn the_scratch_reversibility_check_commits_each_step_and_finds_a_bad_down_file() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_dir, good) = set(BASIC);
    assert_eq!(
        Migrator::new(&good)
            .check_reversible_in_scratch_database(db.url())
            .unwrap()
            .len(),
        3
    );
    let mut files = BASIC.to_vec();
    files[4].1 = "ALTER TABLE cases ADD COLUMN priority int;\nALTER TABLE cases ADD COLUMN due_at timestamptz;";
    let (_dir2, bad) = common::set(&files);
    let err = Migrator::new(&bad)
        .check_reversible_in_scratch_database(db.url())
        .unwrap_err();
    assert!(
        matches!(&err, Error::NotReversible { id, .. } if id == "202501030000_case_priority"),
        "{err}"
    );
    let left: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'pgshift_scratch_%'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "dropped after a failure too");
}

#[test]
fn an_enum_value_used_in_its_own_file_after_a_commit_is_refused_by_test_mode_too() {
    let db = TestDb::new();
    let mut client = db.connect();
    let mut files = ENUM_SET[..2].to_vec();
    files.push((
        "202501020000_archived.up.sql",
        "ALTER TYPE case_status ADD VALUE 'archived';\nCREATE INDEX CONCURRENTLY cases_id_idx ON cases (id);\nUPDATE cases SET status = 'archived' WHERE id < 0;",
    ));
    files.push((
        "202501020000_archived.down.sql",
        "DROP INDEX CONCURRENTLY IF EXISTS cases_id_idx;",
    ));
    let (_dir, set) = set(&files);
    let err = Migrator::new(&set).test(&mut client).unwrap_err();
    assert!(
        matches!(&err, Error::EnumValueInOneTransaction { used_by, .. } if used_by == "202501020000_archived"),
        "{err}"
    );
    // migrate commits the ADD VALUE before the index build, so the use works there.
    assert_eq!(
        Migrator::new(&set)
            .migrate(&mut client)
            .unwrap()
            .applied
            .len(),
        2
    );
}

#[test]
fn the_scratch_reversibility_check_ignores_the_index_build_history_table() {
    let db = TestDb::new();
    let mut files = BASIC[..2].to_vec();
    files.push((
        "202501020000_tenant_name_idx.up.sql",
        "CREATE INDEX CONCURRENTLY tenants_name_idx ON tenants (name);",
    ));
    files.push((
        "202501020000_tenant_name_idx.down.sql",
        "DROP INDEX CONCURRENTLY tenants_name_idx;",
    ));
    let (_dir, migrations) = set(&files);
    let checked = Migrator::new(&migrations)
        .check_reversible_in_scratch_database(db.url())
        .unwrap();
    assert_eq!(checked.len(), 2);
}
