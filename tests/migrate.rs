//! Applying migrations against a real PostgreSQL: the happy path, failures, drift, targets,
//! non-transactional steps and resuming.

mod common;

use std::time::Duration;

use common::*;
use pgshift::{Error, Migrator, UnknownMigrations};
use pgshift_localpg::TestDb;

#[test]
fn applies_everything_once_and_then_nothing() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_dir, set) = set(BASIC);

    let report = Migrator::new(&set).migrate(&mut client).unwrap();
    let ids: Vec<&str> = report.applied.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "202501010000_tenants",
            "202501020000_cases",
            "202501030000_case_priority"
        ]
    );
    assert_eq!(
        columns(&mut client, "cases"),
        ["id", "tenant_id", "title", "priority"]
    );
    assert_eq!(
        applied(&mut client),
        [202501010000, 202501020000, 202501030000]
    );

    let again = Migrator::new(&set).migrate(&mut client).unwrap();
    assert!(again.is_up_to_date(), "{again}");
    assert_eq!(
        applied(&mut client),
        [202501010000, 202501020000, 202501030000]
    );

    let row = client
        .query_one("SELECT name, checksum, state, down_sql, pgshift_version FROM managed_migrations WHERE version = 202501020000", &[])
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "cases");
    assert_eq!(row.get::<_, String>(1), set.as_slice()[1].checksum());
    assert_eq!(row.get::<_, String>(2), "applied");
    assert_eq!(row.get::<_, String>(3), "DROP TABLE cases;");
    assert_eq!(row.get::<_, String>(4), env!("CARGO_PKG_VERSION"));
}

#[test]
fn failure_in_migration_k_keeps_earlier_ones_and_leaves_nothing_of_k() {
    let db = TestDb::new();
    let mut client = db.connect();
    let mut files = BASIC.to_vec();
    files[4] = (
        "202501030000_case_priority.up.sql",
        "ALTER TABLE cases ADD COLUMN priority int;\n-- pgshift:allow update-without-where -- a statement that fails at run time\nUPDATE cases\n   SET priority = missing_column + 1;\n",
    );
    let (_dir, set) = set(&files);

    let err = Migrator::new(&set).migrate(&mut client).unwrap_err();
    let Error::Migration(m) = &err else {
        panic!("{err}")
    };
    assert_eq!(m.id, "202501030000_case_priority");
    assert_eq!(m.statement, Some(2));
    assert_eq!(m.position, Some((4, 19)), "points at `missing_column`");
    assert_eq!(m.sqlstate.as_deref(), Some("42703"));
    assert_eq!(
        m.file,
        "db/managed-migrations/202501030000_case_priority.up.sql"
    );
    assert_eq!(
        m.completed_before,
        ["202501010000_tenants", "202501020000_cases"]
    );
    let text = err.to_string();
    assert!(
        text.contains(
            "at statement 2 (db/managed-migrations/202501030000_case_priority.up.sql:4:19)"
        ),
        "{text}"
    );
    assert!(
        text.contains("column \"missing_column\" does not exist"),
        "{text}"
    );

    assert_eq!(applied(&mut client), [202501010000, 202501020000]);
    assert_eq!(
        columns(&mut client, "cases"),
        ["id", "tenant_id", "title"],
        "the failed migration left nothing"
    );
}

#[test]
fn failing_statement_without_a_position_is_still_named() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_dir, set) = set(&[
        (
            "202501010000_data.up.sql",
            "CREATE TABLE t (id int PRIMARY KEY);\nINSERT INTO t VALUES (1);\nINSERT INTO t VALUES (1);\nINSERT INTO t VALUES (2);",
        ),
        ("202501010000_data.down.sql", "DROP TABLE t;"),
    ]);
    let err = Migrator::new(&set).migrate(&mut client).unwrap_err();
    let Error::Migration(m) = &err else {
        panic!("{err}")
    };
    assert_eq!(m.sqlstate.as_deref(), Some("23505"));
    assert_eq!(m.statement, Some(3));
    assert_eq!(m.position, Some((3, 1)));
    assert!(
        m.detail
            .as_deref()
            .unwrap_or("")
            .contains("Key (id)=(1) already exists"),
        "{m:?}"
    );
    assert!(
        !table_exists(&mut client, "t"),
        "the diagnosis replay was rolled back too"
    );
}

