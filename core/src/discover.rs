//! Reading a migration folder and enforcing the naming and pairing contract.
//!
//! This is the one resolver behind both `embed_migrations!()` and the on-disk loader, so what
//! is embedded and what is loaded cannot disagree.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::checksum::checksum;
use crate::diagnostic::Diagnostic;
use crate::naming::{self, Direction, FileName};

/// One SQL file read from disk.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Where the file really is (absolute when the folder was given absolute).
    pub path: PathBuf,
    /// The path as the user wrote the folder, joined with the file name: used in messages.
    pub display: String,
    /// The file's text.
    pub text: String,
    /// [`checksum`] of the file's bytes.
    pub checksum: String,
}

/// An up file with its down file.
#[derive(Clone, Debug)]
pub struct SourcePair {
    /// The parsed name of the up file (the down file's is the same but for the direction).
    pub name: FileName,
    /// `*.up.sql`.
    pub up: SourceFile,
    /// `*.down.sql`.
    pub down: SourceFile,
}

/// Joins a folder as the user wrote it with a file name, for display.
pub fn display_path(display_dir: &str, file_name: &str) -> String {
    let dir = display_dir.trim_end_matches(['/', '\\']);
    if dir.is_empty() || dir == "." {
        file_name.to_string()
    } else {
        format!("{dir}/{file_name}")
    }
}

/// Reads `dir` and returns its migrations in version order, and every problem found.
///
/// `display_dir` is how the folder is named in messages (relative, as the user wrote it).
/// A pair with a problem is left out of the result; the problem is in the diagnostics.
pub fn discover(dir: &Path, display_dir: &str) -> (Vec<SourcePair>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            diagnostics.push(folder_error(dir, display_dir, &e));
            return (Vec::new(), diagnostics);
        }
    };

    let mut names: Vec<(String, PathBuf, bool)> = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => {
                let file_name = entry.file_name().to_string_lossy().into_owned();
                // Follows symbolic links: a link to a folder is a folder, a link to a file
                // is read as that file.
                // The entry's type comes with the listing; only a symbolic link costs a stat.
                let is_dir = match entry.file_type() {
                    Ok(t) if t.is_symlink() => entry.path().is_dir(),
                    Ok(t) => t.is_dir(),
                    Err(_) => entry.path().is_dir(),
                };
                names.push((file_name, entry.path(), is_dir));
            }
            Err(e) => diagnostics.push(Diagnostic::new(
                "missing-folder",
                display_dir,
                format!("migration folder `{display_dir}` cannot be listed: {e}"),
            )),
        }
    }
    names.sort();

    let mut by_version: BTreeMap<i64, Vec<(FileName, PathBuf, String)>> = BTreeMap::new();
    for (file_name, path, is_dir) in names {
        if naming::is_ignored(&file_name) {
            continue;
        }
        let display = display_path(display_dir, &file_name);
        if is_dir {
            let (link, help) = match fs::read_link(&path) {
                Ok(target) => (
                    format!(" (a symbolic link to `{}`)", target.display()),
                    "move it out of the migration folder (only `README*`, `pgshift.toml` and dotfiles may stay): subfolders \
                     are not read, also through a link; link the migration files themselves, or the whole folder",
                ),
                Err(_) => (
                    String::new(),
                    "move it out of the migration folder (only `README*`, `pgshift.toml` and dotfiles may stay)",
                ),
            };
            diagnostics.push(
                Diagnostic::new(
                    "stray-file",
                    display,
                    format!("unexpected folder `{file_name}` in the migration folder{link}"),
                )
                .why("every entry of a migration folder must be a migration, so none is skipped by mistake")
                .help(help),
            );
            continue;
        }
        match naming::parse_file_name(&file_name) {
            Ok(parsed) => by_version
                .entry(parsed.version)
                .or_default()
                .push((parsed, path, display)),
            Err(naming::NameError::NotSql) => diagnostics.push(
                Diagnostic::new(
                    "stray-file",
                    display,
                    format!("unexpected file `{file_name}` in the migration folder"),
                )
                .why("every file of a migration folder must be a migration, so none is skipped by mistake")
                .help("move it out of the migration folder (only `README*`, `pgshift.toml` and dotfiles may stay)"),
            ),
            Err(err) => diagnostics.push(
                Diagnostic::new(
                    "invalid-file-name",
                    display,
                    format!("file name `{file_name}` {}", err.explain()),
                )
                .why("a misnamed file would never run, and nobody would notice")
                .help(match naming::lowercase_fix(&file_name) {
                    Some(fixed) => format!("rename the file to `{fixed}`"),
                    None => "name migration files `YYYYMMDDHHMM_name.up.sql` and `YYYYMMDDHHMM_name.down.sql`".into(),
                }),
            ),
        }
    }

    let mut pairs = Vec::new();
    for (_, files) in by_version {
        let (first_name, first_text) = (&files[0].0.name, &files[0].0.version_text);
        if files
            .iter()
            .any(|(f, _, _)| &f.name != first_name || &f.version_text != first_text)
        {
            let names: Vec<String> = files
                .iter()
                .map(|(_, path, _)| {
                    format!(
                        "`{}`",
                        path.file_name().unwrap_or_default().to_string_lossy()
                    )
                })
                .collect();
            let listed = names.join(", ");
            diagnostics.push(
                Diagnostic::new(
                    "duplicate-version",
                    files[0].2.clone(),
                    format!(
                        "version {} is used by files with different names: {listed}",
                        files[0].0.version_text,
                    ),
                )
                .why("the version orders migrations and identifies them in the history table, so it must belong to one migration")
                .help("give one migration a new version (a later timestamp); if these are the two halves of one migration, give both files the same name"),
            );
            continue;
        }
        let mut up = None;
        let mut down = None;
        for (parsed, path, display) in files {
            match parsed.direction {
                Direction::Up => up = Some((parsed, path, display)),
                Direction::Down => down = Some((parsed, path, display)),
            }
        }
        match (up, down) {
            (Some(up), Some(down)) => {
                let up_file = read_file(up.1, up.2, &mut diagnostics);
                let down_file = read_file(down.1, down.2, &mut diagnostics);
                if let (Some(up_file), Some(down_file)) = (up_file, down_file) {
                    pairs.push(SourcePair {
                        name: up.0,
                        up: up_file,
                        down: down_file,
                    });
                }
            }
            (Some((parsed, _, display)), None) => {
                let expected = format!("{}.down.sql", parsed.id());
                diagnostics.push(
                    Diagnostic::new(
                        "missing-down-file",
                        display,
                        format!("migration `{}` has no down file `{expected}`", parsed.id()),
                    )
                    .why("without a down file the migration cannot be rolled back")
                    .help(format!(
                        "add `{expected}` next to it with the SQL that undoes the up file"
                    )),
                );
            }
            (None, Some((parsed, _, display))) => {
                let expected = format!("{}.up.sql", parsed.id());
                diagnostics.push(
                    Diagnostic::new(
                        "missing-up-file",
                        display,
                        format!("migration `{}` has a down file but no up file `{expected}`", parsed.id()),
                    )
                    .why("a down file alone is never applied; the up file was probably renamed or deleted")
                    .help(format!("add `{expected}`, or delete the down file")),
                );
            }
            (None, None) => {}
        }
    }
    (pairs, diagnostics)
}

