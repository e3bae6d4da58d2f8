//! The database commands, run on a migration set: the one runner behind `pgshift` and behind
//! an application's nested `db` command.

use std::time::{Duration, Instant};

use super::args::{Command, Format, Options};
use super::errors::Failure;
use super::json;
use super::output::{Output, Style};
use super::progress::Bar;
use crate::backup::Backup;
use crate::connect::{connect, url_from_env};
use crate::error::redact;
use crate::migration::Migrations;
use crate::migrator::{Migrator, Rollback};
use crate::report::{Plan, Report, RollbackReport, Status};
use crate::seed::Seeds;

/// Runs `command` on `migrations` with `options`, printing through `out`.
///
/// The database is `options.database_url`, else `POSTGRES_URL`, else `DATABASE_URL`; without
/// any the command fails with a usage error (the `pgshift` binary fills `database_url` with
/// its local dev cluster first). The migrator is [`Options::migrator`], the same for every
/// front end.
pub fn execute(
    command: &Command,
    options: &Options,
    migrations: &Migrations,
    seeds: &Seeds,
    out: &Output,
) -> Result<(), Failure> {
    let url = match &options.database_url {
        Some(url) => url.clone(),
        None => url_from_env().ok_or(crate::Error::NoUrl)?,
    };
    if out.verbosity() > 0 {
        out.note(format!("database: {}", redact(&url)));
    }
    let migrator = options.migrator(migrations);
    match command {
        Command::Migrate {
            to,
            dry_run,
            backup_path,
            no_backup,
        } => {
            let migrator = match to {
                Some(id) => migrator.target(id.clone()),
                None => migrator,
            };
            let migrator = if *no_backup {
                migrator.backup(Backup::Skip)
            } else {
                migrator.backup(Backup::pg_dump(url.clone(), backup_path.clone()))
            };
            let mut client = connect(&url)?;
            if *dry_run {
                print_plan(out, &migrator.plan(&mut client)?);
            } else {
                let started = Instant::now();
                let report = if out.shows_progress() {
                    // Dropped (its line cleared) before the report or the error is printed.
                    let bar = Bar::start();
                    migrator.on_progress(bar.observer()).migrate(&mut client)?
                } else {
                    migrator.migrate(&mut client)?
                };
                print_report(out, &report, started.elapsed());
            }
        }
        Command::Rollback {
            steps,
            to,
            force_irreversible,
        } => {
            let what = match (steps, to) {
                (_, Some(id)) => Rollback::To(id.clone()),
                (Some(n), None) => Rollback::Steps(usize::try_from(*n).unwrap_or(usize::MAX)),
                (None, None) => Rollback::Steps(1),
            };
            let migrator = migrator.force_irreversible(*force_irreversible);
            let mut client = connect(&url)?;
            let started = Instant::now();
            let report = migrator.rollback(&mut client, what)?;
            print_rollback(out, &report, started.elapsed());
        }
        Command::Status { format } => {
            let mut client = connect(&url)?;
            let status = migrator.status(&mut client)?;
            match format {
                Format::Json => out.data(json::status(&status)),
                _ => print_status(out, &status),
            }
        }
        Command::Test { reversible } => test(out, &migrator, &url, *reversible)?,
        Command::Seed { rerun_changed } => {
            let mut client = connect(&url)?;
            let report = migrator
                .rerun_changed_seeds(*rerun_changed)
                .seed(&mut client, seeds)?;
            for s in &report.applied {
                let again = if s.rerun { ", changed: ran again" } else { "" };
                out.line(format!(
                    "{}  {}  {:>7}{again}",
                    out.paint(Style::Green, "seeded"),
                    s.name,
                    millis(s.duration)
                ));
            }
            out.line(match (report.applied.len(), report.skipped.len()) {
                (0, 0) => "no seeds".to_string(),
                (0, n) => format!("nothing to seed: {n} seed(s) already applied"),
                (a, n) => format!("{a} seed(s) applied, {n} already applied before"),
            });
        }
        Command::Backup { backup_path } => {
            let started = Instant::now();
            let file = crate::backup::backup(&url, backup_path)?;
            out.line(format!(
                "backed up to {} ({} format, {} bytes, {})",
                file.path.display(),
                file.format,
                file.bytes,
                millis(started.elapsed())
            ));
        }
        Command::Restore { restore } => {
            let started = Instant::now();
            let format = migrator.restore(&url, restore)?;
            out.line(format!(
                "restored {} ({format} format, {}): the database is as it was when the backup was taken",
                restore.display(),
                millis(started.elapsed())
            ));
        }
        Command::Baseline { to } => {
            let migrator = match to {
                Some(id) => migrator.target(id.clone()),
                None => migrator,
            };
            let mut client = connect(&url)?;
            let report = migrator.baseline(&mut client)?;
            for id in &report.baselined {
                out.line(format!("{}  {id}", out.paint(Style::Green, "baselined")));
            }
            out.line(report.to_string());
        }
    }
    Ok(())
}

