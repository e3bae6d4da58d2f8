//! A migration set that starts on an existing database, with a schema baseline made by the
//! real `pg_dump --schema-only` of that database: the verdicts on tables the set never created
//! become exact, and the statements called safe really run.

use std::path::Path;
use std::process::Command;

use pgshift::Migrator;
use pgshift_core::{Analysis, Options, analyze_dir};
use pgshift_localpg::TestDb;

/// The database as it was before pgshift: made by hand, not by migrations.
const LEGACY: &str = "
CREATE TYPE plan AS ENUM ('free', 'pro');
CREATE TABLE accounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email varchar(255) NOT NULL,
    nickname varchar(40),
    tier varchar(20),
    kind plan NOT NULL DEFAULT 'free',
    created_at timestamp NOT NULL DEFAULT now(),
    CONSTRAINT accounts_nickname_not_null CHECK (nickname IS NOT NULL)
);
CREATE INDEX accounts_created_at_idx ON accounts (created_at);
CREATE UNIQUE INDEX accounts_email_idx ON accounts (email);
CREATE TABLE events (id bigserial PRIMARY KEY, account_id bigint REFERENCES accounts (id), body text);
CREATE VIEW active_accounts AS SELECT id, kind FROM accounts WHERE kind = 'pro';
CREATE SEQUENCE invoice_numbers;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
";

/// Changes that rewrite and scan nothing, given the old schema.
const SAFE: &str = "ALTER TABLE accounts ALTER COLUMN email TYPE varchar(320);
ALTER TABLE accounts ALTER COLUMN tier TYPE text;
ALTER TABLE accounts ALTER COLUMN nickname SET NOT NULL;
ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE USING INDEX accounts_email_idx;
";

fn pg_dump_schema(url: &str, into: &Path) {
    let pg_dump = pgshift::backup::find_tool("pg_dump", "PG_DUMP").expect("pg_dump");
    let out = Command::new(pg_dump)
        .args(["--schema-only", "--no-owner", "--file"])
        .arg(into)
        .args(["--dbname", url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A folder `m/` holding the migration `up`, and `pgshift.toml` naming `../schema.sql` when
/// `baseline` is set.
fn folder(root: &Path, up: &str, baseline: bool) -> std::path::PathBuf {
    let dir = root.join(if baseline { "with" } else { "without" });
    std::fs::create_dir_all(&dir).unwrap();
    if baseline {
        std::fs::write(
            dir.join("pgshift.toml"),
            "schema-baseline = \"../schema.sql\"\n",
        )
        .unwrap();
    }
    std::fs::write(dir.join("202501010000_widen.up.sql"), up).unwrap();
    std::fs::write(dir.join("202501010000_widen.down.sql"), "").unwrap();
    dir
}

fn errors(analysis: &Analysis) -> Vec<(&'static str, String)> {
    analysis
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| (d.code, d.message.clone()))
        .collect()
}

#[test]
fn a_real_pg_dump_baseline_gives_exact_verdicts_and_the_safe_changes_run() {
    let db = TestDb::new();
    let mut client = db.connect();
    client.batch_execute(LEGACY).unwrap();
    let root = tempfile::tempdir().unwrap();
    pg_dump_schema(db.url(), &root.path().join("schema.sql"));

    // Without the baseline, every table is unknown: the conservative verdict.
    let without = analyze_dir(&folder(root.path(), SAFE, false), "m", &Options::default());
    let codes: Vec<&str> = errors(&without).iter().map(|(c, _)| *c).collect();
    assert_eq!(
        codes,
        ["change-column-type", "change-column-type", "set-not-null"],
        "{:#?}",
        without.diagnostics
    );

    // With it, pgshift knows the old types, the validated CHECK and the existing index.
    let dir = folder(root.path(), SAFE, true);
    let with = analyze_dir(&dir, "m", &Options::default());
    assert!(errors(&with).is_empty(), "{:#?}", with.diagnostics);

    // And PostgreSQL agrees that they are what pgshift allowed: they run.
    let migrations = match pgshift::load::load_dir(&dir, "m", &Options::default()) {
        Ok((m, _)) => m,
        Err(diags) => panic!("{diags:#?}"),
    };
    Migrator::new(&migrations).migrate(&mut client).unwrap();
    let not_null: bool = client
        .query_one(
            "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'nickname'",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(not_null);
}

#[test]
fn a_real_pg_dump_baseline_still_refuses_what_is_unsafe() {
    let db = TestDb::new();
    db.connect().batch_execute(LEGACY).unwrap();
    let root = tempfile::tempdir().unwrap();
    pg_dump_schema(db.url(), &root.path().join("schema.sql"));
    let unsafe_sql = "ALTER TABLE accounts ALTER COLUMN email TYPE varchar(100);
ALTER TABLE accounts ALTER COLUMN created_at TYPE timestamptz;
DROP VIEW active_accounts;
DROP SEQUENCE invoice_numbers;
DROP FUNCTION touch();
ALTER TABLE events ADD CONSTRAINT events_body_check CHECK (body <> '');
";
    let with = analyze_dir(
        &folder(root.path(), unsafe_sql, true),
        "m",
        &Options::default(),
    );
    let found = errors(&with);
    let codes: Vec<&str> = found.iter().map(|(c, _)| *c).collect();
    assert_eq!(
        codes,
        [
            "change-column-type",
            "change-column-type",
            "drop-view",
            "drop-sequence",
            "drop-function",
            "add-check-constraint"
        ],
        "{:#?}",
        with.diagnostics
    );
    assert!(
        found[0].1.contains("from `varchar(255)` to `varchar(100)`"),
        "{}",
        found[0].1
    );
    assert!(
        found[1]
            .1
            .contains("rebuilds index `accounts_created_at_idx`"),
        "{}",
        found[1].1
    );
}
