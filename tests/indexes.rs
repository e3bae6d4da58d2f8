//! Concurrent index builds that fail: every attempt in `index_build_history`, the invalid
//! index dropped, retries on lock timeouts, no retry where it cannot succeed, and status.

mod common;

use std::time::Duration;

use common::*;
use pgshift::{Error, Migrator};
use pgshift_localpg::TestDb;

const ITEMS: &[(&str, &str)] = &[
    (
        "202501010000_items.up.sql",
        "CREATE TABLE items (id int PRIMARY KEY, sku text);\nINSERT INTO items VALUES (1, 'a'), (2, 'a'), (3, 'b');",
    ),
    ("202501010000_items.down.sql", "DROP TABLE items;"),
    (
        "202501020000_sku_idx.up.sql",
        "CREATE UNIQUE INDEX CONCURRENTLY items_sku_idx ON items (sku);",
    ),
    (
        "202501020000_sku_idx.down.sql",
        "DROP INDEX CONCURRENTLY IF EXISTS items_sku_idx;",
    ),
];

/// `(attempt, status, sqlstate, invalid_index_dropped)` of every recorded attempt, in order.
fn attempts(client: &mut postgres::Client) -> Vec<(i32, String, Option<String>, bool)> {
    client
        .query(
            "SELECT attempt, status, sqlstate, invalid_index_dropped FROM index_build_history ORDER BY id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect()
}

#[test]
fn a_unique_build_failing_on_duplicates_is_not_retried_and_leaves_nothing_invalid() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_dir, set) = set(ITEMS);
    let err = Migrator::new(&set)
        .retry_delay(Duration::from_millis(10), Duration::from_millis(10))
        .migrate(&mut client)
        .unwrap_err();
    let Error::Migration(m) = &err else {
        panic!("{err}")
    };
    assert_eq!(m.sqlstate.as_deref(), Some("23505"), "{err}");
    assert_eq!(m.attempts, 1, "a duplicate cannot go away by retrying");
    assert_eq!(m.invalid_index_dropped.as_deref(), Some("items_sku_idx"));
    let text = err.to_string();
    assert!(text.contains("Key (sku)=(a) is duplicated"), "{text}");
    assert!(
        text.contains("the invalid index items_sku_idx the failed build left was dropped"),
        "{text}"
    );
    assert_eq!(index_valid(&mut client, "items_sku_idx"), None);
    assert_eq!(
        attempts(&mut client),
        [(1, "failed".to_string(), Some("23505".to_string()), true)]
    );
    let status = Migrator::new(&set).status(&mut client).unwrap();
    assert_eq!(status.index_builds.len(), 1, "{status}");
    assert!(
        status
            .to_string()
            .contains("items_sku_idx attempt 1 failed"),
        "{status}"
    );

    // Fixing the data and running again builds it.
    client
        .batch_execute("DELETE FROM items WHERE id = 2")
        .unwrap();
    Migrator::new(&set).migrate(&mut client).unwrap();
    assert_eq!(index_valid(&mut client, "items_sku_idx"), Some(true));
    let recorded = attempts(&mut client);
    assert_eq!(recorded.len(), 2);
    assert_eq!(recorded[1].1, "succeeded");
}

