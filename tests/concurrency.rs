//! Several runners at once, a runner killed mid-migration, and a table lock held by someone
//! else: the situations of a real deploy. Runners are real processes (`suite-runner`).

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use pgshift::{Error, Migrator};
use pgshift_localpg::TestDb;

fn runner(url: &str, dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_suite-runner"));
    cmd.arg(url)
        .arg(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn wait_for(what: &str, deadline: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn eight_runners_at_once_apply_each_migration_exactly_once() {
    let db = TestDb::new();
    let mut files = BASIC.to_vec();
    // Make the first migration take a moment so the runners really overlap.
    files[0].1 =
        "CREATE TABLE tenants (id bigint PRIMARY KEY, name text NOT NULL);\nSELECT pg_sleep(0.3);";
    let dir = folder(&files);

    let children: Vec<Child> = (0..8)
        .map(|_| runner(db.url(), dir.path()).spawn().unwrap())
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();

    let mut applied_lines = Vec::new();
    let mut up_to_date = 0;
    for out in &outputs {
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "a runner failed: {}{}",
            stdout,
            String::from_utf8_lossy(&out.stderr)
        );
        for line in stdout.lines() {
            match line.strip_prefix("applied ") {
                Some(id) => applied_lines.push(id.to_string()),
                None if line == "up to date" => up_to_date += 1,
                None => panic!("unexpected output {line}"),
            }
        }
    }
    applied_lines.sort();
    assert_eq!(
        applied_lines,
        [
            "202501010000_tenants",
            "202501020000_cases",
            "202501030000_case_priority"
        ]
    );
    assert_eq!(
        up_to_date, 7,
        "one runner did the work, the others found it done"
    );
    let mut client = db.connect();
    assert_eq!(applied(&mut client).len(), 3);
}

#[test]
fn a_runner_killed_mid_migration_leaves_a_state_the_next_run_completes() {
    let db = TestDb::new();
    let mut files = BASIC.to_vec();
    // The second migration sleeps only when the session asks for it (the killed runner does).
    files[2].1 = "CREATE TABLE cases (id bigint PRIMARY KEY, tenant_id bigint, title text);\n\
                  SELECT pg_sleep(coalesce(nullif(current_setting('pgshift_test.sleep', true), ''), '0')::float);";
    let dir = folder(&files);
    let slow_url = format!("{}?options=-c%20pgshift_test.sleep%3D30", db.url());
    let mut child = runner(&slow_url, dir.path()).spawn().unwrap();

    let mut observer = db.connect();
    wait_for(
        "the runner to be inside the second migration",
        Duration::from_secs(30),
        || {
            observer
            .query_one("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(coalesce%' AND pid <> pg_backend_pid()", &[])
            .unwrap()
            .get::<_, i64>(0)
            == 1
        },
    );
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    child.wait().unwrap();

    assert_eq!(
        applied(&mut observer),
        [202501010000],
        "the interrupted migration left no history row"
    );
    assert!(
        !table_exists(&mut observer, "cases"),
        "nor any of its changes"
    );

    let set = load(dir.path());
    let report = Migrator::new(&set).migrate(&mut observer).unwrap();
    let ids: Vec<&str> = report.applied.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["202501020000_cases", "202501030000_case_priority"]);
    assert_eq!(applied(&mut observer).len(), 3);
}

#[test]
fn a_held_table_lock_fails_fast_retries_and_names_the_blocker() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_dir, set) = set(BASIC);
    Migrator::new(&set)
        .target("202501020000")
        .migrate(&mut client)
        .unwrap();

    // Another session sits in a transaction holding a lock on `cases`.
    let mut blocker = db.connect();
    blocker
        .batch_execute(
            "SET application_name = 'report-job'; BEGIN; LOCK TABLE cases IN ACCESS SHARE MODE",
        )
        .unwrap();

    let err = Migrator::new(&set)
        .lock_timeout(Duration::from_millis(100))
        .lock_retries(2)
        .retry_delay(Duration::from_millis(50), Duration::from_millis(100))
        .migrate(&mut client)
        .unwrap_err();
    let Error::Migration(m) = &err else {
        panic!("{err}")
    };
    assert!(m.is_lock_timeout(), "{err}");
    assert_eq!(m.attempts, 3, "1 attempt + 2 retries");
    assert_eq!(m.table.as_deref(), Some("cases"));
    assert_eq!(m.blockers.len(), 1, "{err}");
    assert_eq!(m.blockers[0].application, "report-job");
    assert_eq!(m.blockers[0].state, "idle in transaction");
    let text = err.to_string();
    assert!(
        text.contains("gave up after 3 attempt(s) waiting for a lock on cases"),
        "{text}"
    );
    assert!(text.contains("held by pid"), "{text}");
    assert_eq!(applied(&mut client).len(), 2);

    // Once the blocker commits, a retry inside the budget succeeds.
    blocker.batch_execute("COMMIT").unwrap();
    let report = Migrator::new(&set)
        .lock_timeout(Duration::from_millis(100))
        .migrate(&mut client)
        .unwrap();
    assert_eq!(report.applied.len(), 1);
}

