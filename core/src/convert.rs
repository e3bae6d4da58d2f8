//! Converting another tool's migration folder (diesel, sqlx, refinery) into pgshift's layout.
//!
//! The source folder is only read. Order and names are kept: versions come out with one digit
//! count, so that pgshift's numeric order is the source tool's order (diesel orders version
//! strings as text, sqlx and refinery as numbers), and collisions are resolved by moving the
//! later migration one up, reported as a note. A `.pgshift-converted.tsv` next to the files
//! maps every source version to its pgshift version, for importing the old tool's history.
//!
//! ```
//! use pgshift_core::convert::{convert, Tool};
//!
//! let src = tempfile::tempdir()?;
//! std::fs::write(src.path().join("V1__create_cases.sql"), "CREATE TABLE cases (id bigint);")?;
//! std::fs::write(src.path().join("V2__add_title.sql"), "ALTER TABLE cases ADD COLUMN title text;")?;
//! let into = tempfile::tempdir()?;
//!
//! let done = convert(Tool::Refinery, src.path(), into.path()).unwrap();
//! assert_eq!(done.migrations[1].id, "000000000002_add_title");
//! assert!(into.path().join("000000000002_add_title.down.sql").exists());
//! # Ok::<(), std::io::Error>(())
//! ```

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::naming::MAX_VERSION_DIGITS;

/// The name of the version map written next to the converted files.
pub const MAP_FILE: &str = ".pgshift-converted.tsv";

/// A migration tool pgshift converts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Tool {
    /// diesel_migrations: `YYYY-MM-DD-HHMMSS_name/{up,down}.sql` (+ `metadata.toml`).
    Diesel,
    /// sqlx: `VERSION_name.up.sql`/`.down.sql`, or `VERSION_name.sql` (irreversible).
    Sqlx,
    /// refinery: `V{n}__name.sql` (no down migrations).
    Refinery,
}

impl Tool {
    /// `diesel`, `sqlx` or `refinery`.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Diesel => "diesel",
            Tool::Sqlx => "sqlx",
            Tool::Refinery => "refinery",
        }
    }

    /// Whether the tool orders versions as text (diesel) rather than as numbers.
    fn orders_as_text(self) -> bool {
        self == Tool::Diesel
    }
}

impl fmt::Display for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Tool {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "diesel" => Ok(Tool::Diesel),
            "sqlx" => Ok(Tool::Sqlx),
            "refinery" => Ok(Tool::Refinery),
            other => Err(format!(
                "unknown tool `{other}`: expected diesel, sqlx or refinery"
            )),
        }
    }
}

/// Why a conversion failed. Nothing was written (or, for [`ConvertError::Io`] while writing,
/// only into the target folder).
#[derive(Debug)]
#[non_exhaustive]
pub enum ConvertError {
    /// Reading or writing failed.
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The source holds something the tool's layout does not allow.
    Layout {
        /// The entry.
        path: PathBuf,
        /// What is wrong, and what to do.
        problem: String,
    },
    /// The source folder is already a pgshift folder.
    AlreadyPgshift(PathBuf),
    /// The target folder is not empty.
    TargetNotEmpty(PathBuf),
}

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConvertError::Io { path, source } => {
                write!(f, "cannot read or write `{}`: {source}", path.display())
            }
            ConvertError::Layout { path, problem } => write!(f, "`{}`: {problem}", path.display()),
            ConvertError::AlreadyPgshift(p) => write!(
                f,
                "`{}` is already a pgshift migration folder: use it as it is (`pgshift lint` checks it)",
                p.display()
            ),
            ConvertError::TargetNotEmpty(p) => write!(
                f,
                "the target folder `{}` is not empty; convert into a new folder, so nothing is overwritten",
                p.display()
            ),
        }
    }
}

impl std::error::Error for ConvertError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConvertError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// One converted migration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Converted {
    /// The version as the source tool records it in its history table (digits only).
    pub source_version: String,
    /// Where it came from.
    pub source: PathBuf,
    /// The pgshift version.
    pub version: i64,
    /// The pgshift id: `VERSION_name`.
    pub id: String,
    /// The up SQL.
    pub up: String,
    /// The down SQL (empty: irreversible).
    pub down: String,
}

