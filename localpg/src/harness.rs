//! The test harness: one server per test binary, a fresh database per test.
//!
//! When `DATABASE_URL` is set, databases are created on that server (its user needs
//! `CREATEDB`) and dropped again; otherwise a throwaway cluster is started from the local
//! server binaries on first use and removed when the test binary exits.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::Error;
use crate::cluster::Cluster;

enum Server {
    External(String),
    Local(Cluster),
}

static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn server() -> &'static Server {
    let server = SERVER.get_or_init(|| match std::env::var("DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Ok(Server::External(url)),
        _ => Cluster::temporary()
            .map(Server::Local)
            .map_err(|e| e.to_string()),
    });
    match server {
        Ok(server) => server,
        Err(e) => panic!(
            "these tests need a PostgreSQL server and none could be started: {e}\n\
             To fix: {}",
            crate::bins::INSTALL_HINT
        ),
    }
}

/// A fresh, empty database for one test; dropped with this value when on an external server.
#[derive(Debug)]
pub struct TestDb {
    url: String,
    name: String,
}

impl TestDb {
    /// Creates a new database on the test server. Panics with instructions when no server can
    /// be had: tests never skip silently.
    pub fn new() -> TestDb {
        let name = format!(
            "pgshift_test_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let url = match server() {
            Server::Local(cluster) => {
                cluster
                    .create_database(&name)
                    .unwrap_or_else(|e| panic!("creating test database {name}: {e}"));
                cluster.url(&name)
            }
            Server::External(base) => {
                let mut client =
                    postgres::Client::connect(base, postgres::NoTls).unwrap_or_else(|e| {
                        panic!("DATABASE_URL is set but its server cannot be reached: {e}")
                    });
                client
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .unwrap_or_else(|e| {
                        panic!("creating test database {name} on DATABASE_URL's server: {e}")
                    });
                with_database(base, &name)
            }
        };
        TestDb { url, name }
    }

    /// The database's connection URL (no password on a local cluster).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A new connection to the database.
    pub fn connect(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("connecting to test database {}: {e}", self.name))
    }

    /// The local cluster, when the tests run on one (not with `DATABASE_URL`).
    pub fn cluster() -> Option<&'static Cluster> {
        match server() {
            Server::Local(c) => Some(c),
            Server::External(_) => None,
        }
    }
}

impl Default for TestDb {
    fn default() -> Self {
        TestDb::new()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(Ok(Server::External(base))) = SERVER.get()
            && let Ok(mut client) = postgres::Client::connect(base, postgres::NoTls)
        {
            let _ = client.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// Replaces the database name of a `postgres://` URL.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// Starts (or reuses) the test server and reports what went wrong, without panicking.
pub fn ensure_server() -> Result<(), Error> {
    let _ = std::panic::catch_unwind(server)
        .map_err(|_| Error::Start("see the panic message above".into()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_database_of_a_url() {
        assert_eq!(
            with_database("postgres://u:p@h:5/db?sslmode=require", "x"),
            "postgres://u:p@h:5/x?sslmode=require"
        );
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
    }
}
