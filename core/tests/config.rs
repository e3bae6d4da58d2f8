//! `pgshift.toml` in a migration folder, through `analyze_dir` (what the macro, `pgshift lint`
//! and the disk loader all call): the target version, rules switched off, advice denied, the
//! schema baseline, and allow comments that allow nothing.

use std::path::Path;

use pgshift_core::{Analysis, Options, TransactionMode, analyze_dir};

/// A folder holding `pgshift.toml` (when given) and one migration per `(up, down)`.
fn folder(config: Option<&str>, migrations: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let migrations_dir = dir.path().join("m");
    std::fs::create_dir(&migrations_dir).unwrap();
    if let Some(config) = config {
        std::fs::write(migrations_dir.join("pgshift.toml"), config).unwrap();
    }
    for (i, (up, down)) in migrations.iter().enumerate() {
        let stem = format!("20240101000{i}_m{i}");
        std::fs::write(migrations_dir.join(format!("{stem}.up.sql")), up).unwrap();
        std::fs::write(migrations_dir.join(format!("{stem}.down.sql")), down).unwrap();
    }
    dir
}

fn analyze(dir: &Path) -> Analysis {
    analyze_dir(&dir.join("m"), "m", &Options::default())
}

/// The errors, and the advice of the rules named in `advice`.
fn codes_with(analysis: &Analysis, advice: &[&str]) -> Vec<(&'static str, &'static str)> {
    analysis
        .diagnostics
        .iter()
        .filter(|d| d.is_error() || advice.contains(&d.code))
        .map(|d| (d.code, d.severity.as_str()))
        .collect()
}

/// The errors.
fn codes(analysis: &Analysis) -> Vec<(&'static str, &'static str)> {
    codes_with(analysis, &[])
}

/// The errors, as diagnostics.
fn errors(analysis: &Analysis) -> Vec<&pgshift_core::Diagnostic> {
    analysis
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect()
}

const USERS: &str = "CREATE TABLE users (id bigint PRIMARY KEY, name varchar(20));";

#[test]
fn without_a_file_the_defaults_apply_and_nothing_is_tracked() {
    let dir = folder(None, &[(USERS, "DROP TABLE users;")]);
    let analysis = analyze(dir.path());
    assert!(analysis.inputs.is_empty());
    assert_eq!(analysis.config, pgshift_core::Config::default());
}

#[test]
fn the_file_is_not_a_stray_file_and_is_tracked() {
    let dir = folder(
        Some("postgres-version = 14\n"),
        &[(USERS, "DROP TABLE users;")],
    );
    let analysis = analyze(dir.path());
    assert!(errors(&analysis).is_empty(), "{:#?}", analysis.diagnostics);
    assert_eq!(analysis.config.postgres_version, 14);
    assert_eq!(analysis.inputs, [dir.path().join("m/pgshift.toml")]);
}

#[test]
fn disable_turns_a_rule_off_and_deny_makes_advice_an_error() {
    let later = "ALTER TABLE users ADD COLUMN age int;\nVACUUM FULL users;";
    let plain = folder(None, &[(USERS, ""), (later, "")]);
    assert_eq!(
        codes_with(&analyze(plain.path()), &["prefer-bigint"]),
        [("prefer-bigint", "advice"), ("vacuum-full", "error")]
    );
    let configured = folder(
        Some("disable = [\"vacuum-full\"]\ndeny = [\"prefer-bigint\"]\n"),
        &[(USERS, ""), (later, "")],
    );
    assert_eq!(
        codes_with(&analyze(configured.path()), &["prefer-bigint"]),
        [("prefer-bigint", "error")]
    );
}

#[test]
fn a_bad_file_fails_the_analysis_with_its_position() {
    let dir = folder(
        Some("postgres-version = 15\ndisable = [\"vacum-full\"]\n"),
        &[(USERS, "")],
    );
    let analysis = analyze(dir.path());
    assert!(analysis.has_errors());
    let d = &analysis.diagnostics[0];
    assert_eq!(
        (d.code, d.location()),
        ("invalid-config", "m/pgshift.toml:2:12".to_string())
    );
    assert!(d.help.as_deref().unwrap().contains("`vacuum-full`"), "{d}");
}

