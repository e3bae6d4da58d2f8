//! Connecting: the URL from the environment, TLS chosen by `sslmode`, and errors that never
//! show the password.
//!
//! | `sslmode` | with the `tls` feature | without it |
//! |---|---|---|
//! | `disable` | plain TCP | plain TCP |
//! | `prefer` (default; `allow` too) | TLS if the server offers it, certificate not checked | plain TCP |
//! | `require` | TLS, certificate not checked, even with `sslrootcert` | error: build with `tls` |
//! | `verify-ca`, `verify-full` | TLS, certificate and host name checked against the Mozilla roots and `sslrootcert` | error: build with `tls` |
//!
//! `verify-ca` is checked as strictly as `verify-full` (rustls always checks the host name).

use postgres::{Client, Config};

use crate::error::{Error, redact};

/// The connection URL from the environment: `POSTGRES_URL`, else `DATABASE_URL`.
pub fn url_from_env() -> Option<String> {
    ["POSTGRES_URL", "DATABASE_URL"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .find(|v| !v.trim().is_empty())
}

/// How a connection string asks for TLS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SslMode {
    Disable,
    Prefer,
    Require,
    Verify,
}

/// Connects to `url` (a `postgres://` URL or a `key=value` string). TLS follows `sslmode`
/// (see the module docs). Errors name the target with its password removed.
pub fn connect(url: &str) -> Result<Client, Error> {
    connect_to(url, None)
}

/// [`connect`], to database `dbname` instead of the URL's when given.
pub(crate) fn connect_to(url: &str, dbname: Option<&str>) -> Result<Client, Error> {
    let target = redact(url);
    let (rest, mode) = take_param(url, "sslmode");
    let (rest, root_cert) = take_param(&rest, "sslrootcert");
    let mode = match mode.as_deref() {
        None | Some("prefer") | Some("allow") => SslMode::Prefer,
        Some("disable") => SslMode::Disable,
        Some("require") => SslMode::Require,
        Some("verify-ca") | Some("verify-full") => SslMode::Verify,
        Some(other) => {
            return Err(Error::Tls {
                target,
                reason: format!("unknown sslmode `{other}`"),
            });
        }
    };
    let driver_mode = match mode {
        SslMode::Disable => "disable",
        SslMode::Prefer => "prefer",
        SslMode::Require | SslMode::Verify => "require",
    };
    let mut config: Config = rest.parse().map_err(|source| Error::Connect {
        target: target.clone(),
        source,
    })?;
    if let Some(dbname) = dbname {
        config.dbname(dbname);
    }
    config.ssl_mode(match driver_mode {
        "disable" => postgres::config::SslMode::Disable,
        "prefer" => postgres::config::SslMode::Prefer,
        _ => postgres::config::SslMode::Require,
    });
    open(config, mode, root_cert.as_deref(), target)
}

#[cfg(not(feature = "tls"))]
fn open(
    config: Config,
    mode: SslMode,
    _root_cert: Option<&str>,
    target: String,
) -> Result<Client, Error> {
    if matches!(mode, SslMode::Require | SslMode::Verify) {
        return Err(Error::Tls {
            target,
            reason:
                "the URL requires TLS but pgshift was built without its `tls` feature; enable it \
                     (`pgshift = { features = [\"tls\"] }`)"
                    .into(),
        });
    }
    let mut config = config;
    config.ssl_mode(postgres::config::SslMode::Disable);
    config
        .connect(postgres::NoTls)
        .map_err(|source| Error::Connect { target, source })
}

#[cfg(feature = "tls")]
fn open(
    config: Config,
    mode: SslMode,
    root_cert: Option<&str>,
    target: String,
) -> Result<Client, Error> {
    if mode == SslMode::Disable {
        return config
            .connect(postgres::NoTls)
            .map_err(|source| Error::Connect { target, source });
    }
    let tls = tls::connector(mode == SslMode::Verify, root_cert).map_err(|reason| Error::Tls {
        target: target.clone(),
        reason,
    })?;
    config
        .connect(tls)
        .map_err(|source| Error::Connect { target, source })
}