/// The target of `path` when it is a symbolic link whose target does not exist.
fn broken_link_target(path: &Path) -> Option<PathBuf> {
    let target = fs::read_link(path).ok()?;
    (!path.exists()).then_some(target)
}

/// Why the migration folder cannot be listed.
pub(crate) fn folder_error(dir: &Path, display_dir: &str, e: &std::io::Error) -> Diagnostic {
    let why = "without the folder there is nothing to embed, and an app built without its migrations would \
               start against a schema it does not expect";
    let help = "create the folder, or pass the folder's path relative to the crate's Cargo.toml: \
                `embed_migrations!(\"path/to/migrations\")`";
    let (what, help) = if let Some(target) = broken_link_target(dir) {
        (
            format!(
                "is a symbolic link to `{}`, which does not exist",
                target.display()
            ),
            "point the link at the folder that holds the migrations (a relative target is resolved from \
             the folder the link is in), or pass that folder's path to `embed_migrations!(\"path/to/migrations\")`",
        )
    } else if e.kind() == std::io::ErrorKind::NotFound {
        ("does not exist".to_string(), help)
    } else if dir.is_file() {
        ("is a file, not a folder".to_string(), help)
    } else if e.kind() == std::io::ErrorKind::PermissionDenied {
        (
            format!("cannot be read: {e}"),
            "check the folder's permissions (the build runs as the user running cargo)",
        )
    } else {
        (format!("cannot be read: {e}"), help)
    };
    Diagnostic::new(
        "missing-folder",
        display_dir,
        format!("migration folder `{display_dir}` {what}"),
    )
    .why(why)
    .help(help)
}