#[test]
fn a_build_blocked_by_an_open_transaction_retries_then_fails_cleanly() {
    let db = TestDb::new();
    let mut client = db.connect();
    let mut files = ITEMS.to_vec();
    files[0].1 = "CREATE TABLE items (id int PRIMARY KEY, sku text);\nINSERT INTO items VALUES (1, 'a'), (2, 'b');";
    let (_dir, set) = set(&files);
    Migrator::new(&set)
        .target("202501010000")
        .migrate(&mut client)
        .unwrap();
    // A transaction that wrote to the table: the concurrent build must wait for it.
    let mut writer = db.connect();
    writer
        .batch_execute("BEGIN; UPDATE items SET sku = sku WHERE id = 1")
        .unwrap();
    let err = Migrator::new(&set)
        .lock_timeout(Duration::from_millis(200))
        .lock_retries(2)
        .retry_delay(Duration::from_millis(10), Duration::from_millis(10))
        .migrate(&mut client)
        .unwrap_err();
    let Error::Migration(m) = &err else {
        panic!("{err}")
    };
    assert!(m.is_lock_timeout(), "{err}");
    assert_eq!(m.attempts, 3, "{err}");
    // The drop of the invalid index waits for the same open transaction, so it stays until
    // that ends; the error says so, and the next run drops it first.
    assert_eq!(
        m.invalid_index_left.as_deref(),
        Some("items_sku_idx"),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("the next run drops it before building again"),
        "{err}"
    );
    let recorded = attempts(&mut client);
    assert_eq!(
        recorded
            .iter()
            .map(|a| (a.0, a.1.as_str()))
            .collect::<Vec<_>>(),
        [(1, "failed"), (2, "failed"), (3, "failed")]
    );
    assert!(recorded.iter().all(|a| a.2.as_deref() == Some("55P03")));
    writer.batch_execute("COMMIT").unwrap();
    Migrator::new(&set).migrate(&mut client).unwrap();
    assert_eq!(index_valid(&mut client, "items_sku_idx"), Some(true));
}

