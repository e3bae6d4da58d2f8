//! The database commands on a folder: load it with the macro's analysis, find the database
//! (the local dev cluster when no URL is given), then run `pgshift::cli::execute`.

use std::path::Path;

use pgshift::cli::{Command, Failure, Options, Output};
use pgshift::{Migrations, Seeds};
use pgshift_localpg::Cluster;

use crate::Folders;
use crate::lint;

/// The database the dev cluster default uses.
pub const DEV_DATABASE: &str = "pgshift_dev";

pub fn run(
    command: &Command,
    folders: &Folders,
    options: &Options,
    out: &Output,
) -> Result<(), Failure> {
    let migrations = load(&folders.dir, out)?;
    let seeds = load_seeds(
        &folders.seeds_dir,
        matches!(command, Command::Seed { .. }),
        out,
    )?;
    let mut options = options.clone();
    // Held until the command is done: dropping it stops the cluster if this run started it.
    let _cluster = match (&options.database_url, pgshift::url_from_env()) {
        (None, None) => {
            let cluster = dev_cluster(out)?;
            options.database_url = Some(cluster.url(DEV_DATABASE));
            Some(cluster)
        }
        _ => None,
    };
    pgshift::cli::execute(command, &options, &migrations, &seeds, out)
}

/// The seed folder as a seed set. Missing is fine unless the command is `seed`.
fn load_seeds(dir: &Path, needed: bool, out: &Output) -> Result<Seeds, Failure> {
    if !needed {
        // Other commands do not use seeds: a broken seed file must not stop a migrate.
        return Ok(Seeds::default());
    }
    let display = lint::display(dir);
    lint::require_folder(dir)?;
    match pgshift::load::load_seeds_dir(dir, &display, &pgshift_core::Options::from_env()) {
        Ok((seeds, _)) => Ok(seeds),
        Err(diagnostics) => {
            for d in &diagnostics {
                lint::print_human(out, d);
            }
            let errors = diagnostics.iter().filter(|d| d.is_error()).count();
            Err(Failure::validation(format!(
                "{display} has {errors} error(s); nothing was seeded"
            ))
            .todo("fix the seed files listed above (`pgshift init` creates the folder)"))
        }
    }
}

/// The folder as a migration set, or its problems printed and a validation failure.
pub fn load(dir: &Path, out: &Output) -> Result<Migrations, Failure> {
    let display = lint::display(dir);
    lint::require_folder(dir)?;
    match pgshift::load::load_dir(dir, &display, &pgshift_core::Options::from_env()) {
        Ok((migrations, advice)) => {
            if out.verbosity() > 0 {
                for d in &advice {
                    lint::print_human(out, d);
                }
            }
            Ok(migrations)
        }
        Err(diagnostics) => {
            for d in &diagnostics {
                lint::print_human(out, d);
            }
            let errors = diagnostics.iter().filter(|d| d.is_error()).count();
            Err(
                Failure::validation(format!("{display} has {errors} error(s); nothing was run"))
                    .todo(lint::FIX_HINT),
            )
        }
    }
}

/// The local dev cluster of the current directory, with its database created.
fn dev_cluster(out: &Output) -> Result<Cluster, Failure> {
    let project = std::env::current_dir()
        .map_err(|e| Failure::runtime(format!("cannot read the current directory: {e}")))?;
    let unavailable = |e: pgshift_localpg::Error| {
        Failure::runtime(format!(
            "no database URL was given, and the local dev cluster cannot start: {e}"
        ))
        .todo("pass --database-url URL or set POSTGRES_URL or DATABASE_URL")
    };
    let cluster = Cluster::dev(&project).map_err(unavailable)?;
    cluster.create_database(DEV_DATABASE).map_err(unavailable)?;
    out.note(format!(
        "no --database-url, POSTGRES_URL or DATABASE_URL: using the local dev cluster in {} (database {DEV_DATABASE}, port {})",
        cluster.root().display(),
        cluster.port()
    ));
    Ok(cluster)
}