#[test]
fn statement_timeout_stops_a_runaway_statement() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_dir, set) = set(&[
        (
            "202501010000_slow.up.sql",
            "CREATE TABLE t (id int);\nSELECT pg_sleep(5);",
        ),
        ("202501010000_slow.down.sql", "DROP TABLE t;"),
    ]);
    let err = Migrator::new(&set)
        .statement_timeout(Duration::from_millis(200))
        .migrate(&mut client)
        .unwrap_err();
    assert_eq!(err.sqlstate(), Some("57014"), "{err}");
    let text = err.to_string();
    assert!(text.contains("statement timeout"), "{text}");
    // Names the configured limit and the knob, as lock timeouts do. (Which of the two
    // statements timed out is not replayed to find out: that would run it long again.)
    assert!(
        text.contains("a statement ran longer than statement_timeout (200 ms)"),
        "{text}"
    );
    assert!(text.contains("Migrator::statement_timeout"), "{text}");
    assert!(!table_exists(&mut client, "t"));

    // A statement that runs alone (here: outside a transaction) is named.
    let (_dir2, alone) = common::set(&[
        (
            "202501010000_slow.up.sql",
            "CREATE TABLE t (id int);\nVACUUM t;\nSELECT pg_sleep(5);",
        ),
        ("202501010000_slow.down.sql", "DROP TABLE t;"),
    ]);
    let err = Migrator::new(&alone)
        .statement_timeout(Duration::from_millis(200))
        .migrate(&mut client)
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("at statement 3 (db/managed-migrations/202501010000_slow.up.sql:3:1)"),
        "{text}"
    );
    assert!(
        text.contains("the statement ran longer than statement_timeout (200 ms)"),
        "{text}"
    );
}

#[test]
fn drift_is_an_error_listing_every_changed_file_and_nothing_runs() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_dir, set) = set(&BASIC[..4]);
    Migrator::new(&set).migrate(&mut client).unwrap();

    let mut files = BASIC.to_vec();
    files[0].1 = "CREATE TABLE tenants (id bigint PRIMARY KEY, name text NOT NULL, slug text);";
    files[2].1 = "CREATE TABLE cases (id bigint PRIMARY KEY);";
    let (_dir2, changed) = common::set(&files);
    let err = Migrator::new(&changed).migrate(&mut client).unwrap_err();
    let Error::Drift(drift) = &err else {
        panic!("{err}")
    };
    let ids: Vec<&str> = drift.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["202501010000_tenants", "202501020000_cases"]);
    assert!(err.to_string().contains("nothing was run"), "{err}");
    assert_eq!(
        applied(&mut client),
        [202501010000, 202501020000],
        "the pending third migration did not run"
    );
}

#[test]
fn a_database_ahead_of_the_binary_is_reported_and_by_default_not_fatal() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_dir, newer) = set(BASIC);
    Migrator::new(&newer).migrate(&mut client).unwrap();

    let (_dir2, older) = set(&BASIC[..4]);
    let report = Migrator::new(&older).migrate(&mut client).unwrap();
    assert!(report.is_up_to_date());
    assert_eq!(
        report.unknown.iter().map(|r| r.id()).collect::<Vec<_>>(),
        ["202501030000_case_priority"]
    );
    assert!(
        report
            .to_string()
            .contains("this binary may be older than the last deploy"),
        "{report}"
    );

    let err = Migrator::new(&older)
        .unknown_migrations(UnknownMigrations::Refuse)
        .migrate(&mut client)
        .unwrap_err();
    assert!(
        matches!(err, Error::UnknownApplied(ref rows) if rows.len() == 1),
        "{err}"
    );
}

#[test]
fn target_applies_up_to_and_including_it() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_dir, set) = set(BASIC);

    let report = Migrator::new(&set)
        .target("202501020000_cases")
        .migrate(&mut client)
        .unwrap();
    assert_eq!(report.applied.len(), 2);
    assert_eq!(applied(&mut client), [202501010000, 202501020000]);
    assert!(
        Migrator::new(&set)
            .target("202501020000")
            .migrate(&mut client)
            .unwrap()
            .is_up_to_date()
    );

    let err = Migrator::new(&set)
        .target("202501020000_typo")
        .migrate(&mut client)
        .unwrap_err();
    assert!(
        matches!(err, Error::UnknownTarget(ref t) if t == "202501020000_typo"),
        "{err}"
    );

    Migrator::new(&set).migrate(&mut client).unwrap();
    assert_eq!(applied(&mut client).len(), 3);
}

