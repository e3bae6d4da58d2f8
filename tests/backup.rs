//! Backups before migrating and the backup and restore commands, against a real PostgreSQL
//! and the real `pg_dump`, `pg_restore` and `psql`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{BASIC, set};
use pgshift::backup::{self, Backup, BackupError, BackupFormat};
use pgshift::{Error, Migrator, Seeds};
use pgshift_localpg::TestDb;

/// `pg_dump` output of one part of the database, for comparing states.
fn dump(url: &str, what: &str) -> String {
    let pg_dump = backup::find_tool("pg_dump", "PG_DUMP").expect("pg_dump");
    let out = Command::new(pg_dump)
        .args([what, "--no-owner", "--dbname", url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // `\restrict <random key>` lines (pg_dump 15.14+) differ on every run.
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("\\restrict ") && !l.starts_with("\\unrestrict "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Fails with the first differing line (dumps are too long to print whole).
#[track_caller]
fn assert_same(actual: &(String, String), expected: &(String, String), what: &str) {
    for (part, (a, e)) in [
        ("schema", (&actual.0, &expected.0)),
        ("data", (&actual.1, &expected.1)),
    ] {
        if a != e {
            let line = a
                .lines()
                .zip(e.lines())
                .position(|(x, y)| x != y)
                .unwrap_or(a.lines().count().min(e.lines().count()));
            panic!(
                "{what}: the {part} differs at line {}: got {:?}, expected {:?}",
                line + 1,
                a.lines().nth(line),
                e.lines().nth(line)
            );
        }
    }
}

fn state(url: &str) -> (String, String) {
    (dump(url, "--schema-only"), dump(url, "--data-only"))
}

fn seeds() -> (tempfile::TempDir, Seeds) {
    let dir = common::folder(&[(
        "001_tenants.sql",
        "INSERT INTO tenants (id, name) VALUES (1, 'Acme'), (2, 'Globex');",
    )]);
    let seeds = pgshift::load::load_seeds_dir(dir.path(), "db/managed-seeds", &Default::default())
        .unwrap()
        .0;
    (dir, seeds)
}

fn applied(client: &mut postgres::Client) -> Vec<i64> {
    common::applied(client)
}

#[test]
fn the_backup_runs_once_before_pending_work_and_not_when_up_to_date() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_m, migrations) = set(BASIC);
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let hook = {
        let (calls, seen) = (calls.clone(), seen.clone());
        move |c: &backup::BackupContext<'_>| -> Result<(), std::io::Error> {
            calls.fetch_add(1, Ordering::SeqCst);
            let plan: Vec<String> = c.plan.iter().map(|m| m.id.to_string()).collect();
            seen.lock()
                .unwrap()
                .push((c.database.to_string(), c.target.to_string(), plan));
            Ok(())
        }
    };
    let migrator = Migrator::new(&migrations).backup(Backup::hook(hook));
    migrator.migrate(&mut client).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let (database, target, plan) = seen.lock().unwrap()[0].clone();
    assert_eq!(database, db.name());
    assert_eq!(target, "202501030000_case_priority");
    assert_eq!(plan.len(), 3);

    migrator.migrate(&mut client).unwrap();
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "nothing pending, no backup"
    );
}

#[test]
fn pg_dump_before_migrating_writes_a_private_complete_file_with_the_default_name() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_m, migrations) = set(BASIC);
    Migrator::new(&migrations)
        .target("202501010000")
        .migrate(&mut client)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("before.dump");

    let migrator = Migrator::new(&migrations).backup(Backup::pg_dump(db.url(), Some(path.clone())));
    let plan = migrator.plan(&mut client).unwrap();
    assert_eq!(plan.backup, Some(format!("pg_dump to {}", path.display())));
    assert!(
        plan.to_string().contains("would back up first: pg_dump to"),
        "{plan}"
    );
    assert!(!path.exists(), "the dry run backs nothing up");

    migrator.migrate(&mut client).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(BackupFormat::detect(&bytes), Some(BackupFormat::Custom));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left: {leftovers:?}");

    // The default name: database, UTC time, target.
    let migrator = Migrator::new(&migrations).backup(Backup::pg_dump(db.url(), None));
    Migrator::new(&migrations)
        .rollback(&mut client, pgshift::Rollback::Steps(1))
        .unwrap();
    let plan = migrator.plan(&mut client).unwrap();
    let described = plan.backup.unwrap();
    let name = described.strip_prefix("pg_dump to ").unwrap();
    assert!(name.starts_with(&format!("{}-", db.name())), "{name}");
    assert!(
        name.ends_with("-before-202501030000_case_priority.dump"),
        "{name}"
    );
    let time = &name[db.name().len() + 1..db.name().len() + 17];
    assert!(
        time.len() == 16 && time.ends_with('Z') && time.as_bytes()[8] == b'T',
        "{time}"
    );
}

