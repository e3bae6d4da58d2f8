//! TLS: `sslmode=require` encrypts, `verify-full` checks the certificate against
//! `sslrootcert`, and a certificate nobody vouches for is refused. The server is this test
//! binary's own cluster, switched to TLS with a self-signed certificate made by `openssl`.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;

use pgshift_localpg::TestDb;

fn openssl(args: &[&str], dir: &Path) {
    let status = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("these tests need the `openssl` command to make certificates");
    assert!(status.success(), "openssl {args:?}");
}

/// A test CA (`ca.crt`) and a server certificate it signed for localhost, then TLS on.
fn enable_tls(root: &Path) {
    let (cert, key) = (root.join("server.crt"), root.join("server.key"));
    std::fs::write(
        root.join("san.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    .unwrap();
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=pgshift test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
        ],
        root,
    );
    openssl(
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ],
        root,
    );
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "san.ext",
            "-out",
            "server.crt",
        ],
        root,
    );
    let owner = std::fs::metadata(root).unwrap();
    for file in [&cert, &key] {
        std::os::unix::fs::chown(file, Some(owner.uid()), Some(owner.gid())).unwrap();
    }
    std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let mut admin = TestDb::new().connect();
    // ALTER SYSTEM cannot share a message (an implicit transaction) with other statements.
    for sql in [
        format!("ALTER SYSTEM SET ssl_cert_file = '{}'", cert.display()),
        format!("ALTER SYSTEM SET ssl_key_file = '{}'", key.display()),
        "ALTER SYSTEM SET ssl = on".to_string(),
        "SELECT pg_reload_conf()".to_string(),
    ] {
        admin.batch_execute(&sql).unwrap();
    }
}

fn encrypted(client: &mut postgres::Client) -> bool {
    client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .unwrap()
        .get(0)
}

#[test]
fn sslmode_decides_encryption_and_verification() {
    let db = TestDb::new();
    let cluster = TestDb::cluster().expect("TLS is tested on the local test cluster");
    enable_tls(cluster.root());
    let base = format!(
        "postgresql://postgres@localhost:{}/{}",
        cluster.port(),
        db.name()
    );

    // require: encrypted, the self-signed certificate is accepted unchecked (as libpq does).
    let mut client = (0..50)
        .find_map(|_| {
            let c = pgshift::connect(&format!("{base}?sslmode=require")).ok();
            if c.is_none() {
                std::thread::sleep(std::time::Duration::from_millis(50)); // the reload is asynchronous
            }
            c
        })
        .expect("sslmode=require connects once the server has TLS");
    assert!(encrypted(&mut client));

    // verify-full with the certificate as root: encrypted and verified.
    let root = cluster.root().join("ca.crt");
    let mut client = pgshift::connect(&format!(
        "{base}?sslmode=verify-full&sslrootcert={}",
        root.display()
    ))
    .unwrap();
    assert!(encrypted(&mut client));

    // verify-full without it: nobody vouches for the certificate.
    let err = pgshift::connect(&format!("{base}?sslmode=verify-full"))
        .err()
        .expect("an unknown issuer is refused");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );

    // disable: plain TCP.
    let mut client = pgshift::connect(&format!("{base}?sslmode=disable")).unwrap();
    assert!(!encrypted(&mut client));

    // The whole runtime works over TLS.
    let mut client = pgshift::connect(&format!("{base}?sslmode=require")).unwrap();
    static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!();
    pgshift::Migrator::new(&MIGRATIONS)
        .migrate(&mut client)
        .unwrap();
}
