//! Builds a small app that embeds a folder, with real cargo, to show that what cargo rebuilds
//! follows what the macro read: edited files, `ALLOW_BREAKING_MIGRATIONS`, and (with the
//! documented build script) new files.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CREATE: &str = "CREATE TABLE widgets (id bigint PRIMARY KEY, title text);\n";

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("pgshift-fixture-")
        .tempdir()
        .unwrap();
    let root = dir.path();
    let runtime = workspace().join("runtime");
    fs::write(
        root.join("Cargo.toml"),
        format!(
            "[package]\nname = \"pgshift-rebuild-fixture\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\npgshift = {{ path = {:?}, features = [\"load\"] }}\n\n[workspace]\n\n\
             [profile.dev.build-override]\nopt-level = 3\n",
            runtime.display().to_string()
        ),
    )
    .unwrap();
    fs::copy(workspace().join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
    fs::write(
        root.join("build.rs"),
        "fn main() {\n    println!(\"cargo:rerun-if-changed=db\");\n}\n",
    )
    .unwrap();
    fs::create_dir_all(root.join("src")).unwrap();
    fs::write(
        root.join("src/main.rs"),
        "static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!();\n\
         fn main() {\n    for m in &MIGRATIONS {\n        println!(\"{} {}\", m.id, m.up.statements.len());\n    }\n}\n",
    )
    .unwrap();
    let migrations = root.join("db/managed-migrations");
    fs::create_dir_all(&migrations).unwrap();
    fs::write(migrations.join("202501010000_widgets.up.sql"), CREATE).unwrap();
    fs::write(
        migrations.join("202501010000_widgets.down.sql"),
        "DROP TABLE widgets;\n",
    )
    .unwrap();
    dir
}

fn build(root: &Path, allow_breaking: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["build", "--offline", "--quiet"])
        .current_dir(root)
        // Share the trybuild target dir: the dependencies are already built there.
        .env(
            "CARGO_TARGET_DIR",
            workspace().join("target/tests/trybuild"),
        )
        .env_remove("PGSHIFT_MANIFEST_DIR")
        .env_remove("ALLOW_BREAKING_MIGRATIONS");
    if let Some(value) = allow_breaking {
        cmd.env("ALLOW_BREAKING_MIGRATIONS", value);
    }
    cmd.output().unwrap()
}

fn run(root: &Path) -> String {
    let _ = root;
    let exe = workspace().join("target/tests/trybuild/debug/pgshift-rebuild-fixture");
    let out = Command::new(exe).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn cargo_rebuilds_when_files_or_the_switch_change() {
    let dir = fixture();
    let root = dir.path();
    let up = root.join("db/managed-migrations/202501010000_widgets.up.sql");

    let out = build(root, None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(run(root), "202501010000_widgets 1\n");

    // Editing an embedded file rebuilds: the breaking change is caught.
    fs::write(
        &up,
        format!("{CREATE}ALTER TABLE cases DROP COLUMN title;\n"),
    )
    .unwrap();
    let out = build(root, None);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("[drop-column]"), "{err}");
    assert!(
        err.contains("db/managed-migrations/202501010000_widgets.up.sql:2:19"),
        "{err}"
    );
    assert!(
        err.contains("= help: ship a release that no longer uses `cases.title` first"),
        "{err}"
    );

    // The switch turns it off, and cargo notices the variable changing both ways.
    let out = build(root, Some("true"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(run(root), "202501010000_widgets 2\n");
    let out = build(root, None);
    assert!(
        !out.status.success(),
        "unsetting ALLOW_BREAKING_MIGRATIONS must rebuild and fail again"
    );

    // The allow comment works for that statement alone.
    fs::write(&up, format!("{CREATE}-- pgshift:allow drop-column -- unused since v42\nALTER TABLE cases DROP COLUMN title;\n")).unwrap();
    let out = build(root, None);
    assert!(out.status.success(), "{}", stderr(&out));

    // A new file is picked up thanks to the build script's rerun-if-changed=db.
    let migrations = root.join("db/managed-migrations");
    fs::write(
        migrations.join("202501020000_gadgets.up.sql"),
        "CREATE TABLE gadgets (id int);\n",
    )
    .unwrap();
    fs::write(
        migrations.join("202501020000_gadgets.down.sql"),
        "DROP TABLE gadgets;\n",
    )
    .unwrap();
    let out = build(root, None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        run(root),
        "202501010000_widgets 2\n202501020000_gadgets 1\n"
    );

    // And a new bad file fails the build.
    fs::write(migrations.join("202501030000_Oops.up.sql"), "SELECT 1;\n").unwrap();
    let out = build(root, None);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("[invalid-file-name]"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn cargo_rebuilds_when_pgshift_toml_or_the_schema_baseline_change() {
    let dir = fixture();
    let root = dir.path();
    // No build script: only what the macro's output includes can make cargo rebuild.
    fs::remove_file(root.join("build.rs")).unwrap();
    let migrations = root.join("db/managed-migrations");
    let config = migrations.join("pgshift.toml");
    let baseline = root.join("db/schema.sql");
    fs::write(
        &config,
        "disable = [\"vacuum-full\"]\nschema-baseline = \"../schema.sql\"\n",
    )
    .unwrap();
    fs::write(
        &baseline,
        "CREATE TABLE public.cases (id bigint, title character varying(20));\n",
    )
    .unwrap();
    fs::write(
        migrations.join("202501010000_widgets.up.sql"),
        format!(
            "{CREATE}VACUUM FULL cases;\nALTER TABLE cases ALTER COLUMN title TYPE varchar(40);\n"
        ),
    )
    .unwrap();
    let out = build(root, None);
    assert!(out.status.success(), "{}", stderr(&out));

    // Turning the rule back on in pgshift.toml rebuilds and fails.
    fs::write(&config, "schema-baseline = \"../schema.sql\"\n").unwrap();
    let out = build(root, None);
    assert!(!out.status.success(), "editing pgshift.toml must rebuild");
    assert!(stderr(&out).contains("[vacuum-full]"), "{}", stderr(&out));

    // Back to green; then a baseline where `title` is wider makes the change a narrowing.
    fs::write(
        &config,
        "disable = [\"vacuum-full\"]\nschema-baseline = \"../schema.sql\"\n",
    )
    .unwrap();
    let out = build(root, None);
    assert!(out.status.success(), "{}", stderr(&out));
    fs::write(
        &baseline,
        "CREATE TABLE public.cases (id bigint, title character varying(80));\n",
    )
    .unwrap();
    let out = build(root, None);
    assert!(
        !out.status.success(),
        "editing the schema baseline must rebuild"
    );
    let err = stderr(&out);
    assert!(err.contains("[change-column-type]"), "{err}");
    assert!(err.contains("from `varchar(80)` to `varchar(40)`"), "{err}");
}
