//! The clusters and the harness against real servers.

use pgshift_localpg::{Cluster, RoundTripCounter, TestDb};

#[test]
fn each_test_database_is_fresh_and_usable() {
    let a = TestDb::new();
    let b = TestDb::new();
    assert_ne!(a.name(), b.name());
    let mut client = a.connect();
    client
        .batch_execute("CREATE TABLE t (id int); INSERT INTO t VALUES (1)")
        .unwrap();
    let mut other = b.connect();
    let found: i64 = other
        .query_one("SELECT count(*) FROM pg_tables WHERE tablename = 't'", &[])
        .unwrap()
        .get(0);
    assert_eq!(found, 0);
}

#[test]
fn persistent_cluster_is_reused_and_restarted() {
    let dir = tempfile::Builder::new()
        .prefix("pgshift-devtest-")
        .tempdir()
        .unwrap();
    let root = dir.path().join("cluster");
    {
        let first = Cluster::persistent(&root).unwrap();
        first.create_database("kept").unwrap();
        let mut c = postgres::Client::connect(&first.url("kept"), postgres::NoTls).unwrap();
        c.batch_execute("CREATE TABLE survives (id int)").unwrap();
        // Reusing a running cluster does not stop it on drop.
        let second = Cluster::persistent(&root).unwrap();
        assert_eq!(second.port(), first.port());
        drop(second);
        assert!(postgres::Client::connect(&first.url("kept"), postgres::NoTls).is_ok());
    } // first started it: stopped here
    let again = Cluster::persistent(&root).unwrap();
    let mut c = postgres::Client::connect(&again.url("kept"), postgres::NoTls).unwrap();
    assert!(
        c.query_opt("SELECT 1 FROM pg_tables WHERE tablename = 'survives'", &[])
            .unwrap()
            .is_some()
    );
}

#[test]
fn round_trips_are_counted() {
    let db = TestDb::new();
    let cluster = TestDb::cluster().expect("these tests run on a local cluster");
    let proxy = RoundTripCounter::start(cluster.port()).unwrap();
    let url = format!(
        "postgresql://postgres@127.0.0.1:{}/{}",
        proxy.port(),
        db.name()
    );
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    proxy.reset();
    client.simple_query("SELECT 1; SELECT 2").unwrap();
    assert_eq!(proxy.count(), 1);
    client.query("SELECT $1::int", &[&1i32]).unwrap();
    assert_eq!(proxy.count(), 3, "prepare + execute");
}
