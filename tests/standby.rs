//! A read-only standby is refused before anything runs, with an error that says so.

mod common;

use common::*;
use pgshift::{Error, Migrator, Rollback};
use pgshift_localpg::TestDb;

#[test]
fn a_standby_is_refused_with_a_clear_error() {
    let db = TestDb::new();
    let primary = TestDb::cluster().expect("the standby is made from the local test cluster");
    let (_dir, set) = set(BASIC);
    // Applied once on the primary, so the standby has the history table too.
    Migrator::new(&set)
        .target("202501010000")
        .migrate(&mut db.connect())
        .unwrap();
    let standby = primary.temporary_standby().unwrap();
    let url = standby.url(db.name());
    let mut client = (0..100)
        .find_map(|_| {
            let c = pgshift::connect(&url).ok();
            if c.is_none() {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            c
        })
        .expect("the standby accepts connections");

    let err = Migrator::new(&set).migrate(&mut client).unwrap_err();
    assert!(matches!(err, Error::Standby), "{err}");
    assert!(err.to_string().contains("read-only standby"), "{err}");
    assert!(matches!(
        Migrator::new(&set).rollback(&mut client, Rollback::Steps(1)),
        Err(Error::Standby)
    ));

    // A fresh database has no history table on the standby either: still refused.
    let fresh = TestDb::new();
    drop(fresh.connect());
    let err = (0..100)
        .find_map(|_| match pgshift::connect(&standby.url(fresh.name())) {
            Ok(mut c) => Some(Migrator::new(&set).migrate(&mut c).unwrap_err()),
            Err(_) => {
                std::thread::sleep(std::time::Duration::from_millis(50));
                None
            }
        })
        .expect("the new database reaches the standby");
    assert!(matches!(err, Error::Standby), "{err}");
}

#[test]
fn a_read_only_session_on_a_primary_is_not_called_a_standby() {
    let db = TestDb::new();
    let (_dir, set) = set(BASIC);
    let mut admin = db.connect();
    Migrator::new(&set)
        .target("202501010000")
        .migrate(&mut admin)
        .unwrap();
    admin
        .batch_execute(&format!(
            "ALTER DATABASE \"{}\" SET default_transaction_read_only = on",
            db.name()
        ))
        .unwrap();
    let mut client = db.connect();
    let err = Migrator::new(&set).migrate(&mut client).unwrap_err();
    assert!(matches!(err, Error::ReadOnly), "{err}");
    let text = err.to_string();
    assert!(!text.contains("standby"), "{text}");
    assert!(text.contains("default_transaction_read_only"), "{text}");
    // A fresh database (no history table yet) gets the same answer.
    let fresh = TestDb::new();
    admin
        .batch_execute(&format!(
            "ALTER DATABASE \"{}\" SET default_transaction_read_only = on",
            fresh.name()
        ))
        .unwrap();
    let err = Migrator::new(&set)
        .migrate(&mut fresh.connect())
        .unwrap_err();
    assert!(matches!(err, Error::ReadOnly), "{err}");
}
