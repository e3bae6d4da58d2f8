//! Local PostgreSQL clusters from the server binaries, for pgshift's "no setup" default.
//!
//! - [`Cluster::persistent`] is the dev cluster: created on first use, started when stopped,
//!   reused while it runs (the quickstart keeps it under the system temp dir).
//! - [`Cluster::temporary`] is a throwaway cluster, deleted on drop or at process exit.
//! - [`TestDb`] is the test harness: one throwaway cluster per test binary (or the server of
//!   `DATABASE_URL`), one fresh database per test.
//! - [`RoundTripCounter`] is a proxy that counts client round trips.
//!
//! As root, the server runs as the `postgres` user (PostgreSQL refuses to run as root), so the
//! cluster folder must be reachable by that user; the default locations are.
//!
//! ```no_run
//! let db = pgshift_localpg::TestDb::new();
//! let mut client = db.connect();
//! client.batch_execute("CREATE TABLE t (id int)").unwrap();
//! ```

pub mod bins;
pub mod cluster;
pub mod harness;
pub mod proxy;

pub use bins::{Bins, INSTALL_HINT};
pub use cluster::Cluster;
pub use harness::TestDb;
pub use proxy::RoundTripCounter;

/// What can go wrong getting a local cluster.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// No server binaries were found.
    NoBinaries(String),
    /// `initdb` or `pg_ctl` failed.
    Start(String),
    /// A file-system operation failed.
    Io(String, std::io::Error),
    /// Talking to the started server failed.
    Postgres(postgres::Error),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::NoBinaries(what) => {
                write!(f, "no PostgreSQL server binaries: {what}; {INSTALL_HINT}")
            }
            Error::Start(what) => write!(f, "starting a local PostgreSQL cluster failed: {what}"),
            Error::Io(what, e) => write!(f, "{what}: {e}"),
            Error::Postgres(e) => write!(f, "local cluster: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(_, e) => Some(e),
            Error::Postgres(e) => Some(e),
            _ => None,
        }
    }
}

impl From<postgres::Error> for Error {
    fn from(e: postgres::Error) -> Self {
        Error::Postgres(e)
    }
}