const CONCURRENT_INDEX: &[(&str, &str)] = &[
    (
        "202501010000_items.up.sql",
        "CREATE TABLE items (id int PRIMARY KEY, sku text);\nINSERT INTO items VALUES (1, 'a'), (2, 'b');",
    ),
    ("202501010000_items.down.sql", "DROP TABLE items;"),
    (
        "202501020000_index_items.up.sql",
        "CREATE TABLE flags (id int);\nCREATE UNIQUE INDEX CONCURRENTLY items_sku_idx ON items (sku);\nSELECT 1 / (SELECT count(*) FROM flags)::int;",
    ),
    (
        "202501020000_index_items.down.sql",
        "DROP INDEX CONCURRENTLY IF EXISTS items_sku_idx;\nDROP TABLE flags;",
    ),
];

#[test]
fn statements_outside_a_transaction_are_recorded_step_by_step_and_resumed() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_dir, set) = set(CONCURRENT_INDEX);

    // Step 3 divides by zero until `flags` has a row: the run stops after two steps.
    let err = Migrator::new(&set).migrate(&mut client).unwrap_err();
    assert_eq!(err.sqlstate(), Some("22012"), "{err}");
    let row = client
        .query_one(
            "SELECT state, steps_done FROM managed_migrations WHERE version = 202501020000",
            &[],
        )
        .unwrap();
    assert_eq!(
        (row.get::<_, String>(0), row.get::<_, i32>(1)),
        ("partial".into(), 2)
    );
    let valid = index_valid(&mut client, "items_sku_idx").expect("the index exists");
    assert!(valid);
    let status = Migrator::new(&set).status(&mut client).unwrap();
    assert!(status.to_string().contains("2 of 3 steps done"), "{status}");

    client
        .batch_execute("INSERT INTO flags VALUES (1)")
        .unwrap();
    let report = Migrator::new(&set).migrate(&mut client).unwrap();
    assert_eq!(report.applied.len(), 1);
    assert!(report.applied[0].resumed);
    let state: String = client
        .query_one(
            "SELECT state FROM managed_migrations WHERE version = 202501020000",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(state, "applied");
}

#[test]
fn a_failed_concurrent_index_build_leaves_no_invalid_index() {
    let db = TestDb::new();
    let mut client = db.connect();
    let mut files = CONCURRENT_INDEX.to_vec();
    files[0].1 = "CREATE TABLE items (id int PRIMARY KEY, sku text);\nINSERT INTO items VALUES (1, 'dup'), (2, 'dup');";
    let (_dir, set) = set(&files);

    let err = Migrator::new(&set).migrate(&mut client).unwrap_err();
    assert_eq!(err.sqlstate(), Some("23505"), "{err}");
    let Error::Migration(m) = &err else { panic!() };
    assert_eq!(m.statement, Some(2));
    assert!(
        !table_exists(&mut client, "items_sku_idx"),
        "the invalid index was dropped"
    );

    // Fix the data: the next run builds the index and finishes.
    client
        .batch_execute("UPDATE items SET sku = 'other' WHERE id = 2; INSERT INTO flags VALUES (1)")
        .unwrap();
    Migrator::new(&set).migrate(&mut client).unwrap();
    assert!(table_exists(&mut client, "items_sku_idx"));
}

#[test]
fn the_history_schema_is_configurable() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_dir, set) = set(BASIC);
    Migrator::new(&set)
        .schema("ops")
        .migrate(&mut client)
        .unwrap();
    let n: i64 = client
        .query_one("SELECT count(*) FROM ops.managed_migrations", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 3);
    assert!(!table_exists(&mut client, "public.managed_migrations"));
}

#[test]
fn a_dead_server_is_a_clear_error_without_the_password() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://app:hunter2@127.0.0.1:{port}/app?connect_timeout=2");
    let err = pgshift::connect(&url).err().expect("nothing listens there");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "cannot connect to postgres://app:***@127.0.0.1:{port}/app"
        )),
        "{text}"
    );
    assert!(
        !text.contains("hunter2") && !format!("{err:?}").contains("hunter2"),
        "{err:?}"
    );
}

#[test]
fn the_migration_lock_that_never_comes_is_a_clear_error() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_dir, set) = set(BASIC);
    let migrator = Migrator::new(&set).advisory_lock_timeout(Duration::from_millis(300));
    let mut holder = db.connect();
    holder
        .execute("SELECT pg_advisory_lock($1)", &[&migrator.lock_key()])
        .unwrap();

    let err = migrator.migrate(&mut client).unwrap_err();
    let Error::LockWait {
        key, holder: who, ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(*key, migrator.lock_key());
    assert!(who.as_deref().unwrap_or("").starts_with("pid "), "{err}");
    assert!(err.to_string().contains("pg_stat_activity"), "{err}");
    assert!(!table_exists(&mut client, "tenants"));

    drop(holder);
    migrator.migrate(&mut client).unwrap();
}

