//! The file-naming contract: `YYYYMMDDHHMM_name.up.sql` / `YYYYMMDDHHMM_name.down.sql`.

/// Which half of a migration a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// `*.up.sql`: applies the change.
    Up,
    /// `*.down.sql`: reverts it.
    Down,
}

impl Direction {
    /// `"up"` or `"down"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }
}

/// A well-formed migration file name, taken apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileName {
    /// The version: the digit prefix, as a number.
    pub version: i64,
    /// The digit prefix exactly as written (keeps leading zeros for display).
    pub version_text: String,
    /// The part between `_` and `.up.sql`/`.down.sql`.
    pub name: String,
    /// Up or down.
    pub direction: Direction,
}

impl FileName {
    /// `VERSION_name`, the migration's id.
    pub fn id(&self) -> String {
        format!("{}_{}", self.version_text, self.name)
    }
}

/// Shortest version prefix accepted: `YYYYMMDDHHMM`.
pub const MIN_VERSION_DIGITS: usize = 12;
/// Longest version prefix accepted: what fits in a PostgreSQL `bigint`.
pub const MAX_VERSION_DIGITS: usize = 18;

/// What is wrong with a file name, as a sentence fragment to follow "file name `x` ...".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NameError {
    /// Not a `.sql` file at all.
    NotSql,
    /// Ends in `.sql` (in any case) but not in `.up.sql` or `.down.sql`.
    NoDirection,
    /// Ends in `.up.sql` or `.down.sql` written in another case (the suffix as written,
    /// `.UP.SQL`).
    SuffixCase(String),
    /// The version prefix is missing or has the wrong number of digits.
    BadVersion(String),
    /// The name part is empty or has characters outside `[a-z0-9_]`.
    BadName(String),
}

impl NameError {
    /// Explains the problem in words.
    pub fn explain(&self) -> String {
        match self {
            NameError::NotSql => {
                "is not a migration file (expected `.up.sql` or `.down.sql`)".into()
            }
            NameError::NoDirection => "must end in `.up.sql` or `.down.sql`".into(),
            NameError::SuffixCase(suffix) => format!(
                "ends in `{suffix}`; the suffix must be lowercase: `{}`",
                suffix.to_ascii_lowercase()
            ),
            NameError::BadVersion(v) if v.is_empty() => format!(
                "must start with a version of {MIN_VERSION_DIGITS} to {MAX_VERSION_DIGITS} digits (YYYYMMDDHHMM) followed by `_`"
            ),
            NameError::BadVersion(v) => format!(
                "has a version of {} digits (`{v}`); a version has {MIN_VERSION_DIGITS} to {MAX_VERSION_DIGITS} digits (YYYYMMDDHHMM)",
                v.len()
            ),
            NameError::BadName(n) if n.is_empty() => "has no name after the version".into(),
            NameError::BadName(n) => {
                format!("has the name `{n}`; names use only lowercase letters, digits and `_`")
            }
        }
    }
}

/// Parses a migration file name.
///
/// ```
/// use pgshift_core::naming::{parse_file_name, Direction};
/// let f = parse_file_name("202412010001_migration_backups.down.sql").unwrap();
/// assert_eq!(f.version, 202412010001);
/// assert_eq!(f.id(), "202412010001_migration_backups");
/// assert_eq!(f.direction, Direction::Down);
/// ```
pub fn parse_file_name(file_name: &str) -> Result<FileName, NameError> {
    let lower = file_name.to_ascii_lowercase();
    for suffix in [".up.sql", ".down.sql"] {
        if lower.ends_with(suffix) && !file_name.ends_with(suffix) {
            // ASCII case changes keep byte offsets, so the suffix starts at the same place.
            let written = &file_name[file_name.len() - suffix.len()..];
            return Err(NameError::SuffixCase(written.to_string()));
        }
    }
    let Some(stem) = file_name.strip_suffix(".sql") else {
        return Err(if lower.ends_with(".sql") {
            NameError::NoDirection
        } else {
            NameError::NotSql
        });
    };
    let (stem, direction) = if let Some(s) = stem.strip_suffix(".up") {
        (s, Direction::Up)
    } else if let Some(s) = stem.strip_suffix(".down") {
        (s, Direction::Down)
    } else {
        return Err(NameError::NoDirection);
    };
    let digits = stem.bytes().take_while(u8::is_ascii_digit).count();
    let (version_text, rest) = stem.split_at(digits);
    if !(MIN_VERSION_DIGITS..=MAX_VERSION_DIGITS).contains(&digits) {
        return Err(NameError::BadVersion(version_text.to_string()));
    }
    let Some(name) = rest.strip_prefix('_') else {
        return Err(NameError::BadVersion(String::new()));
    };
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !valid {
        return Err(NameError::BadName(name.to_string()));
    }
    let version = version_text
        .parse::<i64>()
        .map_err(|_| NameError::BadVersion(version_text.to_string()))?;
    Ok(FileName {
        version,
        version_text: version_text.to_string(),
        name: name.to_string(),
        direction,
    })
}