#[test]
fn a_failing_backup_migrates_nothing_and_says_how_to_skip() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_m, migrations) = set(BASIC);

    // A path that cannot be written.
    let migrator = Migrator::new(&migrations).backup(Backup::pg_dump(
        db.url(),
        Some(PathBuf::from("/nonexistent/folder/db.dump")),
    ));
    let err = migrator.migrate(&mut client).unwrap_err();
    assert!(
        matches!(&err, Error::BackupBeforeMigrating(BackupError::Io { .. })),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("nothing was migrated"), "{message}");
    assert!(message.contains("--no-backup"), "{message}");
    assert!(message.contains("/nonexistent/folder/db.dump"), "{message}");
    assert!(applied(&mut client).is_empty());

    // pg_dump itself failing (here: a database that does not exist).
    let mut bad = db.url().to_string();
    bad.push_str("_missing");
    let migrator = Migrator::new(&migrations).backup(Backup::pg_dump(
        bad,
        Some(std::env::temp_dir().join("x.dump")),
    ));
    let err = migrator.migrate(&mut client).unwrap_err();
    match &err {
        Error::BackupBeforeMigrating(BackupError::Failed { tool, stderr, .. }) => {
            assert_eq!(*tool, "pg_dump");
            assert!(stderr.contains("does not exist"), "{stderr}");
        }
        other => panic!("{other:?}"),
    }
    assert!(applied(&mut client).is_empty());

    // A hook that fails.
    let migrator =
        Migrator::new(&migrations).backup(Backup::hook(|_: &backup::BackupContext<'_>| {
            Err::<(), _>(std::io::Error::other("snapshot API returned 503"))
        }));
    let err = migrator.migrate(&mut client).unwrap_err();
    assert!(
        err.to_string().contains("snapshot API returned 503"),
        "{err}"
    );
    assert!(applied(&mut client).is_empty());
}

#[test]
fn a_missing_client_program_is_named_with_the_fix() {
    let err =
        backup::find_tool("pg_dump_not_installed_anywhere", "PGSHIFT_TEST_NEVER_SET").unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("`pg_dump_not_installed_anywhere` not found"),
        "{message}"
    );
    assert!(message.contains("PGSHIFT_TEST_NEVER_SET"), "{message}");
    assert!(message.contains("postgresql-client"), "{message}");
}

/// Migrate two, seed, back up; migrate the third and change rows; restore; compare.
fn round_trip(file_name: &str, format: BackupFormat) {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_m, migrations) = set(BASIC);
    let (_s, seeds) = seeds();
    Migrator::new(&migrations)
        .target("202501020000")
        .migrate(&mut client)
        .unwrap();
    let partial = Migrator::new(&migrations).target("202501020000");
    partial.seed(&mut client, &seeds).unwrap();
    client
        .batch_execute(
            "INSERT INTO cases (id, tenant_id, title) VALUES (1, 1, 'it''s \"quoted\"\n')",
        )
        .unwrap();
    let before = state(db.url());

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(file_name);
    let file = backup::backup(db.url(), &path).unwrap();
    assert_eq!(file.format, format);
    assert!(file.bytes > 0);

    Migrator::new(&migrations).migrate(&mut client).unwrap();
    client
        .batch_execute(
            "UPDATE tenants SET name = 'changed'; DELETE FROM cases; CREATE TABLE later (x int); \
             CREATE SCHEMA extra; CREATE TABLE extra.t (y int);",
        )
        .unwrap();
    assert_ne!(state(db.url()), before);

    let found = Migrator::new(&migrations).restore(db.url(), &path).unwrap();
    assert_eq!(found, format);
    assert_same(
        &state(db.url()),
        &before,
        "after the restore, the state at backup time",
    );
    // The history came back too, so status tells the truth.
    let mut client = db.connect();
    assert_eq!(applied(&mut client), [202501010000, 202501020000]);
    let status = Migrator::new(&migrations).status(&mut client).unwrap();
    assert_eq!(status.count("pending"), 1, "{status}");
}