#[test]
fn a_failed_run_releases_the_migration_lock() {
    let db = TestDb::new();
    let mut client = db.connect();
    let mut files = BASIC.to_vec();
    files[4].1 = "ALTER TABLE cases ADD COLUMN priority int NOT NULL DEFAULT 1 / 0;";
    let (_dir, set) = set(&files);
    let err = Migrator::new(&set).migrate(&mut client).unwrap_err();
    assert_eq!(err.sqlstate(), Some("22012"), "{err}");
    let mut other = db.connect();
    let free: bool = other
        .query_one(
            "SELECT pg_try_advisory_lock($1)",
            &[&Migrator::new(&set).lock_key()],
        )
        .unwrap()
        .get(0);
    assert!(free, "the failed run must not keep the migration lock");
}

#[test]
fn error_positions_count_characters_after_multibyte_text() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_dir, set) = set(&[
        (
            "202501010000_notes.up.sql",
            "-- Notizen für Fälle, größtenteils „Entwürfe“\nCREATE TABLE notes (id int, body text DEFAULT 'äöü');\nINSERT INTO notes (id, body) VALUES (1, 'naïve'), (2, nope);",
        ),
        ("202501010000_notes.down.sql", "DROP TABLE notes;"),
    ]);
    let err = Migrator::new(&set).migrate(&mut client).unwrap_err();
    let Error::Migration(m) = &err else {
        panic!("{err}")
    };
    assert_eq!(m.statement, Some(2));
    assert_eq!(m.position, Some((3, 55)), "{err}"); // 56 if bytes were counted (ï is two)
}

#[test]
fn the_callers_session_settings_are_left_as_they_were() {
    let db = TestDb::new();
    let mut client = db.connect();
    client
        .batch_execute("SET lock_timeout = '42s'; SET statement_timeout = '43s'; SET client_connection_check_interval = '44s'")
        .unwrap();
    let (_dir, set) = set(CONCURRENT_INDEX);
    // Fails at step 3, after the step outside a transaction.
    assert!(Migrator::new(&set).migrate(&mut client).is_err());
    client
        .batch_execute("INSERT INTO flags VALUES (1)")
        .unwrap();
    Migrator::new(&set).migrate(&mut client).unwrap();
    let row = client
        .query_one(
            "SELECT current_setting('lock_timeout'), current_setting('statement_timeout'), \
             current_setting('client_connection_check_interval')",
            &[],
        )
        .unwrap();
    let settings: (String, String, String) = (row.get(0), row.get(1), row.get(2));
    assert_eq!(settings, ("42s".into(), "43s".into(), "44s".into()));
}

#[test]
fn an_older_binary_boots_without_waiting_for_a_newer_deploys_lock() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_dir, newer) = set(BASIC);
    Migrator::new(&newer).migrate(&mut client).unwrap();
    let (_dir2, older) = common::set(&BASIC[..4]);
    let migrator = Migrator::new(&older).advisory_lock_timeout(Duration::from_millis(200));

    // A newer deploy is busy migrating: it holds the migration lock.
    let mut newer_runner = db.connect();
    newer_runner
        .execute("SELECT pg_advisory_lock($1)", &[&migrator.lock_key()])
        .unwrap();

    let report = migrator.migrate(&mut client).unwrap();
    assert!(report.is_up_to_date());
    let unknown: Vec<String> = report.unknown.iter().map(|r| r.id()).collect();
    assert_eq!(unknown, ["202501030000_case_priority"]);
    // The same holds for a target behind the database.
    let report = Migrator::new(&newer)
        .target("202501010000")
        .migrate(&mut client)
        .unwrap();
    assert!(report.is_up_to_date() && report.unknown.is_empty());
}

#[test]
fn the_documented_sql_formula_gives_the_lock_key() {
    let db = TestDb::new();
    let mut client = db.connect();
    for schema in ["public", "tenant_a"] {
        let sql: i64 = client
            .query_one(
                "SELECT ('x' || left(encode(sha256(convert_to('pgshift:' || $1 || '.managed_migrations', 'UTF8')), 'hex'), 16))::bit(64)::bigint",
                &[&schema],
            )
            .unwrap()
            .get(0);
        assert_eq!(sql, pgshift::lock_key(schema, "managed_migrations"));
    }
}