#[test]
fn before_postgresql_12_adding_an_enum_value_runs_outside_the_transaction() {
    let up = "CREATE TYPE mood AS ENUM ('ok');";
    let later = "ALTER TYPE mood ADD VALUE 'great';\nCREATE TYPE size AS ENUM ('s');\nALTER TYPE size ADD VALUE 'm';";
    let modes = |config: Option<&str>| {
        let dir = folder(config, &[(up, ""), (later, "")]);
        let analysis = analyze(dir.path());
        assert!(!analysis.has_errors(), "{:#?}", analysis.diagnostics);
        analysis.migrations[1]
            .up
            .statements
            .iter()
            .map(|s| matches!(s.class.transaction, TransactionMode::Autocommit))
            .collect::<Vec<bool>>()
    };
    assert_eq!(modes(None), [false, false, false]);
    // The type created in the same migration may still get values inside the transaction.
    assert_eq!(modes(Some("postgres-version = 11")), [true, false, false]);
}

#[test]
fn a_schema_baseline_gives_exact_verdicts_for_tables_the_set_never_created() {
    let widen = "ALTER TABLE users ALTER COLUMN name TYPE varchar(50);";
    let without = folder(None, &[(widen, "")]);
    let analysis = analyze(without.path());
    assert_eq!(codes(&analysis), [("change-column-type", "error")]);
    assert!(
        analysis.diagnostics[0]
            .message
            .contains("old type is unknown")
    );

    let with = folder(
        Some("schema-baseline = \"../schema.sql\"\n"),
        &[(widen, "")],
    );
    std::fs::write(
        with.path().join("schema.sql"),
        "\\restrict k\nCREATE TABLE public.users (\n    id integer NOT NULL,\n    name character varying(20)\n);\n\\unrestrict k\n",
    )
    .unwrap();
    let analysis = analyze(with.path());
    assert!(errors(&analysis).is_empty(), "{:#?}", analysis.diagnostics);
    assert_eq!(
        analysis.inputs,
        [
            with.path().join("m/pgshift.toml"),
            with.path().join("m/../schema.sql")
        ]
    );

    // A narrowing is refused, naming both types.
    let narrow = folder(
        Some("schema-baseline = \"../schema.sql\"\n"),
        &[("ALTER TABLE users ALTER COLUMN name TYPE varchar(5);", "")],
    );
    std::fs::copy(
        with.path().join("schema.sql"),
        narrow.path().join("schema.sql"),
    )
    .unwrap();
    let analysis = analyze(narrow.path());
    assert!(
        analysis.diagnostics[0]
            .message
            .contains("from `varchar(20)` to `varchar(5)`"),
        "{:#?}",
        analysis.diagnostics
    );
}

#[test]
fn a_missing_schema_baseline_is_an_error() {
    let dir = folder(Some("schema-baseline = \"../nope.sql\"\n"), &[(USERS, "")]);
    let analysis = analyze(dir.path());
    assert_eq!(codes(&analysis), [("invalid-schema-baseline", "error")]);
    assert_eq!(analysis.diagnostics[0].file, "m/../nope.sql");
}

#[test]
fn allow_comments_that_allow_nothing_are_errors() {
    let later = "-- pgshift:allow drop-column -- never needed\nALTER TABLE users ADD COLUMN note text;\n\
                 CREATE TABLE tmp (a int);\n-- pgshift:allow drop-column -- scratch table\nALTER TABLE tmp DROP COLUMN a;\n\
                 -- pgshift:allow drop-column -- really gone\nALTER TABLE users DROP COLUMN name;";
    let down =
        "-- pgshift:allow drop-column -- undoing the up file\nALTER TABLE users DROP COLUMN note;";
    let dir = folder(None, &[(USERS, ""), (later, down)]);
    let analysis = analyze(dir.path());
    let found: Vec<(String, &str)> = errors(&analysis)
        .iter()
        .map(|d| (d.location(), d.message.as_str()))
        .collect();
    assert_eq!(found.len(), 3, "{found:#?}");
    assert_eq!(found[0].0, "m/202401010001_m1.up.sql:1:1");
    assert!(
        found[0]
            .1
            .ends_with("`drop-column` finds nothing in the statement below it")
    );
    assert_eq!(found[1].0, "m/202401010001_m1.up.sql:4:1");
    assert!(found[1].1.contains("created earlier in this migration"));
    assert_eq!(found[2].0, "m/202401010001_m1.down.sql:1:1");
    assert!(
        found[2]
            .1
            .ends_with("`drop-column` does not check down files")
    );
    assert!(errors(&analysis).iter().all(|d| d.code == "unused-allow"));
}

#[test]
fn an_allow_comment_stays_needed_when_the_build_allows_breaking_changes() {
    let later = "-- pgshift:allow drop-column -- really gone\nALTER TABLE users DROP COLUMN name;";
    let dir = folder(None, &[(USERS, ""), (later, "")]);
    let analysis = analyze_dir(
        &dir.path().join("m"),
        "m",
        &Options::default().allow_breaking(true),
    );
    assert!(errors(&analysis).is_empty(), "{:#?}", analysis.diagnostics);
}