/// A converted folder.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Conversion {
    /// The migrations, in order.
    pub migrations: Vec<Converted>,
    /// What the user should know: renamed migrations, moved versions, empty down files,
    /// migrations the source ran outside a transaction.
    pub notes: Vec<String>,
}

/// Reads `src` as `tool`'s folder and writes the pgshift folder `into` (created if missing;
/// it must be empty). Returns what was written.
pub fn convert(tool: Tool, src: &Path, into: &Path) -> Result<Conversion, ConvertError> {
    let conversion = read(tool, src)?;
    write(tool, &conversion, into)?;
    Ok(conversion)
}

/// Reads `src` as `tool`'s folder, without writing anything.
pub fn read(tool: Tool, src: &Path) -> Result<Conversion, ConvertError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ConvertError::Io { path, source }
    };
    let (pairs, diagnostics) = crate::discover::discover(src, &src.display().to_string());
    if !pairs.is_empty() && diagnostics.is_empty() {
        return Err(ConvertError::AlreadyPgshift(src.to_path_buf()));
    }
    let mut entries: Vec<(String, PathBuf)> = fs::read_dir(src)
        .map_err(io(src))?
        .filter_map(Result::ok)
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .filter(|(n, _)| !n.starts_with('.') && !n.starts_with("README"))
        .collect();
    entries.sort();
    let mut raw: Vec<Raw> = Vec::new();
    let mut notes = Vec::new();
    match tool {
        Tool::Diesel => {
            for (name, path) in entries {
                if !path.is_dir() {
                    if name == "README.md" || name.ends_with(".toml") {
                        continue;
                    }
                    return Err(layout(
                        &path,
                        "diesel migrations are folders `YYYY-MM-DD-HHMMSS_name/` with `up.sql` and `down.sql`",
                    ));
                }
                let (version, label) = split_version(&name, '_').ok_or_else(|| {
                    layout(
                        &path,
                        "the folder name does not start with a version and `_`",
                    )
                })?;
                let up =
                    fs::read_to_string(path.join("up.sql")).map_err(io(&path.join("up.sql")))?;
                let down = match fs::read_to_string(path.join("down.sql")) {
                    Ok(d) => d,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        notes.push(format!(
                            "{name}: no down.sql, wrote an empty down file (irreversible)"
                        ));
                        String::new()
                    }
                    Err(e) => return Err(io(&path.join("down.sql"))(e)),
                };
                if fs::read_to_string(path.join("metadata.toml")).is_ok_and(|m| {
                    m.lines()
                        .any(|l| l.replace(' ', "").starts_with("run_in_transaction=false"))
                }) {
                    notes.push(format!(
                        "{name}: diesel ran it outside a transaction (`run_in_transaction = false`); pgshift runs statements that \
                         cannot run in a transaction outside one by itself, and the rest in one"
                    ));
                }
                raw.push(Raw {
                    version,
                    label,
                    source: path,
                    up,
                    down,
                });
            }
        }
        Tool::Sqlx => {
            let mut downs = std::collections::BTreeMap::new();
            for (name, path) in &entries {
                if let Some(stem) = name.strip_suffix(".down.sql") {
                    downs.insert(stem.to_string(), path.clone());
                }
            }
            for (name, path) in &entries {
                if name.ends_with(".down.sql") {
                    continue;
                }
                let stem = name
                    .strip_suffix(".up.sql")
                    .or_else(|| name.strip_suffix(".sql"))
                    .ok_or_else(|| layout(path, "sqlx migrations are `VERSION_name.sql` or `VERSION_name.up.sql` + `.down.sql`"))?;
                let (version, label) = split_version(stem, '_').ok_or_else(|| {
                    layout(path, "the file name does not start with a version and `_`")
                })?;
                let up = fs::read_to_string(path).map_err(io(path))?;
                let down = match downs.remove(stem) {
                    Some(d) => fs::read_to_string(&d).map_err(io(&d))?,
                    None => {
                        notes.push(format!(
                            "{name}: irreversible in sqlx, wrote an empty down file"
                        ));
                        String::new()
                    }
                };
                if up
                    .lines()
                    .next()
                    .is_some_and(|l| l.trim() == "-- no-transaction")
                {
                    notes.push(format!(
                        "{name}: sqlx ran it outside a transaction (`-- no-transaction`); pgshift runs statements that cannot \
                         run in a transaction outside one by itself, and the rest in one"
                    ));
                }
                raw.push(Raw {
                    version,
                    label,
                    source: path.clone(),
                    up,
                    down,
                });
            }
            if let Some((_, path)) = downs.into_iter().next() {
                return Err(layout(&path, "a down file without its up file"));
            }
        }
        Tool::Refinery => {
            for (name, path) in entries {
                let Some(rest) = name.strip_prefix('V').or_else(|| name.strip_prefix('v')) else {
                    let why = if name.starts_with('U') || name.starts_with('u') {
                        "unversioned refinery migrations (`U...`) have no place in an ordered history; give it a version"
                    } else {
                        "refinery migrations are `V{n}__name.sql`"
                    };
                    return Err(layout(&path, why));
                };
                let stem = rest.strip_suffix(".sql").ok_or_else(|| {
                    layout(&path, "only SQL migrations can be converted (a `.rs` migration must be rewritten as SQL)")
                })?;
                let (version, label) = stem
                    .split_once("__")
                    .filter(|(v, _)| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                    .map(|(v, l)| (v.to_string(), l.to_string()))
                    .ok_or_else(|| layout(&path, "the file name is not `V{n}__name.sql`"))?;
                let up = fs::read_to_string(&path).map_err(io(&path))?;
                raw.push(Raw {
                    version,
                    label,
                    source: path,
                    up,
                    down: String::new(),
                });
            }
            if !raw.is_empty() {
                notes.push(format!(
                    "refinery has no down migrations: wrote {} empty down file(s); those migrations are irreversible \
                     until you write them",
                    raw.len()
                ));
            }
        }
    }
    if raw.is_empty() {
        return Err(layout(src, &format!("no {tool} migrations found")));
    }
    number(tool, raw, notes)
}