fn test(out: &Output, migrator: &Migrator<'_>, url: &str, reversible: bool) -> Result<(), Failure> {
    let started = Instant::now();
    let report = migrator
        .test_in_scratch_database(url)
        .map_err(Failure::from_test)?;
    for id in &report.tested {
        out.line(format!("{}  {id}", out.paint(Style::Green, "ok")));
    }
    out.line(format!(
        "{} migration(s) applied to a throwaway database, which was dropped ({})",
        report.tested.len(),
        millis(started.elapsed())
    ));
    if reversible {
        let started = Instant::now();
        let checked = migrator
            .check_reversible_in_scratch_database(url)
            .map_err(Failure::from_test)?;
        for id in &checked {
            out.line(format!("{}  {id}", out.paint(Style::Green, "reversible")));
        }
        out.line(format!(
            "{} down file(s) undo their up file ({})",
            checked.len(),
            millis(started.elapsed())
        ));
    }
    Ok(())
}

fn millis(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}

fn print_report(out: &Output, report: &Report, elapsed: Duration) {
    if let Some(path) = &report.backup {
        out.line(format!("backed up to {path} before migrating"));
    }
    if report.applied.is_empty() {
        out.line("up to date: nothing to apply");
        return;
    }
    let width = report.applied.iter().map(|a| a.id.len()).max().unwrap_or(0);
    for a in &report.applied {
        let mut extra = String::new();
        if a.attempts > 1 {
            extra.push_str(&format!(", {} attempts", a.attempts));
        }
        if a.resumed {
            extra.push_str(", resumed");
        }
        for n in &a.ran_outside_transaction {
            extra.push_str(&format!(", statement {n} ran outside the transaction"));
        }
        out.line(format!(
            "{}  {:<width$}  {:>7}{extra}",
            out.paint(Style::Green, "applied"),
            a.id,
            millis(a.duration)
        ));
    }
    out.line(format!(
        "{} migration(s) applied in {}",
        report.applied.len(),
        millis(elapsed)
    ));
}

fn print_rollback(out: &Output, report: &RollbackReport, elapsed: Duration) {
    if report.rolled_back.is_empty() {
        out.line("nothing to roll back");
        return;
    }
    let width = report
        .rolled_back
        .iter()
        .map(|r| r.id.len())
        .max()
        .unwrap_or(0);
    for r in &report.rolled_back {
        let source = match r.source {
            crate::DownSource::History => ", down SQL from the history table",
            _ => "",
        };
        out.line(format!(
            "{}  {:<width$}  {:>7}{source}",
            out.paint(Style::Yellow, "rolled back"),
            r.id,
            millis(r.duration)
        ));
    }
    out.line(format!(
        "{} migration(s) rolled back in {}",
        report.rolled_back.len(),
        millis(elapsed)
    ));
}

fn print_plan(out: &Output, plan: &Plan) {
    out.line(plan.to_string());
}

fn print_status(out: &Output, status: &Status) {
    // The library's table, with the state column coloured on a terminal.
    for line in status.to_string().lines() {
        let painted = [
            ("applied", Style::Green),
            ("baselined", Style::Green),
            ("pending", Style::Yellow),
            ("partial", Style::Yellow),
            ("reverting", Style::Red),
            ("drift", Style::Red),
            ("unknown", Style::Yellow),
        ]
        .iter()
        .find_map(|(label, style)| {
            let needle = format!("  {label:<8}  ");
            line.find(&needle).map(|i| {
                let start = i + 2;
                format!(
                    "{}{}{}",
                    &line[..start],
                    out.paint(*style, label),
                    &line[start + label.len()..]
                )
            })
        });
        out.line(painted.unwrap_or_else(|| line.to_string()));
    }
}
