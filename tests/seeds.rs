//! Tracked seeds against a real PostgreSQL: applied once, in order, under the migration lock,
//! refused before migrating and when changed, and a failing seed rolls back only itself.

mod common;

use std::path::Path;

use common::{BASIC, set};
use pgshift::{Error, Migrator, Seeds};
use pgshift_localpg::TestDb;

/// Loads a seed folder written on the fly.
fn seeds(files: &[(&str, &str)]) -> (tempfile::TempDir, Seeds) {
    let dir = common::folder(files);
    let seeds = load_seeds(dir.path());
    (dir, seeds)
}

fn load_seeds(dir: &Path) -> Seeds {
    match pgshift::load::load_seeds_dir(dir, "db/managed-seeds", &pgshift_core::Options::default())
    {
        Ok((s, _)) => s,
        Err(d) => panic!("{d:?}"),
    }
}

const TENANTS: &[(&str, &str)] = &[
    (
        "001_tenants.sql",
        "INSERT INTO tenants (id, name) VALUES (1, 'Acme'), (2, 'Globex');",
    ),
    (
        "002_cases.sql",
        "INSERT INTO cases (id, tenant_id, title) VALUES (10, 1, 'First'), (11, 2, 'Second');",
    ),
];

fn count(client: &mut postgres::Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).unwrap().get(0)
}

#[test]
fn seeds_apply_once_in_name_order_and_a_second_run_changes_nothing() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_m, migrations) = set(BASIC);
    // 002 before 001 on disk order would fail: cases reference tenants.
    let (_s, seeds) = seeds(TENANTS);
    let migrator = Migrator::new(&migrations);
    migrator.migrate(&mut client).unwrap();

    let first = migrator.seed(&mut client, &seeds).unwrap();
    let names: Vec<&str> = first.applied.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["001_tenants", "002_cases"]);
    assert!(first.skipped.is_empty());

    let second = migrator.seed(&mut client, &seeds).unwrap();
    assert!(second.applied.is_empty(), "{second}");
    assert_eq!(second.skipped, ["001_tenants", "002_cases"]);
    assert_eq!(
        second.to_string(),
        "nothing to seed: 2 seed(s) already applied"
    );
    assert_eq!(count(&mut client, "SELECT count(*) FROM cases"), 2);

    let rows = client
        .query(
            "SELECT name, checksum, applied_by = current_user, execution_ms >= 0, runs FROM seed_history ORDER BY name",
            &[],
        )
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].get::<_, String>(0), "001_tenants");
    assert_eq!(rows[0].get::<_, String>(1), seeds.as_slice()[0].checksum());
    assert!(rows[0].get::<_, bool>(2) && rows[0].get::<_, bool>(3));
    assert_eq!(rows[1].get::<_, i32>(4), 1);
}

#[test]
fn a_changed_seed_is_an_error_naming_it_and_runs_again_only_when_asked() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_m, migrations) = set(BASIC);
    let migrator = Migrator::new(&migrations);
    migrator.migrate(&mut client).unwrap();
    let (_s, original) = seeds(TENANTS);
    migrator.seed(&mut client, &original).unwrap();

    // A layout-only edit is not a change.
    let (_s2, reformatted) = seeds(&[
        TENANTS[0],
        (
            "002_cases.sql",
            "-- demo cases\nINSERT INTO cases (id, tenant_id, title)\n  VALUES (10, 1, 'First'), (11, 2, 'Second');",
        ),
    ]);
    assert!(
        migrator
            .seed(&mut client, &reformatted)
            .unwrap()
            .applied
            .is_empty()
    );

    let changed_sql = "DELETE FROM cases WHERE id = 11; INSERT INTO cases (id, tenant_id, title) VALUES (12, 2, 'Third');";
    let (_s3, changed) = seeds(&[
        TENANTS[0],
        ("002_cases.sql", changed_sql),
        (
            "003_more.sql",
            "INSERT INTO cases (id, tenant_id, title) VALUES (13, 1, 'Fourth');",
        ),
    ]);
    let err = migrator.seed(&mut client, &changed).unwrap_err();
    match &err {
        Error::SeedChanged(names) => assert_eq!(names, &["002_cases"]),
        other => panic!("expected SeedChanged, got {other:?}"),
    }
    let message = err.to_string();
    assert!(
        message.contains("002_cases") && message.contains("--rerun-changed"),
        "{message}"
    );
    // Checked before anything ran: the new seed 003 did not run either.
    assert_eq!(
        count(
            &mut client,
            "SELECT count(*) FROM cases WHERE id IN (12, 13)"
        ),
        0
    );

    let report = Migrator::new(&migrations)
        .rerun_changed_seeds(true)
        .seed(&mut client, &changed)
        .unwrap();
    let ran: Vec<(&str, bool)> = report
        .applied
        .iter()
        .map(|a| (a.name.as_str(), a.rerun))
        .collect();
    assert_eq!(ran, [("002_cases", true), ("003_more", false)]);
    assert_eq!(report.skipped, ["001_tenants"]);
    assert_eq!(count(&mut client, "SELECT count(*) FROM cases"), 3);
    let runs: i32 = client
        .query_one(
            "SELECT runs FROM seed_history WHERE name = '002_cases'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(runs, 2);
    // And now the changed file is the recorded one.
    assert!(
        migrator
            .seed(&mut client, &changed)
            .unwrap()
            .applied
            .is_empty()
    );
}