/// The libpq environment (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`,
/// `PGSSLMODE`, `PGSSLROOTCERT`, ...) that points a PostgreSQL client program (`pg_dump`,
/// `psql`) at the server of `url`, so nothing secret goes into its arguments.
pub(crate) fn libpq_env(url: &str) -> Result<Vec<(&'static str, String)>, Error> {
    let target = redact(url);
    let (rest, mode) = take_param(url, "sslmode");
    let (rest, root_cert) = take_param(&rest, "sslrootcert");
    let config: Config = rest.parse().map_err(|source| Error::Connect {
        target: target.clone(),
        source,
    })?;
    let mut env = Vec::new();
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|h| match h {
            postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    if !hosts.is_empty() {
        env.push(("PGHOST", hosts.join(",")));
    }
    let ports: Vec<String> = config.get_ports().iter().map(u16::to_string).collect();
    if !ports.is_empty() {
        env.push(("PGPORT", ports.join(",")));
    }
    if let Some(user) = config.get_user() {
        env.push(("PGUSER", user.to_string()));
    }
    if let Some(password) = config.get_password() {
        env.push(("PGPASSWORD", String::from_utf8_lossy(password).into_owned()));
    }
    if let Some(dbname) = config.get_dbname() {
        env.push(("PGDATABASE", dbname.to_string()));
    }
    env.push(("PGSSLMODE", mode.unwrap_or_else(|| "prefer".into())));
    if let Some(cert) = root_cert {
        env.push(("PGSSLROOTCERT", cert));
    }
    if let Some(timeout) = config.get_connect_timeout() {
        env.push(("PGCONNECT_TIMEOUT", timeout.as_secs().max(1).to_string()));
    }
    if let Some(options) = config.get_options() {
        env.push(("PGOPTIONS", options.to_string()));
    }
    Ok(env)
}

/// Connects to `POSTGRES_URL` or `DATABASE_URL`.
pub fn connect_from_env() -> Result<Client, Error> {
    connect(&url_from_env().ok_or(Error::NoUrl)?)
}

/// Removes parameter `key` from a URL's query or a key-value string, returning the rest and
/// the parameter's value.
fn take_param(conn: &str, key: &str) -> (String, Option<String>) {
    if conn.contains("://") {
        let Some((base, query)) = conn.split_once('?') else {
            return (conn.to_string(), None);
        };
        let mut value = None;
        let kept: Vec<&str> = query
            .split('&')
            .filter(|p| match p.split_once('=') {
                Some((k, v)) if k == key => {
                    value = Some(v.replace("%2F", "/").replace("%2f", "/"));
                    false
                }
                _ => true,
            })
            .collect();
        let rest = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        (rest, value)
    } else {
        let mut value = None;
        let kept: Vec<&str> = conn
            .split_whitespace()
            .filter(|p| match p.split_once('=') {
                Some((k, v)) if k == key => {
                    value = Some(v.trim_matches('\'').to_string());
                    false
                }
                _ => true,
            })
            .collect();
        (kept.join(" "), value)
    }
}

#[cfg(feature = "tls")]
mod tls {
    use std::sync::Arc;

    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
    use tokio_postgres_rustls::MakeRustlsConnect;

    /// A rustls connector: verifying against the Mozilla roots plus `root_cert` (a PEM file),
    /// or encrypting without checking the certificate (libpq's `require`).
    pub(super) fn connector(
        verify: bool,
        root_cert: Option<&str>,
    ) -> Result<MakeRustlsConnect, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?;
        let config = if verify {
            let mut roots =
                RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            if let Some(path) = root_cert {
                let certs = CertificateDer::pem_file_iter(path)
                    .map_err(|e| format!("cannot read sslrootcert {path}: {e}"))?;
                for cert in certs {
                    let cert = cert.map_err(|e| format!("cannot read sslrootcert {path}: {e}"))?;
                    roots
                        .add(cert)
                        .map_err(|e| format!("bad certificate in sslrootcert {path}: {e}"))?;
                }
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        } else {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(EncryptOnly(provider)))
                .with_no_client_auth()
        };
        Ok(MakeRustlsConnect::new(config))
    }

    /// `sslmode=require`: the connection is encrypted, the server's certificate is not checked
    /// (handshake signatures still are), exactly as libpq does.
    #[derive(Debug)]
    struct EncryptOnly(Arc<CryptoProvider>);

    impl ServerCertVerifier for EncryptOnly {
        fn verify_server_cert(
            &self,
            _end_entity: &CertificateDer<'_>,
            _intermediates: &[CertificateDer<'_>],
            _server_name: &ServerName<'_>,
            _ocsp_response: &[u8],
            _now: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            Ok(ServerCertVerified::assertion())
        }

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            verify_tls12_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            verify_tls13_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_parameters_are_taken_out_of_both_forms() {
        assert_eq!(
            take_param(
                "postgres://h/db?sslmode=verify-full&application_name=x",
                "sslmode"
            ),
            (
                "postgres://h/db?application_name=x".to_string(),
                Some("verify-full".to_string())
            )
        );
        assert_eq!(
            take_param("postgres://h/db?sslrootcert=%2Fetc%2Fca.pem", "sslrootcert"),
            (
                "postgres://h/db".to_string(),
                Some("/etc/ca.pem".to_string())
            )
        );
        assert_eq!(
            take_param("host=h sslmode=require dbname=d", "sslmode"),
            ("host=h dbname=d".to_string(), Some("require".to_string()))
        );
        assert_eq!(
            take_param("postgres://h/db", "sslmode"),
            ("postgres://h/db".to_string(), None)
        );
    }

    #[test]
    fn an_unknown_sslmode_is_an_error() {
        let err = connect("postgres://u:secret@h/db?sslmode=sometimes")
            .err()
            .unwrap();
        assert!(
            err.to_string().contains("unknown sslmode `sometimes`"),
            "{err}"
        );
        assert!(!err.to_string().contains("secret"));
    }
}
