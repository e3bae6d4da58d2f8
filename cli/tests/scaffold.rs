//! The file commands of the built `pgshift` binary: `new`, `init`, `index`.

mod common;

use common::*;
use pgshift_localpg::TestDb;

#[test]
fn new_twice_in_one_minute_gives_distinct_versions() {
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("db/managed-migrations");
    std::fs::create_dir_all(&migrations).unwrap();
    let first = pgshift_in(dir.path(), &["new", "add_x"], &[]).expect(0);
    let second = pgshift_in(dir.path(), &["new", "add_x"], &[]).expect(0);
    let mut names: Vec<String> = std::fs::read_dir(&migrations)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), 4, "{names:?}");
    let versions: std::collections::BTreeSet<&str> = names.iter().map(|n| &n[..12]).collect();
    assert_eq!(versions.len(), 2, "{names:?}");
    for n in &names {
        assert!(n[..12].bytes().all(|b| b.is_ascii_digit()), "{n}");
        assert!(
            n.ends_with("_add_x.up.sql") || n.ends_with("_add_x.down.sql"),
            "{n}"
        );
    }
    assert!(
        first.stdout.starts_with("wrote db/managed-migrations/"),
        "{}",
        first.stdout
    );
    assert_ne!(first.stdout, second.stdout);
    // The pair has no SQL yet: lint says so.
    let run = pgshift_in(dir.path(), &["lint"], &[]).expect(3);
    assert!(run.stderr.contains("empty-up-file"), "{}", run.stderr);

    let run = pgshift_in(dir.path(), &["new", "Add-X"], &[]).expect(2);
    assert!(
        run.stderr.contains("lowercase letters, digits and _"),
        "{}",
        run.stderr
    );
}

#[test]
fn init_creates_the_layout_and_keeps_what_exists() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"x\"\n").unwrap();
    let run = pgshift_in(dir.path(), &["init"], &[]).expect(0);
    assert!(
        run.stdout.contains("created db/managed-migrations"),
        "{}",
        run.stdout
    );
    assert!(dir.path().join("db/managed-migrations").is_dir());
    assert!(dir.path().join("db/managed-seeds").is_dir());
    let build = std::fs::read_to_string(dir.path().join("build.rs")).unwrap();
    assert!(
        build.contains("println!(\"cargo:rerun-if-changed=db\");"),
        "{build}"
    );
    let config_path = dir.path().join("db/managed-migrations/pgshift.toml");
    let config = std::fs::read_to_string(&config_path).unwrap();
    assert!(
        config.lines().all(|l| l.is_empty() || l.starts_with('#')),
        "{config}"
    );
    // An empty set lints clean, and a second init changes nothing.
    pgshift_in(dir.path(), &["lint"], &[]).expect(0);
    // Every commented default is a valid setting once uncommented.
    let uncommented: String = config
        .lines()
        .filter_map(|l| l.strip_prefix("# "))
        .filter(|l| l.contains(" = "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(uncommented.lines().count(), 5, "{uncommented}");
    std::fs::write(dir.path().join("schema.sql"), "").unwrap();
    std::fs::write(
        &config_path,
        uncommented.replace("../schema.sql", "../../schema.sql"),
    )
    .unwrap();
    pgshift_in(dir.path(), &["lint"], &[]).expect(0);
    // And lint reads it: a mistake there fails.
    std::fs::write(&config_path, "disable = [\"vacum-full\"]\n").unwrap();
    let run = pgshift_in(dir.path(), &["lint"], &[]).expect(3);
    assert!(
        run.all().contains("did you mean `vacuum-full`?"),
        "{}",
        run.all()
    );
    std::fs::write(&config_path, &config).unwrap();
    let run = pgshift_in(dir.path(), &["init"], &[]).expect(0);
    assert!(run.stdout.contains("exists  db/managed-migrations"));
    assert!(run.stdout.contains("exists  build.rs"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("build.rs")).unwrap(),
        build
    );
}

#[test]
fn index_writes_a_concurrent_pair_that_lints_and_applies() {
    let db = TestDb::new();
    let dir = demo_copy();
    let args = [
        "index",
        "--dir",
        path(&dir),
        "--table",
        "cases",
        "--column",
        "status",
        "--tenant-scope",
        "tenant_id=42",
    ];
    let run = pgshift_in(&root(), &[&args[..], &["--dry-run"]].concat(), &[]).expect(0);
    assert!(
        run.stdout.contains("CREATE INDEX CONCURRENTLY"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("WHERE \"tenant_id\" = 42"));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        10,
        "dry run wrote nothing"
    );

    let run = pgshift_in(&root(), &args, &[]).expect(0);
    let up = run
        .stdout
        .lines()
        .next()
        .unwrap()
        .strip_prefix("wrote ")
        .unwrap();
    assert!(up.ends_with(".up.sql"), "{up}");
    assert!(
        std::fs::read_to_string(up)
            .unwrap()
            .starts_with("CREATE INDEX CONCURRENTLY")
    );
    pgshift_in(&root(), &["lint", path(&dir)], &[]).expect(0);
    let run = pgshift(&db, &["migrate", "--dir", path(&dir)]).expect(0);
    assert!(
        run.stdout.contains("6 migration(s) applied"),
        "{}",
        run.stdout
    );

    let run = pgshift_in(
        &root(),
        &[
            "index",
            "--dir",
            path(&dir),
            "--table",
            "cases",
            "--column",
            "x",
            "--method",
            "fancy",
        ],
        &[],
    )
    .expect(2);
    assert!(run.stderr.contains("fancy"), "{}", run.stderr);
}
