//! `pgshift lint`: the analysis `embed_migrations!()` runs, on folders, without a database.
//! Three outputs: like a compiler (human), JSON (a contract), and GitHub workflow commands.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use pgshift::cli::{Failure, Output, Style};
use pgshift_core::{Diagnostic, Severity};
use serde_json::json;

/// What to do about load diagnostics, printed under them.
pub const FIX_HINT: &str = "fix the files as the notes above say (`pgshift lint` shows the same); breaking-change rules can be allowed per statement with `-- pgshift:allow <rule> -- <reason>` or for the run with ALLOW_BREAKING_MIGRATIONS=true";

#[derive(Args, Debug)]
pub struct LintArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = LintFormat::Human)]
    pub format: LintFormat,
    /// Migration folders to check [default: the --dir folder]
    #[arg(value_name = "PATHS")]
    pub paths: Vec<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LintFormat {
    /// Like a compiler: file:line:col, rule, message, why and help
    Human,
    /// {"findings": [{file, line, column, rule, severity, message, help}]}
    Json,
    /// GitHub Actions workflow commands (::error file=..,line=..::..), shown on the changed lines
    Github,
}

/// A folder as messages name it: as the user wrote it, without a trailing `/`.
pub fn display(dir: &Path) -> String {
    let text = dir.display().to_string();
    match text.trim_end_matches('/') {
        "" => text,
        trimmed => trimmed.to_string(),
    }
}

/// A missing migration folder, as a failure (exit 3).
pub fn require_folder(dir: &Path) -> Result<(), Failure> {
    if dir.is_dir() {
        return Ok(());
    }
    let what = if dir.exists() {
        format!("{} is not a folder", dir.display())
    } else {
        format!("there is no migration folder {}", dir.display())
    };
    Err(Failure::validation(what).todo(
        "run `pgshift init` to create db/managed-migrations, or point --dir at your migration folder",
    ))
}

pub fn run(args: &LintArgs, default_dir: &Path, out: &Output) -> Result<(), Failure> {
    let paths: Vec<&Path> = if args.paths.is_empty() {
        vec![default_dir]
    } else {
        args.paths.iter().map(PathBuf::as_path).collect()
    };
    for path in &paths {
        require_folder(path)?;
    }
    let options = pgshift_core::Options::from_env();
    let mut findings = Vec::new();
    let mut migrations = 0;
    for path in &paths {
        let analysis = pgshift_core::analyze_dir(path, &display(path), &options);
        migrations += analysis.migrations.len();
        findings.extend(analysis.diagnostics);
    }
    let errors = findings.iter().filter(|d| d.is_error()).count();
    match args.format {
        LintFormat::Human => {
            for d in &findings {
                print_human(out, d);
            }
        }
        LintFormat::Json => out.data(to_json(&findings).to_string()),
        LintFormat::Github => {
            for d in &findings {
                out.data(github(d));
            }
        }
    }
    let folders = paths
        .iter()
        .map(|p| display(p))
        .collect::<Vec<_>>()
        .join(", ");
    if errors > 0 {
        return Err(Failure::validation(format!(
            "{errors} error(s) and {} advice in {folders}",
            findings.len() - errors
        ))
        .todo(FIX_HINT));
    }
    if args.format == LintFormat::Human {
        out.line(format!(
            "{} {folders}: {migrations} migration(s), no errors{}",
            out.paint(Style::Green, "ok"),
            match findings.len() {
                0 => String::new(),
                n => format!(", {n} advice"),
            }
        ));
    } else {
        out.note(format!(
            "{folders}: {migrations} migration(s), no errors, {} advice",
            findings.len()
        ));
    }
    Ok(())
}

/// A diagnostic like rustc prints one: `error[rule]: message`, then `--> file:line:col`, the
/// line with a caret, `= why:` and `= help:`. On stderr (stdout stays for data).
pub fn print_human(out: &Output, d: &Diagnostic) {
    let text = d.to_string();
    let rest = text.split_once('\n').map_or("", |(_, rest)| rest);
    let (severity, style) = match d.severity {
        Severity::Error => ("error", Style::Red),
        _ => ("advice", Style::Yellow),
    };
    let head = format!("{severity}[{}]", d.code);
    eprintln!("{}: {}\n{rest}\n", out.paint_err(style, &head), d.message);
}

/// The JSON contract of DESIGN.md: `{"findings": [...]}`, `line`/`column` null for a
/// problem of a whole file, `help` null when there is none; `why` is added.
pub fn to_json(findings: &[Diagnostic]) -> serde_json::Value {
    let list: Vec<serde_json::Value> = findings
        .iter()
        .map(|d| {
            json!({
                "file": d.file,
                "line": d.position.map(|p| p.line),
                "column": d.position.map(|p| p.column),
                "rule": d.code,
                "severity": d.severity.as_str(),
                "message": d.message,
                "why": d.why,
                "help": d.help,
            })
        })
        .collect();
    json!({ "findings": list })
}

/// One GitHub workflow command: `::error file=F,line=L,col=C,title=pgshift RULE::message`.
pub fn github(d: &Diagnostic) -> String {
    let level = match d.severity {
        Severity::Error => "error",
        _ => "warning",
    };
    let mut properties = vec![format!("file={}", property(&d.file))];
    if let Some(p) = d.position {
        properties.push(format!("line={}", p.line));
        properties.push(format!("col={}", p.column));
    }
    properties.push(format!(
        "title={}",
        property(&format!("pgshift {}", d.code))
    ));
    let mut message = d.message.clone();
    if let Some(why) = &d.why {
        message.push_str(&format!("\nwhy: {why}"));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    format!("::{level} {}::{}", properties.join(","), data(&message))
}

/// Escapes a workflow command's message.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_commands_escape_what_would_end_them() {
        let mut d =
            Diagnostic::new("drop-column", "db/a,b:c.up.sql", "100% gone\nreally").help("do this");
        d.position = Some(pgshift_core::Position { line: 3, column: 7 });
        assert_eq!(
            github(&d),
            "::error file=db/a%2Cb%3Ac.up.sql,line=3,col=7,title=pgshift drop-column::100%25 gone%0Areally%0Ahelp: do this"
        );
    }

    #[test]
    fn folders_are_named_as_written_without_a_trailing_slash() {
        assert_eq!(
            display(Path::new("db/managed-migrations/")),
            "db/managed-migrations"
        );
        assert_eq!(display(Path::new("/")), "/");
    }

    #[test]
    fn json_findings_have_the_contract_fields() {
        let d = Diagnostic::new("missing-down-file", "db/1_a.up.sql", "no down file");
        let v = to_json(&[d]);
        let f = &v["findings"][0];
        assert_eq!(f["rule"], "missing-down-file");
        assert_eq!(f["severity"], "error");
        assert!(f["line"].is_null() && f["column"].is_null() && f["help"].is_null());
    }
}