pub(crate) fn read_file(
    path: PathBuf,
    display: String,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<SourceFile> {
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) => {
            let (message, help) = if let Some(target) = broken_link_target(&path) {
                (
                    format!(
                        "the file is a symbolic link to `{}`, which does not exist",
                        target.display()
                    ),
                    "point the link at an existing file (a relative target is resolved from the folder \
                     the link is in), or replace the link with the file",
                )
            } else if e.kind() == std::io::ErrorKind::PermissionDenied {
                (
                    format!("cannot read the file: {e}"),
                    "check the file's permissions (the build runs as the user running cargo)",
                )
            } else {
                (
                    format!("cannot read the file: {e}"),
                    "check that the file exists and that the user running cargo can read it",
                )
            };
            diagnostics.push(
                Diagnostic::new("unreadable-file", display, message)
                    .why("a migration that cannot be read cannot be checked or embedded")
                    .help(help),
            );
            return None;
        }
    };
    let checksum = checksum(&bytes);
    match String::from_utf8(bytes) {
        Ok(text) => Some(SourceFile {
            path,
            display,
            text,
            checksum,
        }),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
            let line_end = bytes[valid..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |i| valid + i);
            let shown = String::from_utf8_lossy(&bytes[..line_end]).into_owned();
            let mut d = Diagnostic::new(
                "not-utf8",
                display,
                format!(
                    "the file is not valid UTF-8 (byte 0x{:02x} at offset {valid})",
                    bytes[valid]
                ),
            )
            .why("migrations are SQL text and PostgreSQL expects UTF-8 from pgshift")
            .help("re-save the file as UTF-8");
            // Point at the first bad byte: its position is the end of the valid prefix.
            let marker = d.clone().at(&shown, prefix.len(), 1);
            d.position = marker.position;
            d.snippet = marker.snippet;
            diagnostics.push(d);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(files: &[(&str, &[u8])]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, content) in files {
            let path = dir.path().join(name);
            if name.ends_with('/') {
                fs::create_dir(path).unwrap();
            } else {
                fs::write(path, content).unwrap();
            }
        }
        dir
    }

    fn codes(diags: &[Diagnostic]) -> Vec<&'static str> {
        diags.iter().map(|d| d.code).collect()
    }

    #[test]
    fn pairs_are_found_in_version_order() {
        let dir = folder(&[
            ("202401020000_b.up.sql", b"SELECT 2;"),
            ("202401020000_b.down.sql", b""),
            ("202401010000_a.up.sql", b"SELECT 1;"),
            ("202401010000_a.down.sql", b""),
            ("README.md", b"notes"),
            (".gitkeep", b""),
        ]);
        let (pairs, diags) = discover(dir.path(), "db/m");
        assert!(diags.is_empty(), "{diags:?}");
        let ids: Vec<String> = pairs.iter().map(|p| p.name.id()).collect();
        assert_eq!(ids, ["202401010000_a", "202401020000_b"]);
        assert_eq!(pairs[0].up.display, "db/m/202401010000_a.up.sql");
    }

    #[test]
    fn each_contract_violation_is_reported() {
        let dir = folder(&[
            ("202401010000_only_up.up.sql", b"SELECT 1;"),
            ("202401020000_only_down.down.sql", b"SELECT 1;"),
            ("202401030000_x.up.sql", b"SELECT 1;"),
            ("202401030000_x.down.sql", b"SELECT 1;"),
            ("202401030000_y.up.sql", b"SELECT 1;"),
            ("202401030000_y.down.sql", b"SELECT 1;"),
            ("2024_short.up.sql", b"SELECT 1;"),
            ("notes.txt", b"hi"),
            ("nested/", b""),
            ("202401040000_bad.up.sql", b"SELECT '\xff';"),
            ("202401040000_bad.down.sql", b""),
        ]);
        let (pairs, diags) = discover(dir.path(), "m");
        assert!(pairs.is_empty());
        let mut got = codes(&diags);
        got.sort();
        assert_eq!(
            got,
            [
                "duplicate-version",
                "invalid-file-name",
                "missing-down-file",
                "missing-up-file",
                "not-utf8",
                "stray-file",
                "stray-file",
            ]
        );
        let bad = diags.iter().find(|d| d.code == "not-utf8").unwrap();
        assert_eq!(bad.location(), "m/202401040000_bad.up.sql:1:9");
    }

    #[test]
    fn versions_that_differ_only_in_leading_zeros_collide() {
        let dir = folder(&[
            ("0202401010000_a.up.sql", b"SELECT 1;"),
            ("0202401010000_a.down.sql", b""),
            ("202401010000_a.up.sql", b"SELECT 1;"),
            ("202401010000_a.down.sql", b""),
        ]);
        let (pairs, diags) = discover(dir.path(), "m");
        assert!(pairs.is_empty());
        assert_eq!(codes(&diags), ["duplicate-version"]);
    }

    #[test]
    fn a_symbolic_link_to_the_folder_is_followed() {
        let root = tempfile::tempdir().unwrap();
        let real = folder(&[
            ("202401010000_a.up.sql", b"SELECT 1;"),
            ("202401010000_a.down.sql", b""),
        ]);
        std::os::unix::fs::symlink(real.path(), root.path().join("linked")).unwrap();
        let (pairs, diags) = discover(&root.path().join("linked"), "db/linked");
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(pairs.len(), 1);
        assert_eq!(pairs[0].up.display, "db/linked/202401010000_a.up.sql");
    }

    #[test]
    fn symbolic_links_to_files_are_read_as_the_files() {
        let shared = folder(&[("a.sql", b"SELECT 1;")]);
        let dir = folder(&[("202401010000_a.down.sql", b"")]);
        std::os::unix::fs::symlink(
            shared.path().join("a.sql"),
            dir.path().join("202401010000_a.up.sql"),
        )
        .unwrap();
        let (pairs, diags) = discover(dir.path(), "m");
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(pairs[0].up.text, "SELECT 1;");
    }

    #[test]
    fn broken_symbolic_links_say_where_they_point() {
        let root = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("gone", root.path().join("linked")).unwrap();
        let (_, diags) = discover(&root.path().join("linked"), "db/linked");
        assert_eq!(codes(&diags), ["missing-folder"]);
        assert_eq!(
            diags[0].message,
            "migration folder `db/linked` is a symbolic link to `gone`, which does not exist"
        );
        assert!(
            diags[0]
                .help
                .as_deref()
                .unwrap()
                .starts_with("point the link")
        );

        let dir = folder(&[("202401010000_a.up.sql", b"SELECT 1;")]);
        std::os::unix::fs::symlink(
            "../shared/a.down.sql",
            dir.path().join("202401010000_a.down.sql"),
        )
        .unwrap();
        let (pairs, diags) = discover(dir.path(), "m");
        assert!(pairs.is_empty());
        assert_eq!(codes(&diags), ["unreadable-file"]);
        assert_eq!(diags[0].location(), "m/202401010000_a.down.sql");
        assert_eq!(
            diags[0].message,
            "the file is a symbolic link to `../shared/a.down.sql`, which does not exist"
        );
        assert!(!diags[0].help.as_deref().unwrap().contains("permissions"));
    }

    #[test]
    fn a_symbolic_link_to_a_folder_inside_is_a_folder() {
        let shared = tempfile::tempdir().unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(shared.path(), dir.path().join("shared")).unwrap();
        std::os::unix::fs::symlink(shared.path(), dir.path().join("202401010000_a.up.sql"))
            .unwrap();
        fs::write(dir.path().join("202401010000_a.down.sql"), "").unwrap();
        let (_, diags) = discover(dir.path(), "m");
        let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
        let link = format!("(a symbolic link to `{}`)", shared.path().display());
        assert_eq!(
            messages,
            [
                format!("unexpected folder `202401010000_a.up.sql` in the migration folder {link}"),
                format!("unexpected folder `shared` in the migration folder {link}"),
                "migration `202401010000_a` has a down file but no up file `202401010000_a.up.sql`"
                    .into(),
            ]
        );
    }

    #[test]
    fn names_in_another_case_get_the_lowercase_name_as_help() {
        let dir = folder(&[
            ("202401010000_a.UP.SQL", b"SELECT 1;"),
            ("202401010000_a.Down.Sql", b""),
            ("202401020000_AddX.up.sql", b"SELECT 1;"),
        ]);
        let (_, diags) = discover(dir.path(), "m");
        let found: Vec<(&str, &str)> = diags
            .iter()
            .map(|d| (d.message.as_str(), d.help.as_deref().unwrap()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "file name `202401010000_a.Down.Sql` ends in `.Down.Sql`; the suffix must be lowercase: `.down.sql`",
                    "rename the file to `202401010000_a.down.sql`"
                ),
                (
                    "file name `202401010000_a.UP.SQL` ends in `.UP.SQL`; the suffix must be lowercase: `.up.sql`",
                    "rename the file to `202401010000_a.up.sql`"
                ),
                (
                    "file name `202401020000_AddX.up.sql` has the name `AddX`; names use only lowercase letters, digits and `_`",
                    "rename the file to `202401020000_addx.up.sql`"
                ),
            ]
        );
    }

    #[test]
    fn missing_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let (_, diags) = discover(&dir.path().join("nope"), "db/nope");
        assert_eq!(codes(&diags), ["missing-folder"]);
        assert!(diags[0].message.contains("`db/nope` does not exist"));
    }
}
