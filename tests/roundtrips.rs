//! Round trips are counted by a proxy between the runner and the server: the boot with nothing
//! pending is what every app start pays, so it must stay a small constant.

mod common;

use common::*;
use pgshift::Migrator;
use pgshift_localpg::{RoundTripCounter, TestDb};

/// A fresh database and a connection to it through a counting proxy.
fn counted_connection() -> (TestDb, RoundTripCounter, postgres::Client) {
    let db = TestDb::new();
    let cluster = TestDb::cluster().expect("round trips are counted on the local test cluster");
    let proxy = RoundTripCounter::start(cluster.port()).unwrap();
    let url = format!(
        "postgresql://postgres@127.0.0.1:{}/{}",
        proxy.port(),
        db.name()
    );
    let client = pgshift::connect(&url).unwrap();
    (db, proxy, client)
}

#[test]
fn boot_with_nothing_pending_is_one_round_trip_and_applying_is_one_per_migration() {
    let (_db, proxy, mut client) = counted_connection();
    let (_dir, set) = set(BASIC);

    proxy.reset();
    let report = Migrator::new(&set).migrate(&mut client).unwrap();
    assert_eq!(report.applied.len(), 3);
    // check (+ a standby check, since there is no history table yet) + (lock, create
    // history, read) + 1 per migration + unlock
    assert_eq!(proxy.count(), 4 + 3);

    proxy.reset();
    assert!(
        Migrator::new(&set)
            .migrate(&mut client)
            .unwrap()
            .is_up_to_date()
    );
    assert_eq!(proxy.count(), 1, "no lock, no DDL, one query");

    // A database ahead of the binary (an older release starting): still one query.
    let (_dir2, older) = common::set(&BASIC[..4]);
    proxy.reset();
    let report = Migrator::new(&older).migrate(&mut client).unwrap();
    assert_eq!(report.unknown.len(), 1);
    assert_eq!(proxy.count(), 1);
}

#[test]
fn boot_cost_does_not_grow_with_the_number_of_migrations() {
    let (_db, proxy, mut client) = counted_connection();
    let files: Vec<(String, String)> = (0..60)
        .flat_map(|i| {
            [
                (
                    format!("2025010100{i:02}_t{i}.up.sql"),
                    format!("CREATE TABLE t{i} (id int);"),
                ),
                (
                    format!("2025010100{i:02}_t{i}.down.sql"),
                    format!("DROP TABLE t{i};"),
                ),
            ]
        })
        .collect();
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let (_dir, set) = set(&borrowed);
    Migrator::new(&set).migrate(&mut client).unwrap();
    proxy.reset();
    Migrator::new(&set).migrate(&mut client).unwrap();
    assert_eq!(proxy.count(), 1);
}
