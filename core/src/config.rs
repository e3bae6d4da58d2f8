//! `pgshift.toml` in the migration folder: the settings that belong to the migration set rather
//! than to one build — the PostgreSQL version it targets, rules turned off, advice made into
//! errors, the session time zone, and a schema baseline. [`crate::analyze_dir`] reads it, so
//! `embed_migrations!()`, `pgshift lint` and the disk loader judge a set alike by
//! construction.
//!
//! ```toml
//! postgres-version = 13            # the oldest server the migrations will run on
//! time-zone = "UTC"                # the session time zone the migrations run with
//! disable = ["prefer-text-field"]  # rules that report nothing
//! deny = ["prefer-bigint"]         # advice reported as errors
//! schema-baseline = "schema.sql"   # `pg_dump --schema-only` of the database before the first migration
//! ```
//!
//! Every problem in the file (an unknown key, a rule id that does not exist, a version pgshift
//! does not know) is an error: a setting that silently does nothing is worse than none.

use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;

/// The name of the file, inside the migration folder.
pub const FILE_NAME: &str = "pgshift.toml";

/// The PostgreSQL major version verdicts follow when the file names none.
pub const DEFAULT_POSTGRES_VERSION: u32 = 15;

/// The major versions whose behaviour the rules know.
pub const SUPPORTED_POSTGRES_VERSIONS: RangeInclusive<u32> = 10..=18;

/// Why a mistake in the file is an error.
const WHY: &str =
    "a setting pgshift cannot read would leave the checks other than the file says, without a word";

/// The keys the file may hold.
const KEYS: [&str; 5] = [
    "postgres-version",
    "time-zone",
    "disable",
    "deny",
    "schema-baseline",
];

/// The settings of a migration set.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// The oldest PostgreSQL major version the migrations run on (`postgres-version`).
    pub postgres_version: u32,
    /// The session time zone the migrations run with (`time-zone`), as written.
    pub time_zone: String,
    /// Rules that report nothing (`disable`).
    pub disable: Vec<String>,
    /// Advice rules whose findings are errors (`deny`).
    pub deny: Vec<String>,
    /// A `pg_dump --schema-only` file of the database the first migration runs on
    /// (`schema-baseline`), relative to the migration folder.
    pub schema_baseline: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            postgres_version: DEFAULT_POSTGRES_VERSION,
            time_zone: "UTC".to_string(),
            disable: Vec::new(),
            deny: Vec::new(),
            schema_baseline: None,
        }
    }
}

impl Config {
    /// Whether `rule` is turned off.
    pub fn disables(&self, rule: &str) -> bool {
        self.disable.iter().any(|r| r == rule)
    }

    /// Whether findings of the advice rule `rule` are errors.
    pub fn denies(&self, rule: &str) -> bool {
        self.deny.iter().any(|r| r == rule)
    }

    /// Whether the target version is at least `major`.
    pub fn at_least(&self, major: u32) -> bool {
        self.postgres_version >= major
    }

    /// Whether the session time zone is UTC (or an alias of it), under which `timestamp` and
    /// `timestamptz` hold the same instants.
    pub fn time_zone_is_utc(&self) -> bool {
        let tz = self.time_zone.trim();
        [
            "UTC",
            "Etc/UTC",
            "Etc/UCT",
            "UCT",
            "Etc/Universal",
            "Universal",
            "Zulu",
            "Etc/Zulu",
            "GMT",
            "Etc/GMT",
            "GMT0",
            "Etc/GMT0",
            "Greenwich",
            "Etc/Greenwich",
        ]
        .iter()
        .any(|z| z.eq_ignore_ascii_case(tz))
    }

    /// Reads `pgshift.toml` from `dir` (the defaults when there is none). Problems go to
    /// `diagnostics`, naming the file as `display_dir/pgshift.toml`; the settings that were
    /// valid are kept. Returns the settings and the path of the file when it exists (so the
    /// macro can make cargo rebuild when it changes).
    pub fn load(
        dir: &Path,
        display_dir: &str,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> (Config, Option<PathBuf>) {
        let path = dir.join(FILE_NAME);
        let display = format!("{}/{FILE_NAME}", display_dir.trim_end_matches('/'));
        match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => (Config::parse(&text, &display, diagnostics), Some(path)),
                Err(_) => {
                    diagnostics.push(
                        Diagnostic::new("invalid-config", display, "the file is not UTF-8")
                            .help("save it as UTF-8"),
                    );
                    (Config::default(), Some(path))
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Config::default(), None),
            Err(e) => {
                diagnostics.push(Diagnostic::new(
                    "invalid-config",
                    display,
                    format!("cannot read the file: {e}"),
                ));
                (Config::default(), Some(path))
            }
        }
    }