#[test]
fn a_lock_released_during_the_retries_lets_the_migration_through() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_dir, set) = set(BASIC);
    Migrator::new(&set)
        .target("202501020000")
        .migrate(&mut client)
        .unwrap();
    let mut blocker = db.connect();
    blocker
        .batch_execute("BEGIN; LOCK TABLE cases IN ACCESS SHARE MODE")
        .unwrap();
    let mut observer = db.connect();
    let releaser = std::thread::spawn(move || {
        let mut waiting = || {
            observer
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%ADD COLUMN priority%' AND wait_event_type = 'Lock'",
                    &[],
                )
                .unwrap()
                .get::<_, i64>(0)
                > 0
        };
        // Release only after the first attempt timed out: it waited, then stopped waiting.
        wait_for(
            "the first attempt to wait for the lock",
            Duration::from_secs(30),
            &mut waiting,
        );
        wait_for(
            "the first attempt to give up",
            Duration::from_secs(30),
            || !waiting(),
        );
        blocker.batch_execute("COMMIT").unwrap();
    });
    let report = Migrator::new(&set)
        .lock_timeout(Duration::from_millis(100))
        .lock_retries(10)
        .retry_delay(Duration::from_millis(100), Duration::from_millis(200))
        .migrate(&mut client)
        .unwrap();
    releaser.join().unwrap();
    assert_eq!(report.applied.len(), 1);
    assert!(report.applied[0].attempts > 1, "{report:?}");
}

#[test]
fn a_runner_killed_during_a_concurrent_index_build_is_resumed_and_the_invalid_index_rebuilt() {
    let db = TestDb::new();
    let dir = folder(&[
        (
            "202501010000_items.up.sql",
            "CREATE TABLE items (id int PRIMARY KEY, sku text);\nINSERT INTO items SELECT g, 'sku' || g FROM generate_series(1, 100) g;",
        ),
        ("202501010000_items.down.sql", "DROP TABLE items;"),
        (
            "202501020000_sku_idx.up.sql",
            "CREATE TABLE audit (id int);\nCREATE UNIQUE INDEX CONCURRENTLY items_sku_idx ON items (sku);",
        ),
        (
            "202501020000_sku_idx.down.sql",
            "DROP INDEX CONCURRENTLY IF EXISTS items_sku_idx;\nDROP TABLE audit;",
        ),
    ]);
    let set = load(dir.path());
    let mut observer = db.connect();
    Migrator::new(&set)
        .target("202501010000")
        .migrate(&mut observer)
        .unwrap();

    // An open transaction that wrote to the table makes the concurrent build wait for it.
    let mut reader = db.connect();
    reader
        .batch_execute("BEGIN; UPDATE items SET sku = sku WHERE id = 1")
        .unwrap();
    let mut child = runner(db.url(), dir.path()).spawn().unwrap();
    let building = "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'CREATE UNIQUE INDEX CONCURRENTLY%'";
    wait_for(
        "the concurrent build to wait for the open transaction",
        Duration::from_secs(30),
        || {
            observer
                .query_one(&format!("{building} AND wait_event_type = 'Lock'"), &[])
                .unwrap()
                .get::<_, i64>(0)
                == 1
        },
    );
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    child.wait().unwrap();

    // The server notices the dead runner (client_connection_check_interval) and cancels the build.
    wait_for(
        "the server to cancel the dead runner's build",
        Duration::from_secs(30),
        || observer.query_one(building, &[]).unwrap().get::<_, i64>(0) == 0,
    );
    reader.batch_execute("COMMIT").unwrap();
    let row = observer
        .query_one(
            "SELECT state, steps_done FROM managed_migrations WHERE version = 202501020000",
            &[],
        )
        .unwrap();
    assert_eq!(
        (row.get::<_, String>(0), row.get::<_, i32>(1)),
        ("partial".to_string(), 1)
    );
    let valid = index_valid(&mut observer, "items_sku_idx").expect("the index exists");
    assert!(!valid, "the interrupted build left an invalid index");

    let report = Migrator::new(&set).migrate(&mut observer).unwrap();
    assert!(report.applied[0].resumed);
    let valid = index_valid(&mut observer, "items_sku_idx").expect("the index exists");
    assert!(valid, "rebuilt");
    let state: String = observer
        .query_one(
            "SELECT state FROM managed_migrations WHERE version = 202501020000",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(state, "applied");
}

/// A set whose second migration builds an index concurrently on a table big enough that the
/// build takes seconds, so runners waiting for the migration lock overlap with it.
fn slow_concurrent_build() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "202501010000_events.up.sql",
            "CREATE TABLE events (id bigint PRIMARY KEY, payload text);\n\
             INSERT INTO events SELECT g, md5(g::text) FROM generate_series(1, 1500000) g;",
        ),
        ("202501010000_events.down.sql", "DROP TABLE events;"),
        (
            "202501020000_events_payload_idx.up.sql",
            "CREATE INDEX CONCURRENTLY events_payload_idx ON events (payload);",
        ),
        (
            "202501020000_events_payload_idx.down.sql",
            "DROP INDEX CONCURRENTLY IF EXISTS events_payload_idx;",
        ),
    ]
}

