//! `pgshift convert --from diesel|sqlx|refinery SRC [--into DIR] [--database-url URL]`: another
//! tool's folder into pgshift's layout, and, with a database, its history into pgshift's.

use std::path::{Path, PathBuf};

use clap::Args;
use pgshift::cli::{Failure, Options, Output};
use pgshift::import::OtherTool;
use pgshift_core::convert::{self, ConvertError, MAP_FILE, Tool};

/// The arguments of `convert`.
#[derive(Args, Debug, Clone)]
pub struct ConvertArgs {
    /// The tool the folder comes from: diesel, sqlx or refinery
    #[arg(long = "from", value_name = "TOOL", value_parser = parse_tool)]
    pub from: Tool,
    /// The other tool's migration folder (only read)
    #[arg(value_name = "SRC")]
    pub src: PathBuf,
    /// Where the pgshift folder is written (must be empty or missing) [default: --dir]
    #[arg(long, value_name = "DIR")]
    pub into: Option<PathBuf>,
}

fn parse_tool(s: &str) -> Result<Tool, String> {
    s.parse()
}

fn other(tool: Tool) -> OtherTool {
    match tool {
        Tool::Diesel => OtherTool::Diesel,
        Tool::Sqlx => OtherTool::Sqlx,
        _ => OtherTool::Refinery,
    }
}

/// Converts (unless `into` already holds this conversion), then imports the history when
/// `--database-url` was given.
pub fn run(args: &ConvertArgs, dir: &Path, options: &Options, out: &Output) -> Result<(), Failure> {
    let into = args.into.clone().unwrap_or_else(|| dir.to_path_buf());
    let map_path = into.join(MAP_FILE);
    if map_path.exists() && options.database_url.is_some() {
        out.note(format!(
            "{} is already converted; importing the history only",
            into.display()
        ));
    } else {
        let done = convert::convert(args.from, &args.src, &into).map_err(|e| match e {
            ConvertError::AlreadyPgshift(_)
            | ConvertError::TargetNotEmpty(_)
            | ConvertError::Layout { .. } => Failure::validation(e.to_string()),
            e => Failure::runtime(e.to_string()),
        })?;
        for m in &done.migrations {
            out.line(format!("wrote  {}  (from {})", m.id, m.source.display()));
        }
        for note in &done.notes {
            out.note(format!("note: {note}"));
        }
        out.line(format!(
            "{} migration(s) converted from {} into {}; the source folder is unchanged. Next: `pgshift lint --dir {}`",
            done.migrations.len(),
            args.from,
            into.display(),
            into.display()
        ));
    }
    let Some(url) = &options.database_url else {
        return Ok(());
    };
    let migrations = crate::database::load(&into, out)?;
    let map_text = std::fs::read_to_string(&map_path)
        .map_err(|e| Failure::runtime(format!("cannot read {}: {e}", map_path.display())))?;
    let map = convert::read_map(&map_text);
    let mut client = pgshift::connect(url)?;
    let report =
        options
            .migrator(&migrations)
            .import_history(&mut client, other(args.from), &map)?;
    for id in &report.baselined {
        out.line(format!("imported  {id}"));
    }
    out.line(format!(
        "{} applied migration(s) imported from {}'s history ({} already recorded); `pgshift migrate` applies only what follows",
        report.baselined.len(),
        args.from,
        report.already_applied.len()
    ));
    Ok(())
}