    /// Parses the text of a `pgshift.toml` named `display` in messages.
    pub fn parse(text: &str, display: &str, diagnostics: &mut Vec<Diagnostic>) -> Config {
        let first = diagnostics.len();
        let config = Config::parse_table(text, display, diagnostics);
        // The table iterates its keys in sorted order: report in the order of the file.
        diagnostics[first..].sort_by_key(|d| d.position.map(|p| (p.line, p.column)));
        config
    }

    fn parse_table(text: &str, display: &str, diagnostics: &mut Vec<Diagnostic>) -> Config {
        let mut config = Config::default();
        let table = match text.parse::<toml::Table>() {
            Ok(table) => table,
            Err(e) => {
                let mut d = Diagnostic::new(
                    "invalid-config",
                    display,
                    format!("not valid TOML: {}", e.message()),
                )
                .help(
                    "fix the TOML syntax; the keys are listed in docs/rules.md, \"Configuration\"",
                );
                if let Some(span) = e.span() {
                    d = d.at(text, span.start, span.len().max(1));
                }
                diagnostics.push(d);
                return config;
            }
        };
        let problem_at = |key: &str, needle: Option<&str>, message: String, help: String| {
            let (offset, len) = key_span(text, key, needle);
            Diagnostic::new("invalid-config", display, message)
                .at(text, offset, len)
                .why(WHY)
                .help(help)
        };
        let problem =
            |key: &str, message: String, help: String| problem_at(key, None, message, help);
        for (key, value) in &table {
            match key.as_str() {
                "postgres-version" => match value.as_integer() {
                    Some(v) if SUPPORTED_POSTGRES_VERSIONS.contains(&(v as u32)) && v > 0 => {
                        config.postgres_version = v as u32;
                    }
                    _ => diagnostics.push(problem(
                        key,
                        format!(
                            "`postgres-version` is not a PostgreSQL major version pgshift knows ({} to {})",
                            SUPPORTED_POSTGRES_VERSIONS.start(),
                            SUPPORTED_POSTGRES_VERSIONS.end()
                        ),
                        format!(
                            "write the oldest major version the migrations run on, from {} to {}, e.g. `postgres-version = {DEFAULT_POSTGRES_VERSION}`",
                            SUPPORTED_POSTGRES_VERSIONS.start(),
                            SUPPORTED_POSTGRES_VERSIONS.end()
                        ),
                    )),
                },
                "time-zone" => match value.as_str() {
                    Some(tz) if !tz.trim().is_empty() => config.time_zone = tz.trim().to_string(),
                    _ => diagnostics.push(problem(
                        key,
                        "`time-zone` must be a time zone name".to_string(),
                        "write the session time zone of the migrating connection, e.g. `time-zone = \"UTC\"`".to_string(),
                    )),
                },
                "disable" | "deny" => {
                    let Some(ids) = rule_list(value) else {
                        diagnostics.push(problem(
                            key,
                            format!("`{key}` must be a list of rule ids"),
                            format!("write e.g. `{key} = [\"prefer-text-field\"]`"),
                        ));
                        continue;
                    };
                    for id in ids {
                        match crate::rules::find(id) {
                            None => diagnostics.push(problem_at(
                                key,
                                Some(id),
                                format!("`{key}` names unknown rule `{id}`"),
                                match crate::allow::closest_rule(id) {
                                    Some(near) => format!("did you mean `{near}`? every rule id is listed in docs/rules.md"),
                                    None => "use a rule id; every rule id is listed in docs/rules.md".to_string(),
                                },
                            )),
                            Some(rule)
                                if key == "deny"
                                    && rule.category != crate::rules::Category::Advice =>
                            {
                                diagnostics.push(problem_at(
                                    key,
                                    Some(id),
                                    format!("`deny` names `{id}`, which is already an error"),
                                    "list only advice rules (`prefer-*`) under `deny`".to_string(),
                                ));
                            }
                            Some(_) if key == "deny" => config.deny.push(id.to_string()),
                            Some(_) => config.disable.push(id.to_string()),
                        }
                    }
                }
                "schema-baseline" => match value.as_str() {
                    Some(p) if !p.trim().is_empty() => config.schema_baseline = Some(PathBuf::from(p)),
                    _ => diagnostics.push(problem(
                        key,
                        "`schema-baseline` must be a file path".to_string(),
                        "name a `pg_dump --schema-only` file, relative to the migration folder, e.g. `schema-baseline = \"schema.sql\"`".to_string(),
                    )),
                },
                other => diagnostics.push(problem(
                    other,
                    format!("unknown key `{other}`"),
                    match KEYS.iter().find(|k| crate::allow::edit_distance(other, k) <= 2) {
                        Some(near) => format!("did you mean `{near}`? the keys are {}", KEYS.join(", ")),
                        None => format!("the keys are {}", KEYS.join(", ")),
                    },
                )),
            }
        }
        config
    }
}

