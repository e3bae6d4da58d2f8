//! Writing files: `new` (an empty pair), `init` (the project layout) and `index` (a pair built
//! by `pgshift::index`). No file is ever overwritten.

use std::path::{Component, Path};
use std::time::SystemTime;

use pgshift::cli::{Failure, IndexArgs, Output};
use pgshift::index::{self, MigrationPair};

use crate::Folders;
use crate::lint::require_folder;

/// A migration name: `[a-z0-9_]+` (the file-name contract).
pub fn parse_name(name: &str) -> Result<String, String> {
    let ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(name.to_string())
    } else {
        Err(format!(
            "`{name}` is not a migration name: use lowercase letters, digits and _ (e.g. add_case_priority)"
        ))
    }
}

pub fn new(dir: &Path, name: &str, out: &Output) -> Result<(), Failure> {
    require_folder(dir)?;
    let mut pair = index::plan_pair(dir, name, "", "", SystemTime::now())?;
    pair.up_sql = format!(
        "-- {}: what this migration changes.\n\
         -- Keep it additive (new tables, nullable columns, indexes CONCURRENTLY) so the running\n\
         -- release keeps working while it deploys. An up file without SQL fails `pgshift lint`.\n",
        pair.id
    );
    pair.down_sql = format!(
        "-- Undoes {}.up.sql. Left without SQL, the migration cannot be rolled back.\n",
        pair.id
    );
    write(&pair, out)?;
    out.note("write the SQL of both files, then `pgshift lint` and `pgshift migrate --dry-run`");
    Ok(())
}

fn write(pair: &MigrationPair, out: &Output) -> Result<(), Failure> {
    pair.write()?;
    out.line(format!("wrote {}", pair.up_path.display()));
    out.line(format!("wrote {}", pair.down_path.display()));
    Ok(())
}

const BUILD_LINE: &str = "cargo:rerun-if-changed=";

const CONFIG: &str = "\
# pgshift settings of this migration set, read by embed_migrations!(), `pgshift lint` and
# every database command (docs/rules.md, \"Configuration\"). Each line shows the default.

# The oldest PostgreSQL major version the migrations run on (10 to 18): verdicts that differ
# by version follow it.
# postgres-version = 15

# The session time zone of the migrating connection (`timestamp` -> `timestamptz` keeps the
# rows only under UTC).
# time-zone = \"UTC\"

# Rules that report nothing, and advice rules (prefer-*) whose findings fail the build.
# disable = []
# deny = []

# A `pg_dump --schema-only` file of the database the first migration runs on, relative to
# this folder: tables the migrations never created then get exact verdicts.
# schema-baseline = \"../schema.sql\"
";

pub fn init(folders: &Folders, out: &Output) -> Result<(), Failure> {
    for dir in [&folders.dir, &folders.seeds_dir] {
        if dir.is_dir() {
            out.line(format!("exists  {}", dir.display()));
            continue;
        }
        std::fs::create_dir_all(dir)
            .and_then(|()| std::fs::write(dir.join(".gitkeep"), ""))
            .map_err(|e| Failure::runtime(format!("cannot create {}: {e}", dir.display())))?;
        out.line(format!("created {}", dir.display()));
    }
    let watched = watched_folder(&folders.dir);
    let line = format!("println!(\"{BUILD_LINE}{watched}\");");
    let build = Path::new("build.rs");
    if build.exists() {
        let text = std::fs::read_to_string(build).unwrap_or_default();
        if text.contains(&format!("{BUILD_LINE}{watched}")) {
            out.line("exists  build.rs (it already watches the folder)");
        } else {
            out.line(format!(
                "build.rs exists: add `{line}` to its main, so cargo rebuilds when a migration file is added"
            ));
        }
    } else if Path::new("Cargo.toml").is_file() {
        let text = format!(
            "fn main() {{\n    // Rebuild when a migration or seed is added (embed_migrations!() tracks edits itself).\n    {line}\n}}\n"
        );
        create_new(build, &text)?;
        out.line("created build.rs");
    } else {
        out.line(format!(
            "no Cargo.toml here: in the crate that embeds the migrations, put `{line}` in build.rs's main"
        ));
    }
    let config = folders.dir.join(pgshift_core::config::FILE_NAME);
    if config.exists() {
        out.line(format!("exists  {}", config.display()));
    } else {
        create_new(&config, CONFIG)?;
        out.line(format!("created {}", config.display()));
    }
    out.note("next: `pgshift new NAME` writes a migration pair");
    Ok(())
}

/// The folder a build script watches: the first component of a relative migration folder
/// (`db` for `db/managed-migrations`), else the folder itself.
fn watched_folder(dir: &Path) -> String {
    match dir.components().next() {
        Some(Component::Normal(first)) if dir.is_relative() => first.to_string_lossy().into(),
        _ => dir.display().to_string(),
    }
}

fn create_new(path: &Path, text: &str) -> Result<(), Failure> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| Failure::runtime(format!("cannot write {}: {e}", path.display())))
}

/// `pgshift index`: the library's scaffolding, into the migration folder.
pub fn index(args: &IndexArgs, dir: &Path, out: &Output) -> Result<(), Failure> {
    require_folder(dir)?;
    args.scaffold(dir, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_file_contract() {
        assert!(parse_name("add_case_priority2").is_ok());
        for bad in ["", "Add", "a-b", "a b", "é"] {
            assert!(parse_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_build_script_watches_the_top_folder() {
        assert_eq!(watched_folder(Path::new("db/managed-migrations")), "db");
        assert_eq!(watched_folder(Path::new("migrations")), "migrations");
    }
}
