//! The ops commands nested in an application's parser (`myapp db ...`, feature `cli`), run
//! in process on the embedded demo set against a real database.

mod common;

use clap::{Parser, Subcommand};
use pgshift::Migrations;
use pgshift::cli::{FailureKind, Ops, Output};
use pgshift_localpg::TestDb;

static MIGRATIONS: Migrations = pgshift::embed_migrations!();

#[derive(Parser)]
struct App {
    #[command(subcommand)]
    command: AppCommand,
}

#[derive(Subcommand)]
enum AppCommand {
    Serve,
    Db(Ops),
}

fn ops(args: &[&str]) -> Ops {
    match App::try_parse_from(args).unwrap().command {
        AppCommand::Db(ops) => ops,
        AppCommand::Serve => panic!("not a db command"),
    }
}

fn run(ops: &Ops, migrations: &Migrations) -> Result<(), pgshift::cli::Failure> {
    pgshift::cli::execute(
        &ops.command,
        &ops.options,
        migrations,
        &pgshift::Seeds::default(),
        &Output::new(&ops.options),
    )
}

#[test]
fn nested_db_commands_migrate_and_roll_back_the_embedded_set() {
    let db = TestDb::new();
    let url = db.url();
    run(
        &ops(&[
            "myapp",
            "db",
            "migrate",
            "-q",
            "--no-backup",
            "--database-url",
            url,
        ]),
        &MIGRATIONS,
    )
    .unwrap();
    let mut client = db.connect();
    assert_eq!(common::applied(&mut client).len(), MIGRATIONS.len());
    run(
        &ops(&[
            "myapp",
            "db",
            "rollback",
            "--steps",
            "2",
            "-q",
            "--database-url",
            url,
        ]),
        &MIGRATIONS,
    )
    .unwrap();
    assert_eq!(common::applied(&mut client).len(), MIGRATIONS.len() - 2);
    let err = run(
        &ops(&[
            "myapp",
            "db",
            "migrate",
            "--to",
            "nope",
            "--database-url",
            url,
        ]),
        &MIGRATIONS,
    )
    .unwrap_err();
    assert_eq!(err.kind, FailureKind::Usage);
}

#[test]
fn a_nested_rollback_undoes_a_migration_the_binary_does_not_know() {
    let db = TestDb::new();
    // A newer release applied one more migration than this binary embeds.
    let dir = tempfile::tempdir().unwrap();
    for m in MIGRATIONS.iter() {
        std::fs::write(
            dir.path().join(format!("{}.up.sql", m.id)),
            m.up.sql.as_ref(),
        )
        .unwrap();
        std::fs::write(
            dir.path().join(format!("{}.down.sql", m.id)),
            m.down.sql.as_ref(),
        )
        .unwrap();
    }
    std::fs::write(
        dir.path().join("209901010000_newer.up.sql"),
        "CREATE TABLE from_a_newer_release (id int);",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("209901010000_newer.down.sql"),
        "DROP TABLE from_a_newer_release;",
    )
    .unwrap();
    let newer = common::load(dir.path());
    let options = ops(&["myapp", "db", "status", "--database-url", db.url()]).options;
    options.migrator(&newer).migrate(&mut db.connect()).unwrap();

    run(
        &ops(&["myapp", "db", "rollback", "-q", "--database-url", db.url()]),
        &MIGRATIONS,
    )
    .unwrap();
    let mut client = db.connect();
    let gone: bool = client
        .query_one("SELECT to_regclass('from_a_newer_release') IS NULL", &[])
        .unwrap()
        .get(0);
    assert!(gone, "rolled back with the down SQL from the history table");
    assert_eq!(common::applied(&mut client).len(), MIGRATIONS.len());
}

#[test]
fn without_a_url_the_app_commands_are_a_usage_error() {
    // The environment is not changed (other tests run beside this one): with DATABASE_URL set
    // (an external test server) the resolution falls back to it, which is what is checked.
    let ops = ops(&["myapp", "db", "status"]);
    if pgshift::url_from_env().is_none() {
        let err = run(&ops, &MIGRATIONS).unwrap_err();
        assert_eq!(err.kind, FailureKind::Usage);
        assert!(err.to_string().contains("--database-url"), "{err}");
    } else {
        run(&ops, &MIGRATIONS).unwrap();
    }
}