#[test]
fn index_concurrent_runs_plain_index_statements_concurrently_except_on_new_tables() {
    let db = TestDb::new();
    let mut client = db.connect();
    let files = [
        (
            "202501010000_items.up.sql",
            "CREATE TABLE items (id int PRIMARY KEY, sku text);\nINSERT INTO items VALUES (1, 'a');",
        ),
        ("202501010000_items.down.sql", "DROP TABLE items;"),
        (
            "202501020000_more.up.sql",
            "CREATE TABLE tags (id int, name text);\nCREATE INDEX tags_name_idx ON tags (name);\n\
             -- pgshift:allow create-index-non-concurrently -- deployed with INDEX_CONCURRENT=1\n\
             CREATE INDEX items_sku_idx ON items (sku);",
        ),
        (
            "202501020000_more.down.sql",
            "DROP INDEX items_sku_idx;\nDROP TABLE tags;",
        ),
    ];
    let (_dir, set) = set(&files);
    Migrator::new(&set)
        .target("202501010000")
        .migrate(&mut client)
        .unwrap();

    // The dry run shows which form will run.
    let plan = Migrator::new(&set)
        .index_concurrent(true)
        .plan(&mut client)
        .unwrap()
        .to_string();
    assert!(
        plan.contains("CREATE INDEX CONCURRENTLY items_sku_idx ON items USING btree (sku)"),
        "{plan}"
    );
    assert!(
        plan.contains("CREATE INDEX tags_name_idx ON tags (name)"),
        "a new table's index stays plain: {plan}"
    );
    let plain = Migrator::new(&set)
        .index_concurrent(false)
        .plan(&mut client)
        .unwrap()
        .to_string();
    assert!(!plain.contains("CONCURRENTLY"), "{plain}");

    // What the server runs: make the build wait for an open writer and look at it.
    let mut writer = db.connect();
    writer
        .batch_execute("BEGIN; UPDATE items SET sku = sku WHERE id = 1")
        .unwrap();
    let url = db.url().to_string();
    let dir = _dir.path().to_path_buf();
    let runner = std::thread::spawn(move || {
        let set = load(&dir);
        let mut client = pgshift::connect(&url).unwrap();
        Migrator::new(&set)
            .index_concurrent(true)
            .migrate(&mut client)
            .map(|r| r.applied.len())
    });
    let mut observer = db.connect();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let running = loop {
        let rows = observer
            .query(
                "SELECT query FROM pg_stat_activity WHERE query LIKE 'CREATE INDEX%' AND wait_event_type = 'Lock'",
                &[],
            )
            .unwrap();
        if let Some(r) = rows.first() {
            break r.get::<_, String>(0);
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the build never waited"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(
        running,
        "CREATE INDEX CONCURRENTLY items_sku_idx ON items USING btree (sku)"
    );
    writer.batch_execute("COMMIT").unwrap();
    assert_eq!(runner.join().unwrap().unwrap(), 1);
    assert_eq!(index_valid(&mut client, "items_sku_idx"), Some(true));
    assert_eq!(index_valid(&mut client, "tags_name_idx"), Some(true));
    let kinds: Vec<String> = client
        .query("SELECT index_name FROM index_build_history", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        kinds,
        ["items_sku_idx"],
        "only the existing table's index ran concurrently"
    );

    // The rollback drops it concurrently too; off, everything stays plain.
    Migrator::new(&set)
        .index_concurrent(true)
        .rollback(&mut client, pgshift::Rollback::Steps(1))
        .unwrap();
    assert_eq!(index_valid(&mut client, "items_sku_idx"), None);
}

/// A set built by hand whose analysis (say, from an older pgshift) calls `VACUUM`
/// transactional: the server refuses it inside the transaction block (SQLSTATE 25001).
fn misclassified() -> pgshift::Migrations {
    use pgshift::{Migration, Script, Statement, StatementKind, TransactionMode};
    let statement = |sql: &str, text: &str, kind| {
        let start = sql.find(text).unwrap() as u32;
        let end = start + text.len() as u32;
        let line = sql[..start as usize].matches('\n').count() as u32 + 1;
        Statement::new(
            start,
            end,
            line,
            1,
            kind,
            TransactionMode::Transactional,
            Some("items".into()),
            None,
        )
    };
    let first =
        "CREATE TABLE items (id int PRIMARY KEY, sku text);\nINSERT INTO items VALUES (1, 'a');";
    let second =
        "INSERT INTO items VALUES (2, 'b');\nVACUUM items;\nINSERT INTO items VALUES (3, 'c');";
    let script = |path: &str, sql: &str, stmts: Vec<Statement>| {
        Script::new(
            path.into(),
            sql.into(),
            pgshift_core::checksum(sql.as_bytes()),
            stmts,
        )
    };
    let up1 = script(
        "db/managed-migrations/202501010000_items.up.sql",
        first,
        vec![
            statement(
                first,
                "CREATE TABLE items (id int PRIMARY KEY, sku text)",
                StatementKind::CreateTable,
            ),
            statement(
                first,
                "INSERT INTO items VALUES (1, 'a')",
                StatementKind::Insert,
            ),
        ],
    );
    let up2 = script(
        "db/managed-migrations/202501020000_vacuum.up.sql",
        second,
        vec![
            statement(
                second,
                "INSERT INTO items VALUES (2, 'b')",
                StatementKind::Insert,
            ),
            statement(second, "VACUUM items", StatementKind::Vacuum),
            statement(
                second,
                "INSERT INTO items VALUES (3, 'c')",
                StatementKind::Insert,
            ),
        ],
    );
    let down = |name: &str| script(name, "SELECT 1", vec![]);
    pgshift::Migrations::from_vec(vec![
        Migration::new(
            202501010000,
            "items".into(),
            "202501010000_items".into(),
            up1,
            down("d1"),
        ),
        Migration::new(
            202501020000,
            "vacuum".into(),
            "202501020000_vacuum".into(),
            up2,
            down("d2"),
        ),
    ])
}

#[test]
fn a_statement_the_server_refuses_in_a_transaction_runs_outside_it_once() {
    let db = TestDb::new();
    let mut client = db.connect();
    let set = misclassified();
    let report = Migrator::new(&set).migrate(&mut client).unwrap();
    assert_eq!(
        report.applied[0].ran_outside_transaction,
        Vec::<usize>::new()
    );
    assert_eq!(report.applied[1].ran_outside_transaction, [2]);
    assert!(
        report
            .to_string()
            .contains("statement 2 ran outside the transaction"),
        "{report}"
    );
    // Every insert ran exactly once: the earlier migration's commit was not repeated, and the
    // statements around VACUUM ran once each.
    let ids: Vec<i32> = client
        .query("SELECT id FROM items ORDER BY id", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(ids, [1, 2, 3]);
    assert_eq!(applied(&mut client), [202501010000, 202501020000]);
    let vacuumed: Option<String> = client
        .query_one(
            "SELECT last_vacuum::text FROM pg_stat_user_tables WHERE relname = 'items'",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(vacuumed.is_some(), "VACUUM ran");
    // The session's own settings are back.
    let lt: String = client.query_one("SHOW lock_timeout", &[]).unwrap().get(0);
    assert_eq!(lt, "0");
}