#[test]
fn a_failing_seed_rolls_back_only_itself_stops_and_names_file_and_line() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_m, migrations) = set(BASIC);
    let migrator = Migrator::new(&migrations);
    migrator.migrate(&mut client).unwrap();
    let (_s, seeds) = seeds(&[
        TENANTS[0],
        (
            "002_bad.sql",
            "INSERT INTO cases (id, tenant_id, title) VALUES (10, 1, 'kept?');\n\nINSERT INTO cases (id, tenant_id) VALUES (11, 999);",
        ),
        (
            "003_after.sql",
            "INSERT INTO cases (id, tenant_id) VALUES (20, 1);",
        ),
    ]);
    let err = migrator.seed(&mut client, &seeds).unwrap_err();
    let Error::Migration(e) = &err else {
        panic!("expected a seed failure, got {err:?}");
    };
    assert_eq!(e.id, "002_bad");
    assert_eq!(e.file, "db/managed-seeds/002_bad.sql");
    assert_eq!(e.statement, Some(2));
    assert_eq!(e.position.map(|p| p.0), Some(3));
    assert_eq!(e.sqlstate.as_deref(), Some("23503"));
    assert_eq!(e.completed_before, ["001_tenants"]);
    let message = err.to_string();
    assert!(
        message.starts_with("seed 002_bad failed at statement 2 (db/managed-seeds/002_bad.sql:3:"),
        "{message}"
    );

    assert_eq!(
        count(&mut client, "SELECT count(*) FROM tenants"),
        2,
        "the seed before stays"
    );
    assert_eq!(
        count(&mut client, "SELECT count(*) FROM cases"),
        0,
        "nothing of the failing seed, nothing after it"
    );
    let recorded: Vec<String> = client
        .query("SELECT name FROM seed_history ORDER BY name", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(recorded, ["001_tenants"]);
}

#[test]
fn seeding_before_migrating_is_refused_with_what_to_do() {
    let db = TestDb::new();
    let mut client = db.connect();
    let (_m, migrations) = set(BASIC);
    let (_s, seeds) = seeds(TENANTS);
    let migrator = Migrator::new(&migrations);

    // Nothing migrated at all.
    let err = migrator.seed(&mut client, &seeds).unwrap_err();
    assert!(
        matches!(&err, Error::SeedsBeforeMigrations { pending } if pending.len() == 3),
        "{err:?}"
    );
    assert!(err.to_string().contains("migrate first"), "{err}");

    // Partly migrated.
    Migrator::new(&migrations)
        .target("202501020000")
        .migrate(&mut client)
        .unwrap();
    let err = migrator.seed(&mut client, &seeds).unwrap_err();
    match err {
        Error::SeedsBeforeMigrations { pending } => {
            assert_eq!(pending, ["202501030000_case_priority"])
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(count(&mut client, "SELECT count(*) FROM tenants"), 0);
}

#[test]
fn concurrent_seeders_apply_each_seed_once() {
    let db = TestDb::new();
    let (_m, migrations) = set(BASIC);
    let mut client = db.connect();
    Migrator::new(&migrations).migrate(&mut client).unwrap();
    // Not idempotent SQL: a second run of a seed would fail on the primary key.
    let (_s, seeds) = seeds(TENANTS);
    let runners: Vec<_> = (0..6)
        .map(|_| {
            let (url, migrations, seeds) =
                (db.url().to_string(), migrations.clone(), seeds.clone());
            std::thread::spawn(move || {
                let mut client = pgshift::connect(&url).unwrap();
                Migrator::new(&migrations)
                    .seed(&mut client, &seeds)
                    .map(|r| r.applied.len())
            })
        })
        .collect();
    let applied: usize = runners
        .into_iter()
        .map(|r| r.join().unwrap().expect("every runner succeeds"))
        .sum();
    assert_eq!(applied, 2, "each seed applied by exactly one runner");
    assert_eq!(count(&mut client, "SELECT sum(runs) FROM seed_history"), 2);
}

#[test]
fn the_demo_seeds_are_embedded_checked_and_apply_to_the_demo_schema() {
    static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!();
    static SEEDS: Seeds = pgshift::embed_seeds!();
    assert!(!SEEDS.is_empty());
    assert_eq!(
        SEEDS.as_slice()[0].script.path,
        "db/managed-seeds/001_demo_tenants.sql"
    );

    // The embedded and loaded sets agree.
    let loaded = load_seeds(&Path::new(env!("CARGO_MANIFEST_DIR")).join("db/managed-seeds"));
    assert_eq!(loaded.len(), SEEDS.len());
    for (a, b) in loaded.iter().zip(SEEDS.iter()) {
        assert_eq!((&a.name, a.checksum()), (&b.name, b.checksum()));
    }

    let db = TestDb::new();
    let mut client = db.connect();
    let migrator = Migrator::new(&MIGRATIONS);
    migrator.migrate(&mut client).unwrap();
    let report = migrator.seed(&mut client, &SEEDS).unwrap();
    assert_eq!(report.applied.len(), SEEDS.len());
    assert!(count(&mut client, "SELECT count(*) FROM tenants") >= 2);
    assert!(
        migrator
            .seed(&mut client, &SEEDS)
            .unwrap()
            .applied
            .is_empty()
    );
}
