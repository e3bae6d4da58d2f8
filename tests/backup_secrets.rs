//! The password of the database URL never reaches `pg_dump`'s arguments or any output.
//!
//! One test in its own binary: it points `PG_DUMP` at a wrapper that records the arguments and
//! environment pg_dump is started with, which must happen before any other thread runs.

use std::os::unix::fs::PermissionsExt;

use pgshift::Migrator;
use pgshift::backup::{self, Backup};
use pgshift_localpg::TestDb;

const PASSWORD: &str = "s3cr:et/@pa ss?w%rd'\"";

#[test]
fn the_password_is_passed_through_the_environment_never_in_arguments_or_output() {
    let record = tempfile::tempdir().unwrap();
    let real = backup::find_tool("pg_dump", "PG_DUMP").unwrap();
    let wrapper = record.path().join("pg_dump");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$0\" \"$@\" > '{dir}/args'\ncat /proc/$$/cmdline > '{dir}/cmdline'\n\
             [ \"$PGPASSWORD\" = '{pw}' ] && echo yes > '{dir}/password_in_env'\nexec '{real}' \"$@\"\n",
            dir = record.path().display(),
            pw = PASSWORD.replace('\'', "'\\''"),
            real = real.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    // SAFETY: the only test of this binary, and no other thread has started yet.
    unsafe { std::env::set_var("PG_DUMP", &wrapper) };

    let db = TestDb::new();
    let mut admin = db.connect();
    admin
        .batch_execute(&format!(
            "DO $$ BEGIN CREATE ROLE pgshift_secret_user LOGIN SUPERUSER PASSWORD '{}'; \
             EXCEPTION WHEN duplicate_object THEN NULL; END $$",
            PASSWORD.replace('\'', "''")
        ))
        .unwrap();
    let encoded: String = PASSWORD
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let url = db
        .url()
        .replacen(
            "postgres://postgres@",
            &format!("postgres://pgshift_secret_user:{encoded}@"),
            1,
        )
        .replacen(
            "postgresql://postgres@",
            &format!("postgresql://pgshift_secret_user:{encoded}@"),
            1,
        );
    assert!(
        url.contains(&encoded),
        "the harness URL has an unexpected shape: {}",
        pgshift::redact(db.url())
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sql");
    backup::backup(&url, &path).unwrap();
    let args = std::fs::read_to_string(record.path().join("args")).unwrap();
    let cmdline = std::fs::read(record.path().join("cmdline")).unwrap();
    for secret in [PASSWORD, encoded.as_str(), "s3cr"] {
        assert!(
            !args.contains(secret),
            "password in pg_dump's arguments: {args}"
        );
        assert!(
            !String::from_utf8_lossy(&cmdline).contains(secret),
            "password in /proc/<pid>/cmdline"
        );
    }
    assert!(
        !args.contains("postgres://"),
        "no URL in the arguments: {args}"
    );
    assert!(
        record.path().join("password_in_env").exists(),
        "PGPASSWORD given to the child"
    );

    // Errors: a failing pg_dump (no such database) and a failing migration backup.
    let missing = url.replacen(db.name(), "pgshift_no_such_db", 1);
    let err = backup::backup(&missing, dir.path().join("x.sql")).unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("does not exist"), "{shown}");
    static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!();
    let err = Migrator::new(&MIGRATIONS)
        .backup(Backup::pg_dump(
            missing.clone(),
            Some(dir.path().join("y.dump")),
        ))
        .migrate(&mut admin)
        .unwrap_err();
    let shown = format!("{shown} {err} {err:?} {:?}", Backup::pg_dump(missing, None));
    for secret in [PASSWORD, encoded.as_str(), "s3cr"] {
        assert!(!shown.contains(secret), "password in output: {shown}");
    }
}