/// A migration as read, before numbering.
struct Raw {
    version: String,
    label: String,
    source: PathBuf,
    up: String,
    down: String,
}

fn layout(path: &Path, problem: &str) -> ConvertError {
    ConvertError::Layout {
        path: path.to_path_buf(),
        problem: problem.to_string(),
    }
}

/// `2023-01-02-030405_create_cases` → (`20230102030405`, `create_cases`).
fn split_version(name: &str, sep: char) -> Option<(String, String)> {
    let (version, label) = name.split_once(sep)?;
    let digits: String = version.chars().filter(|c| *c != '-').collect();
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| (digits, label.to_string()))
}

/// `Create-Cases` → `create_cases`.
fn pgshift_name(label: &str) -> String {
    let mut out = String::new();
    for c in label.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_string();
    if out.is_empty() {
        "migration".into()
    } else {
        out
    }
}

/// Gives every migration a pgshift version of one digit count, in the source tool's order.
fn number(
    tool: Tool,
    mut raw: Vec<Raw>,
    mut notes: Vec<String>,
) -> Result<Conversion, ConvertError> {
    let width = raw
        .iter()
        .map(|r| r.version.trim_start_matches('0').len())
        .max()
        .unwrap_or(0)
        .max(crate::naming::MIN_VERSION_DIGITS);
    if width > MAX_VERSION_DIGITS {
        let long = raw
            .iter()
            .find(|r| r.version.trim_start_matches('0').len() > MAX_VERSION_DIGITS);
        return Err(layout(
            long.map_or(Path::new(""), |r| r.source.as_path()),
            &format!(
                "a version of more than {MAX_VERSION_DIGITS} digits does not fit a PostgreSQL bigint"
            ),
        ));
    }
    let value = |r: &Raw| -> i64 {
        let digits = if tool.orders_as_text() {
            // Text order: a shorter version sorts before the longer ones it prefixes, which
            // padding it on the right keeps.
            let mut d = r.version.clone();
            while d.len() < width {
                d.push('0');
            }
            d
        } else {
            r.version.clone()
        };
        digits.parse().unwrap_or(i64::MAX)
    };
    if tool.orders_as_text() {
        raw.sort_by(|a, b| a.version.cmp(&b.version));
    } else {
        raw.sort_by_key(|r| r.version.parse::<u128>().unwrap_or(u128::MAX));
    }
    let mut migrations: Vec<Converted> = Vec::with_capacity(raw.len());
    for r in raw {
        let mut version = value(&r);
        if let Some(prev) = migrations.last()
            && version <= prev.version
        {
            let moved = prev.version + 1;
            notes.push(format!(
                "{}: version {} would collide with {} after conversion; moved to {moved}",
                r.source.file_name().unwrap_or_default().to_string_lossy(),
                r.version,
                prev.id
            ));
            version = moved;
        }
        let name = pgshift_name(&r.label);
        if name != r.label {
            notes.push(format!(
                "{}: renamed `{}` to `{name}` (names are [a-z0-9_]+)",
                r.version, r.label
            ));
        }
        migrations.push(Converted {
            id: format!("{version:0width$}_{name}"),
            source_version: r.version,
            source: r.source,
            version,
            up: r.up,
            down: r.down,
        });
    }
    Ok(Conversion { migrations, notes })
}