#[test]
fn a_plain_sql_backup_restores_schema_data_and_history_as_they_were() {
    round_trip("db.sql", BackupFormat::Plain);
}

#[test]
fn a_custom_format_backup_restores_schema_data_and_history_as_they_were() {
    round_trip("db.dump", BackupFormat::Custom);
}

fn truncated_is_refused(file_name: &str) {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_m, migrations) = set(BASIC);
    Migrator::new(&migrations).migrate(&mut client).unwrap();
    client
        .batch_execute("INSERT INTO tenants (id, name) SELECT g, 'tenant ' || g FROM generate_series(1, 2000) g")
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(file_name);
    backup::backup(db.url(), &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() * 2 / 3]).unwrap();

    client
        .batch_execute("UPDATE tenants SET name = 'after'")
        .unwrap();
    let before = state(db.url());
    let err = Migrator::new(&migrations)
        .restore(db.url(), &path)
        .unwrap_err();
    assert!(
        matches!(&err, Error::Backup(BackupError::NotABackup { .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("nothing was restored"), "{err}");
    assert_same(&state(db.url()), &before, "the database is unchanged");
}

#[test]
fn a_truncated_plain_backup_is_refused_and_the_database_is_unchanged() {
    truncated_is_refused("db.sql");
}

#[test]
fn a_truncated_custom_backup_is_refused_and_the_database_is_unchanged() {
    truncated_is_refused("db.dump");
}

#[test]
fn restore_refuses_a_file_that_is_not_a_backup() {
    let db = TestDb::new();
    let (_m, migrations) = set(BASIC);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sql");
    std::fs::write(&path, "DROP TABLE important;\n").unwrap();
    let err = Migrator::new(&migrations)
        .restore(db.url(), &path)
        .unwrap_err();
    assert!(err.to_string().contains("is not a pg_dump backup"), "{err}");
    let err = Migrator::new(&migrations)
        .restore(db.url(), Path::new("/nonexistent.dump"))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("cannot read the backup `/nonexistent.dump`"),
        "{err}"
    );
}

#[test]
fn a_failing_restore_leaves_the_database_as_it_was() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_m, migrations) = set(BASIC);
    Migrator::new(&migrations).migrate(&mut client).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sql");
    backup::backup(db.url(), &path).unwrap();
    // A complete-looking dump whose SQL fails halfway.
    let text = std::fs::read_to_string(&path).unwrap();
    let broken = text.replacen(
        "CREATE TABLE public.cases",
        "SELECT 1/0;\nCREATE TABLE public.cases",
        1,
    );
    assert_ne!(broken, text);
    std::fs::write(&path, broken).unwrap();
    client
        .batch_execute("INSERT INTO tenants (id, name) VALUES (7, 'kept')")
        .unwrap();
    let before = state(db.url());
    let err = Migrator::new(&migrations)
        .restore(db.url(), &path)
        .unwrap_err();
    assert!(err.to_string().contains("division by zero"), "{err}");
    assert_same(&state(db.url()), &before, "the database is unchanged");
}

#[test]
fn restore_waits_for_the_migration_lock() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_m, migrations) = set(BASIC);
    let migrator =
        Migrator::new(&migrations).advisory_lock_timeout(std::time::Duration::from_millis(300));
    migrator.migrate(&mut client).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.dump");
    backup::backup(db.url(), &path).unwrap();
    let mut holder = db.connect();
    holder
        .execute("SELECT pg_advisory_lock($1)", &[&migrator.lock_key()])
        .unwrap();
    client
        .batch_execute("INSERT INTO tenants (id, name) VALUES (9, 'after')")
        .unwrap();
    let err = migrator.restore(db.url(), &path).unwrap_err();
    assert!(matches!(err, Error::LockWait { .. }), "{err:?}");
    let n: i64 = client
        .query_one("SELECT count(*) FROM tenants WHERE id = 9", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 1, "nothing restored while another runner holds the lock");
}
