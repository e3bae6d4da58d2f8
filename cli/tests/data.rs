//! `seed`, `backup`, `restore`, `migrate --backup-path`, `baseline` and `convert` through the
//! built binary, against a real PostgreSQL.

mod common;

use common::*;
use pgshift_localpg::TestDb;

fn count(db: &TestDb, sql: &str) -> i64 {
    db.connect().query_one(sql, &[]).unwrap().get(0)
}

#[test]
fn seed_is_refused_before_migrate_then_applies_once() {
    let db = TestDb::new();
    let run = pgshift(&db, &["seed"]).expect(1);
    assert!(run.stderr.contains("not applied yet"), "{}", run.stderr);
    assert!(
        run.stderr.contains("to fix: run `migrate` first"),
        "{}",
        run.stderr
    );

    pgshift(&db, &["migrate"]).expect(0);
    let run = pgshift(&db, &["seed"]).expect(0);
    assert!(
        run.stdout.contains("seeded  001_demo_tenants"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("3 seed(s) applied"), "{}", run.stdout);
    let tenants = count(&db, "SELECT count(*) FROM tenants");
    let run = pgshift(&db, &["seed"]).expect(0);
    assert!(
        run.stdout
            .contains("nothing to seed: 3 seed(s) already applied"),
        "{}",
        run.stdout
    );
    assert_eq!(count(&db, "SELECT count(*) FROM tenants"), tenants);
}

#[test]
fn a_changed_seed_exits_3_and_reruns_only_when_asked() {
    let db = TestDb::new();
    let seeds = folder(&[(
        "001_tenants.sql",
        "INSERT INTO tenants (slug, name) VALUES ('a', 'A');",
    )]);
    pgshift(&db, &["migrate"]).expect(0);
    pgshift(&db, &["seed", "--seeds-dir", path(&seeds)]).expect(0);
    std::fs::write(
        seeds.path().join("001_tenants.sql"),
        "INSERT INTO tenants (slug, name) VALUES ('b', 'B');",
    )
    .unwrap();
    let run = pgshift(&db, &["seed", "--seeds-dir", path(&seeds)]).expect(3);
    assert!(
        run.stderr.contains("001_tenants") && run.stderr.contains("--rerun-changed"),
        "{}",
        run.stderr
    );
    let run = pgshift(
        &db,
        &["seed", "--seeds-dir", path(&seeds), "--rerun-changed"],
    )
    .expect(0);
    assert!(run.stdout.contains("changed: ran again"), "{}", run.stdout);
    assert_eq!(
        count(&db, "SELECT count(*) FROM tenants WHERE slug IN ('a', 'b')"),
        2
    );
}

#[test]
fn a_broken_seed_folder_exits_3_with_the_location() {
    let db = TestDb::new();
    let seeds = folder(&[("001_x.sql", "INSERT INTO tenants VALUES (1);\nSELEC 1;")]);
    pgshift(&db, &["migrate"]).expect(0);
    let run = pgshift(&db, &["seed", "--seeds-dir", path(&seeds)]).expect(3);
    assert!(run.stderr.contains("001_x.sql:2:1"), "{}", run.stderr);
}

#[test]
fn backup_then_restore_returns_the_database_to_the_backup() {
    let db = TestDb::new();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("db.sql");
    pgshift(&db, &["migrate", "--to", DEMO_IDS[2]]).expect(0);
    pgshift(&db, &["seed"]).expect(1); // pending migrations: refused
    let run = pgshift(&db, &["backup", "--backup-path", file.to_str().unwrap()]).expect(0);
    assert!(run.stdout.contains("plain SQL format"), "{}", run.stdout);

    pgshift(&db, &["migrate"]).expect(0);
    db.connect()
        .batch_execute("INSERT INTO tenants (slug, name) VALUES ('late', 'Late')")
        .unwrap();
    let run = pgshift(&db, &["restore", "--restore", file.to_str().unwrap()]).expect(0);
    assert!(
        run.stdout
            .contains("the database is as it was when the backup was taken"),
        "{}",
        run.stdout
    );
    assert_eq!(count(&db, "SELECT count(*) FROM tenants"), 0);
    let status = json(&pgshift(&db, &["status", "--format", "json"]).expect(0));
    assert_eq!(status["summary"]["applied"], 3, "{status}");
    assert_eq!(status["summary"]["pending"], 2, "{status}");

    // Not a backup: refused, nothing changed.
    std::fs::write(dir.path().join("notes.sql"), "DROP TABLE tenants;").unwrap();
    let run = pgshift(
        &db,
        &[
            "restore",
            "--restore",
            dir.path().join("notes.sql").to_str().unwrap(),
        ],
    )
    .expect(1);
    assert!(
        run.stderr.contains("is not a pg_dump backup"),
        "{}",
        run.stderr
    );
    assert_eq!(count(&db, "SELECT count(*) FROM tenants"), 0);
}

#[test]
fn migrate_backs_up_first_to_the_given_path_and_a_failing_backup_migrates_nothing() {
    let db = TestDb::new();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("before.dump");
    let run = pgshift(
        &db,
        &[
            "migrate",
            "--dry-run",
            "--backup-path",
            file.to_str().unwrap(),
        ],
    )
    .expect(0);
    assert!(
        run.stdout.contains("would back up first: pg_dump to"),
        "{}",
        run.stdout
    );
    assert!(!file.exists());

    let run = pgshift(
        &db,
        &["migrate", "--backup-path", "/nonexistent/dir/x.dump"],
    )
    .expect(1);
    assert!(
        run.stderr.contains("nothing was migrated"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--no-backup"), "{}", run.stderr);
    assert!(!table_exists(&db, "tenants"));

    let run = pgshift(&db, &["migrate", "--backup-path", file.to_str().unwrap()]).expect(0);
    assert!(run.stdout.contains("backed up to"), "{}", run.stdout);
    assert!(std::fs::read(&file).unwrap().starts_with(b"PGDMP"));
    // Up to date: no backup.
    std::fs::remove_file(&file).unwrap();
    pgshift(&db, &["migrate", "--backup-path", file.to_str().unwrap()]).expect(0);
    assert!(!file.exists());
}

#[test]
fn baseline_records_the_demo_set_without_running_it() {
    let db = TestDb::new();
    let run = pgshift(&db, &["baseline", "--to", DEMO_IDS[1]]).expect(0);
    assert!(
        run.stdout.contains("baselined 2 migration(s)"),
        "{}",
        run.stdout
    );
    assert!(!table_exists(&db, "tenants"), "nothing ran");
    let status = json(&pgshift(&db, &["status", "--format", "json"]).expect(0));
    assert_eq!(status["migrations"][0]["state"], "baselined", "{status}");
}

#[test]
fn convert_writes_a_pgshift_folder_then_imports_the_history() {
    let db = TestDb::new();
    let src = folder(&[
        (
            "V1__create_tenants.sql",
            "CREATE TABLE t1 (id bigint PRIMARY KEY);",
        ),
        ("V2__more.sql", "CREATE TABLE t2 (id bigint PRIMARY KEY);"),
    ]);
    let out = tempfile::tempdir().unwrap();
    let into = out.path().join("db/managed-migrations");
    let into_s = into.to_str().unwrap().to_string();
    let run = pgshift_in(
        &root(),
        &[
            "convert",
            "--from",
            "refinery",
            path(&src),
            "--into",
            &into_s,
        ],
        &[],
    )
    .expect(0);
    assert!(
        run.stdout
            .contains("2 migration(s) converted from refinery"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("empty down file"), "{}", run.stderr);
    assert!(into.join("000000000001_create_tenants.up.sql").exists());
    // Converting into a folder that is not empty is refused.
    pgshift_in(
        &root(),
        &[
            "convert",
            "--from",
            "refinery",
            path(&src),
            "--into",
            &into_s,
        ],
        &[],
    )
    .expect(3);

    // The old tool applied V1.
    db.connect()
        .batch_execute(
            "CREATE TABLE t1 (id bigint PRIMARY KEY);
             CREATE TABLE refinery_schema_history (version INT4 PRIMARY KEY, name VARCHAR(255), applied_on VARCHAR(255), checksum VARCHAR(255));
             INSERT INTO refinery_schema_history VALUES (1, 'create_tenants', '', '');",
        )
        .unwrap();
    let run = pgshift(
        &db,
        &[
            "convert",
            "--from",
            "refinery",
            path(&src),
            "--into",
            &into_s,
        ],
    )
    .expect(0);
    assert!(
        run.stdout.contains("1 applied migration(s) imported"),
        "{}",
        run.stdout
    );
    let run = pgshift(&db, &["migrate", "--dir", &into_s]).expect(0);
    assert!(
        run.stdout.contains("1 migration(s) applied"),
        "{}",
        run.stdout
    );
    assert!(table_exists(&db, "t2"));
}