#[test]
fn a_concurrent_build_over_an_invalid_leftover_ends_with_a_valid_index() {
    // `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS` succeeds without building when an
    // INVALID index of that name is left from an earlier failed build: uniqueness would not
    // be enforced although the migration is recorded as applied.
    let db = TestDb::new();
    let mut client = db.connect();
    client
        .batch_execute(
            "CREATE TABLE items (id int, sku text); INSERT INTO items VALUES (1, 'a'), (2, 'a')",
        )
        .unwrap();
    let failed =
        client.batch_execute("CREATE UNIQUE INDEX CONCURRENTLY items_sku_idx ON items (sku)");
    assert!(failed.is_err(), "the duplicates make the build fail");
    assert_eq!(index_valid(&mut client, "items_sku_idx"), Some(false));
    client
        .batch_execute("DELETE FROM items WHERE id = 2")
        .unwrap();

    let (_dir, set) = set(&[
        (
            "202501010000_sku_idx.up.sql",
            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS items_sku_idx ON items (sku);",
        ),
        (
            "202501010000_sku_idx.down.sql",
            "DROP INDEX CONCURRENTLY IF EXISTS items_sku_idx;",
        ),
    ]);
    Migrator::new(&set).migrate(&mut client).unwrap();
    assert_eq!(index_valid(&mut client, "items_sku_idx"), Some(true));
    let duplicate = client.batch_execute("INSERT INTO items VALUES (3, 'a')");
    assert!(duplicate.is_err(), "uniqueness is enforced");
}

#[test]
fn comment_and_layout_edits_of_an_applied_migration_are_not_drift() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_dir, set) = set(BASIC);
    Migrator::new(&set).migrate(&mut client).unwrap();

    // Notes added after the fact and reformatting: the same SQL tokens.
    let mut files = BASIC.to_vec();
    files[2].1 = "-- cases belong to a tenant\nCREATE TABLE cases (\r\n  id bigint PRIMARY KEY,\n  tenant_id bigint REFERENCES tenants (id),\n  title text\n); /* note */\nCREATE INDEX cases_tenant_idx\n  ON cases (tenant_id);";
    let (_dir2, edited) = common::set(&files);
    assert!(
        Migrator::new(&edited)
            .migrate(&mut client)
            .unwrap()
            .is_up_to_date()
    );

    // Changing what the SQL says is drift, also inside a string literal.
    let mut files = BASIC.to_vec();
    files[2].1 = "CREATE TABLE cases (id bigint PRIMARY KEY, tenant_id bigint REFERENCES tenants (id), title text);\nCREATE INDEX cases_tenant_idx ON cases (tenant_id, title);";
    let (_dir3, changed) = common::set(&files);
    let err = Migrator::new(&changed).migrate(&mut client).unwrap_err();
    assert!(matches!(err, Error::Drift(ref d) if d.len() == 1), "{err}");
}

#[test]
fn rows_with_byte_checksums_from_before_are_accepted_and_upgraded() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_dir, set) = set(BASIC);
    Migrator::new(&set).migrate(&mut client).unwrap();
    // What a history written before tokens checksums holds: the up file's byte checksum.
    for m in set.iter() {
        client
            .execute(
                "UPDATE managed_migrations SET checksum = $1 WHERE version = $2",
                &[&m.up.checksum.as_ref(), &m.version],
            )
            .unwrap();
    }
    assert_ne!(
        set.iter().next().unwrap().up.checksum,
        set.iter().next().unwrap().checksum()
    );
    assert!(
        Migrator::new(&set)
            .migrate(&mut client)
            .unwrap()
            .is_up_to_date()
    );
    let stored: Vec<String> = client
        .query(
            "SELECT checksum FROM managed_migrations ORDER BY version",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let tokens: Vec<String> = set.iter().map(|m| m.checksum().to_string()).collect();
    assert_eq!(
        stored, tokens,
        "rewritten so the one-query boot matches again"
    );
}

#[test]
fn progress_reports_each_pending_migration_starting_then_finishing() {
    let db = TestDb::new();
    let (_dir, migrations) = common::set(common::BASIC);
    let events = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = events.clone();
    Migrator::new(&migrations)
        .on_progress(move |p| {
            let line = match p {
                pgshift::Progress::Started { id, number, total } => {
                    format!("start {number}/{total} {id}")
                }
                pgshift::Progress::Finished {
                    id, number, total, ..
                } => {
                    format!("done {number}/{total} {id}")
                }
                _ => "other".into(),
            };
            seen.lock().unwrap().push(line);
        })
        .migrate(&mut db.connect())
        .unwrap();
    let ids: Vec<&str> = migrations.iter().map(|m| m.id.as_ref()).collect();
    let expected: Vec<String> = ids
        .iter()
        .enumerate()
        .flat_map(|(i, id)| {
            [
                format!("start {}/3 {id}", i + 1),
                format!("done {}/3 {id}", i + 1),
            ]
        })
        .collect();
    assert_eq!(*events.lock().unwrap(), expected);
}