/// The name in lowercase, when that is what makes it a valid migration file name
/// (`202401010000_a.UP.SQL` is meant as `202401010000_a.up.sql`).
///
/// ```
/// use pgshift_core::naming::lowercase_fix;
/// assert_eq!(lowercase_fix("202401010000_Add_X.Up.Sql").as_deref(), Some("202401010000_add_x.up.sql"));
/// assert_eq!(lowercase_fix("202401010000_add-x.UP.SQL"), None);
/// ```
pub fn lowercase_fix(file_name: &str) -> Option<String> {
    let lower = file_name.to_ascii_lowercase();
    (lower != file_name && parse_file_name(&lower).is_ok()).then_some(lower)
}

/// Files that may sit in a migration folder without being migrations: `README*`, dotfiles and
/// the set's settings, `pgshift.toml` (read by [`crate::config`]).
pub fn is_ignored(file_name: &str) -> bool {
    file_name.starts_with('.')
        || file_name.starts_with("README")
        || file_name == crate::config::FILE_NAME
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_twelve_and_longer_versions() {
        assert_eq!(
            parse_file_name("202401010000_a.up.sql").unwrap().version,
            202401010000
        );
        let long = parse_file_name("20240101000059_add_x_2.up.sql").unwrap();
        assert_eq!(long.version_text, "20240101000059");
        assert_eq!(long.name, "add_x_2");
    }

    #[test]
    fn rejects_each_kind_of_bad_name() {
        assert_eq!(parse_file_name("notes.txt"), Err(NameError::NotSql));
        assert_eq!(
            parse_file_name("202401010000_a.sql"),
            Err(NameError::NoDirection)
        );
        assert_eq!(
            parse_file_name("2024_a.up.sql"),
            Err(NameError::BadVersion("2024".into()))
        );
        assert_eq!(
            parse_file_name("create_users.up.sql"),
            Err(NameError::BadVersion(String::new()))
        );
        assert_eq!(
            parse_file_name("202401010000-users.up.sql"),
            Err(NameError::BadVersion(String::new()))
        );
        assert_eq!(
            parse_file_name("202401010000_Users.up.sql"),
            Err(NameError::BadName("Users".into()))
        );
        assert_eq!(
            parse_file_name("202401010000_.up.sql"),
            Err(NameError::BadName(String::new()))
        );
        assert!(matches!(
            parse_file_name("1234567890123456789_a.up.sql"),
            Err(NameError::BadVersion(_))
        ));
    }

    #[test]
    fn a_suffix_in_another_case_is_named_as_such() {
        for (name, suffix) in [
            ("202401010000_a.UP.SQL", ".UP.SQL"),
            ("202401010000_a.Up.Sql", ".Up.Sql"),
            ("202401010000_a.up.SQL", ".up.SQL"),
            ("202401010000_a.DOWN.sql", ".DOWN.sql"),
        ] {
            assert_eq!(
                parse_file_name(name),
                Err(NameError::SuffixCase(suffix.into())),
                "{name}"
            );
        }
        assert_eq!(
            NameError::SuffixCase(".Up.Sql".into()).explain(),
            "ends in `.Up.Sql`; the suffix must be lowercase: `.up.sql`"
        );
        // Other `.sql` files are missing the direction, whatever the case of `.sql`.
        assert_eq!(parse_file_name("schema.SQL"), Err(NameError::NoDirection));
    }

    #[test]
    fn names_that_only_need_lowercase_get_the_lowercase_name() {
        assert_eq!(
            lowercase_fix("202401010000_a.UP.SQL").as_deref(),
            Some("202401010000_a.up.sql")
        );
        assert_eq!(
            lowercase_fix("202401010000_AddUsers.down.sql").as_deref(),
            Some("202401010000_addusers.down.sql")
        );
        assert_eq!(lowercase_fix("202401010000_a.up.sql"), None);
        assert_eq!(lowercase_fix("2024_a.UP.SQL"), None);
        assert_eq!(lowercase_fix("202401010000_Create-Widgets.up.sql"), None);
    }

    #[test]
    fn readme_and_dotfiles_are_ignored() {
        assert!(is_ignored("README.md"));
        assert!(is_ignored(".gitkeep"));
        assert!(!is_ignored("notes.md"));
    }
}
