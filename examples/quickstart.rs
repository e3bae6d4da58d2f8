//! The quickstart: embed `db/managed-migrations`, connect, apply, print what happened.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! With `POSTGRES_URL` or `DATABASE_URL` set it uses that server. Otherwise it starts a local
//! dev cluster from the PostgreSQL server binaries (kept under the system temp dir and reused,
//! so a second run finds everything applied).

use std::error::Error;

use pgshift::{Migrations, Migrator, Seeds};

/// Checked at compile time: a bad file name, a syntax error or a breaking change in
/// `db/managed-migrations` fails `cargo build` with the file, line and rule.
static MIGRATIONS: Migrations = pgshift::embed_migrations!();

/// `db/managed-seeds/*.sql`, checked the same way; applied once each, tracked in `seed_history`.
static SEEDS: Seeds = pgshift::embed_seeds!();

fn main() -> Result<(), Box<dyn Error>> {
    let (url, _cluster) = match pgshift::url_from_env() {
        Some(url) => {
            println!(
                "using the server of POSTGRES_URL/DATABASE_URL: {}",
                pgshift::redact(&url)
            );
            (url, None)
        }
        None => {
            let project = env!("CARGO_MANIFEST_DIR");
            let cluster = pgshift_localpg::Cluster::dev(project)?;
            cluster.create_database("pgshift_quickstart")?;
            println!(
                "no POSTGRES_URL or DATABASE_URL: using the local dev cluster in {} (port {})",
                cluster.root().display(),
                cluster.port()
            );
            (cluster.url("pgshift_quickstart"), Some(cluster))
        }
    };

    let mut client = pgshift::connect(&url)?;
    let migrator = Migrator::new(&MIGRATIONS);
    println!("{} migration(s) embedded in this binary", MIGRATIONS.len());

    let report = migrator.migrate(&mut client)?;
    println!("{report}");
    // Seeds never run implicitly with migrations, and are refused while any are pending.
    println!("{}", migrator.seed(&mut client, &SEEDS)?);
    println!("\n{}", migrator.status(&mut client)?);
    Ok(())
}