/// Writes a conversion into `into` (created if missing; must be empty).
pub fn write(tool: Tool, conversion: &Conversion, into: &Path) -> Result<(), ConvertError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ConvertError::Io { path, source }
    };
    fs::create_dir_all(into).map_err(io(into))?;
    if fs::read_dir(into).map_err(io(into))?.next().is_some() {
        return Err(ConvertError::TargetNotEmpty(into.to_path_buf()));
    }
    let mut map = format!("# pgshift convert --from {tool}: source version -> pgshift version\n");
    for m in &conversion.migrations {
        for (suffix, sql) in [("up", &m.up), ("down", &m.down)] {
            let path = into.join(format!("{}.{suffix}.sql", m.id));
            fs::write(&path, sql).map_err(io(&path))?;
        }
        map.push_str(&format!("{}\t{}\t{}\n", m.source_version, m.version, m.id));
    }
    let path = into.join(MAP_FILE);
    fs::write(&path, map).map_err(io(&path))
}

/// Reads a `.pgshift-converted.tsv` map: (source version, pgshift version) pairs.
pub fn read_map(text: &str) -> Vec<(String, i64)> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.split('\t');
            Some((parts.next()?.to_string(), parts.next()?.parse().ok()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let p = dir.path().join(path);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, text).unwrap();
        }
        dir
    }

    fn ids(c: &Conversion) -> Vec<&str> {
        c.migrations.iter().map(|m| m.id.as_str()).collect()
    }

    #[test]
    fn diesel_folders_keep_their_order_with_mixed_stamp_lengths() {
        let src = tree(&[
            ("00000000000000_diesel_initial_setup/up.sql", "SELECT 1;"),
            ("00000000000000_diesel_initial_setup/down.sql", "SELECT 2;"),
            (
                "2023-01-02-030405_create_cases/up.sql",
                "CREATE TABLE cases (id int);",
            ),
            (
                "2023-01-02-030405_create_cases/down.sql",
                "DROP TABLE cases;",
            ),
            (
                "2023-01-02-0304051234_Add-Title/up.sql",
                "ALTER TABLE cases ADD title text;",
            ),
            (
                "2023-01-02-0304051234_Add-Title/down.sql",
                "ALTER TABLE cases DROP title;",
            ),
            (
                "2023-05-01-000000_concurrent/up.sql",
                "CREATE INDEX CONCURRENTLY i ON cases (id);",
            ),
            (
                "2023-05-01-000000_concurrent/metadata.toml",
                "run_in_transaction = false\n",
            ),
            ("diesel.toml", ""),
        ]);
        let c = read(Tool::Diesel, src.path()).unwrap();
        assert_eq!(
            ids(&c),
            [
                "000000000000000000_diesel_initial_setup",
                "202301020304050000_create_cases",
                "202301020304051234_add_title",
                "202305010000000000_concurrent",
            ]
        );
        assert_eq!(c.migrations[2].source_version, "202301020304051234");
        assert!(
            c.notes
                .iter()
                .any(|n| n.contains("renamed `Add-Title` to `add_title`")),
            "{:?}",
            c.notes
        );
        assert!(
            c.notes
                .iter()
                .any(|n| n.contains("run_in_transaction = false"))
        );
        assert!(c.notes.iter().any(|n| n.contains("no down.sql")));
    }

    #[test]
    fn text_order_collisions_move_the_later_one_up_and_are_reported() {
        let src = tree(&[
            ("20230102030405_a/up.sql", "SELECT 1;"),
            ("202301020304050_b/up.sql", "SELECT 2;"),
        ]);
        let c = read(Tool::Diesel, src.path()).unwrap();
        assert_eq!(ids(&c), ["202301020304050_a", "202301020304051_b"]);
        assert!(
            c.notes
                .iter()
                .any(|n| n.contains("collide") && n.contains("moved to 202301020304051")),
            "{:?}",
            c.notes
        );
    }

    #[test]
    fn sqlx_reversible_and_simple_migrations_keep_numeric_order() {
        let src = tree(&[
            ("1_init.up.sql", "CREATE TABLE t (id int);"),
            ("1_init.down.sql", "DROP TABLE t;"),
            (
                "2_seed.sql",
                "-- no-transaction\nCREATE INDEX CONCURRENTLY ti ON t (id);",
            ),
            ("10_more.sql", "ALTER TABLE t ADD x int;"),
        ]);
        let c = read(Tool::Sqlx, src.path()).unwrap();
        assert_eq!(
            ids(&c),
            [
                "000000000001_init",
                "000000000002_seed",
                "000000000010_more"
            ]
        );
        assert_eq!(c.migrations[0].down, "DROP TABLE t;");
        assert_eq!(c.migrations[2].down, "");
        assert!(c.notes.iter().any(|n| n.contains("no-transaction")));
    }

    #[test]
    fn refinery_gets_empty_down_files_and_refuses_rust_migrations() {
        let src = tree(&[("V1__init.sql", "SELECT 1;"), ("V2__next.sql", "SELECT 2;")]);
        let into = tempfile::tempdir().unwrap();
        let c = convert(Tool::Refinery, src.path(), &into.path().join("db")).unwrap();
        assert_eq!(ids(&c), ["000000000001_init", "000000000002_next"]);
        assert!(c.notes[0].contains("empty down file"));
        let map = fs::read_to_string(into.path().join("db").join(MAP_FILE)).unwrap();
        assert_eq!(read_map(&map), [("1".to_string(), 1), ("2".to_string(), 2)]);
        // The written folder is a valid pgshift folder.
        let (pairs, diags) = crate::discover::discover(&into.path().join("db"), "db");
        assert_eq!((pairs.len(), diags.len()), (2, 0), "{diags:?}");

        let rust = tree(&[("V1__init.rs", "fn migration() {}")]);
        let err = read(Tool::Refinery, rust.path()).unwrap_err();
        assert!(
            err.to_string().contains("must be rewritten as SQL"),
            "{err}"
        );
    }

    #[test]
    fn a_pgshift_folder_and_a_non_empty_target_are_refused() {
        let src = tree(&[
            ("202501010000_a.up.sql", "SELECT 1;"),
            ("202501010000_a.down.sql", "SELECT 1;"),
        ]);
        let err = read(Tool::Sqlx, src.path()).unwrap_err();
        assert!(matches!(err, ConvertError::AlreadyPgshift(_)), "{err}");

        let src = tree(&[("V1__init.sql", "SELECT 1;")]);
        let into = tree(&[("keep.txt", "mine")]);
        let err = convert(Tool::Refinery, src.path(), into.path()).unwrap_err();
        assert!(matches!(err, ConvertError::TargetNotEmpty(_)), "{err}");
        assert_eq!(
            fs::read_to_string(into.path().join("keep.txt")).unwrap(),
            "mine"
        );
    }

    #[test]
    fn the_source_folder_is_never_changed() {
        let src = tree(&[("1_init.sql", "SELECT 1;")]);
        let before: Vec<_> = fs::read_dir(src.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        let into = tempfile::tempdir().unwrap();
        convert(Tool::Sqlx, src.path(), &into.path().join("out")).unwrap();
        let after: Vec<_> = fs::read_dir(src.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(before, after);
    }
}