/// The strings of a TOML array, if `value` is an array of strings.
fn rule_list(value: &toml::Value) -> Option<Vec<&str>> {
    value.as_array()?.iter().map(toml::Value::as_str).collect()
}

/// Where `key`'s line is (for positions: the parsed table keeps none), underlining the whole
/// `key = value`, or only `"needle"` when that is on the line; the start of the file when the
/// key is not found at the start of a line.
fn key_span(text: &str, key: &str, needle: Option<&str>) -> (usize, usize) {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let bare = trimmed.trim_start_matches('"');
        let is_key = bare.starts_with(key)
            && bare[key.len()..]
                .trim_start_matches('"')
                .trim_start()
                .starts_with('=');
        if is_key {
            let start = offset + indent;
            if let Some(at) = needle.and_then(|n| trimmed.find(&format!("\"{n}\""))) {
                return (start + at, needle.map_or(1, |n| n.len() + 2));
            }
            return (start, trimmed.trim_end().len().max(1));
        }
        offset += line.len();
    }
    (0, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Config, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let config = Config::parse(text, "m/pgshift.toml", &mut diags);
        (config, diags)
    }

    #[test]
    fn an_empty_file_is_the_defaults() {
        let (config, diags) = parse("# nothing set\n");
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(config, Config::default());
        assert_eq!(config.postgres_version, 15);
        assert!(config.time_zone_is_utc());
    }

    #[test]
    fn every_key_is_read() {
        let (config, diags) = parse(
            "postgres-version = 11\ntime-zone = \"Europe/Berlin\"\ndisable = [\"prefer-text-field\", \"vacuum-full\"]\n\
             deny = [\"prefer-bigint\"]\nschema-baseline = \"schema.sql\"\n",
        );
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(config.postgres_version, 11);
        assert!(!config.time_zone_is_utc());
        assert!(config.disables("vacuum-full") && !config.disables("cluster"));
        assert!(config.denies("prefer-bigint"));
        assert_eq!(config.schema_baseline, Some(PathBuf::from("schema.sql")));
    }

    #[test]
    fn mistakes_are_errors_at_their_line() {
        let (config, diags) = parse(
            "postgres-version = 9\ndisable = [\"vacum-full\"]\ndeny = [\"drop-column\"]\npostgres_version = 12\n",
        );
        let found: Vec<(String, &str)> = diags
            .iter()
            .map(|d| (d.location(), d.message.as_str()))
            .collect();
        assert_eq!(found.len(), 4, "{found:#?}");
        assert_eq!(found[0].0, "m/pgshift.toml:1:1");
        assert!(found[0].1.contains("not a PostgreSQL major version"));
        assert_eq!(
            found[1].0, "m/pgshift.toml:2:12",
            "the carets under the unknown id"
        );
        assert!(diags[1].help.as_deref().unwrap().contains("`vacuum-full`"));
        assert_eq!(found[2].0, "m/pgshift.toml:3:9");
        assert!(found[2].1.contains("already an error"));
        assert_eq!(found[3].0, "m/pgshift.toml:4:1");
        assert!(
            diags[3]
                .help
                .as_deref()
                .unwrap()
                .contains("`postgres-version`")
        );
        assert_eq!(config.postgres_version, 15, "a bad value keeps the default");
    }

    #[test]
    fn bad_toml_points_at_the_error() {
        let (_, diags) = parse("postgres-version = 15\ndisable = [\"a\"\n");
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, "invalid-config");
        assert!(
            diags[0].message.starts_with("not valid TOML"),
            "{}",
            diags[0].message
        );
        assert!(diags[0].position.is_some());
    }

    #[test]
    fn wrong_value_types_are_errors() {
        let (_, diags) = parse(
            "postgres-version = \"15\"\ndisable = \"vacuum-full\"\ntime-zone = 3\nschema-baseline = []\n",
        );
        assert_eq!(diags.len(), 4, "{diags:#?}");
    }
}