/// Every runner exited 0; returns how many printed `applied <id>` for each id.
fn all_succeeded(outputs: &[std::process::Output]) -> std::collections::BTreeMap<String, usize> {
    let mut applied = std::collections::BTreeMap::new();
    for out in outputs {
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "a runner failed: {stdout}{stderr}");
        for id in stdout.lines().filter_map(|l| l.strip_prefix("applied ")) {
            *applied.entry(id.to_string()).or_insert(0) += 1;
        }
    }
    applied
}

#[test]
fn runners_waiting_for_the_lock_do_not_deadlock_a_concurrent_index_build() {
    // The waiters must hold no snapshot: CREATE INDEX CONCURRENTLY waits for every older
    // snapshot to end, so a waiter blocked inside pg_advisory_lock made PostgreSQL break the
    // cycle with "deadlock detected", on an empty database too.
    let db = TestDb::new();
    let dir = folder(&slow_concurrent_build());
    let children: Vec<Child> = (0..8)
        .map(|_| runner(db.url(), dir.path()).spawn().unwrap())
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let applied = all_succeeded(&outputs);
    assert_eq!(
        applied.values().copied().collect::<Vec<_>>(),
        [1, 1],
        "each migration applied by exactly one runner: {applied:?}"
    );
    let mut client = db.connect();
    assert_eq!(index_valid(&mut client, "events_payload_idx"), Some(true));
    let dropped = outputs
        .iter()
        .any(|o| String::from_utf8_lossy(&o.stderr).contains("invalid index"));
    assert!(
        !dropped,
        "the index was built once, never dropped and rebuilt"
    );
}

#[test]
fn a_runner_started_during_a_concurrent_build_waits_without_breaking_it() {
    let db = TestDb::new();
    let files = slow_concurrent_build();
    let dir = folder(&files);
    let set = load(dir.path());
    let mut observer = db.connect();
    Migrator::new(&set)
        .target("202501010000")
        .migrate(&mut observer)
        .unwrap();
    let a = runner(db.url(), dir.path()).spawn().unwrap();
    wait_for(
        "runner A's concurrent build to start",
        Duration::from_secs(60),
        || {
            observer
                .query_one(
                    "SELECT count(*) FROM pg_stat_progress_create_index WHERE command = 'CREATE INDEX CONCURRENTLY'",
                    &[],
                )
                .unwrap()
                .get::<_, i64>(0)
                == 1
        },
    );
    let b = runner(db.url(), dir.path()).spawn().unwrap();
    let outputs = vec![a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
    let applied = all_succeeded(&outputs);
    assert_eq!(
        applied.get("202501020000_events_payload_idx"),
        Some(&1),
        "{applied:?}"
    );
    assert_eq!(index_valid(&mut observer, "events_payload_idx"), Some(true));
}

#[test]
fn a_blocker_this_role_may_not_see_is_named_by_pid_with_how_to_see_more() {
    let db = TestDb::new();
    let mut admin = db.connect();
    let (_dir, set) = set(BASIC);
    Migrator::new(&set)
        .target("202501020000")
        .migrate(&mut admin)
        .unwrap();
    // The migration role owns the tables but lacks pg_read_all_stats; the blocker is another
    // user (the superuser of the test cluster).
    let role = "unprivileged_migrator";
    admin
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN; ALTER TABLE cases OWNER TO {role}; \
             ALTER TABLE managed_migrations OWNER TO {role}; GRANT CREATE ON SCHEMA public TO {role}"
        ))
        .unwrap();
    admin
        .batch_execute("BEGIN; LOCK TABLE cases IN ACCESS SHARE MODE")
        .unwrap();
    let (_, host_and_db) = db
        .url()
        .split_once('@')
        .expect("the harness URL names a user");
    let url = format!("postgresql://{role}@{host_and_db}");
    let mut client = pgshift::connect(&url).unwrap();
    let err = Migrator::new(&set)
        .lock_timeout(Duration::from_millis(100))
        .lock_retries(0)
        .migrate(&mut client)
        .unwrap_err();
    let Error::Migration(m) = &err else {
        panic!("{err}")
    };
    assert_eq!(m.blockers.len(), 1, "{err}");
    assert!(!m.blockers[0].visible, "{err}");
    let text = err.to_string();
    assert!(text.contains("GRANT pg_read_all_stats TO"), "{text}");
    assert!(!text.contains("(, transaction open"), "{text}");
    admin.batch_execute("COMMIT").unwrap();
}
