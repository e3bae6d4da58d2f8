//! Connecting: the URL from the environment, and errors that never show the password.

use postgres::{Client, Config, NoTls};

use crate::error::{Error, redact};

/// The connection URL from the environment: `POSTGRES_URL`, else `DATABASE_URL`.
pub fn url_from_env() -> Option<String> {
    ["POSTGRES_URL", "DATABASE_URL"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .find(|v| !v.trim().is_empty())
}

/// Connects to `url` (a `postgres://` URL or a `key=value` string). Errors name the target
/// with its password removed.
pub fn connect(url: &str) -> Result<Client, Error> {
    let config: Config = url.parse().map_err(|source| Error::Connect {
        target: redact(url),
        source,
    })?;
    config.connect(NoTls).map_err(|source| Error::Connect {
        target: redact(url),
        source,
    })
}

/// Connects to `POSTGRES_URL` or `DATABASE_URL`.
pub fn connect_from_env() -> Result<Client, Error> {
    connect(&url_from_env().ok_or(Error::NoUrl)?)
}
