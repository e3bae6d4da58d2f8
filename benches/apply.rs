//! Apply benchmark: pgshift against the `psql -1 -f all.sql` floor on the same generated set,
//! in the same run, on a throwaway local cluster. Results go in docs/BENCHMARKS.md.
//!
//! ```text
//! cargo bench --bench apply            # 200 and 1000 migrations, 5 runs each (PGSHIFT_BENCH_RUNS)
//! PGSHIFT_BENCH_SIZES=200 cargo bench --bench apply
//! PGSHIFT_BENCH_FSYNC=off cargo bench --bench apply   # the test clusters' setting
//! ```
//!
//! Each generated migration creates a table with an index and inserts 10 rows; every tenth
//! instead alters a table made earlier. Times are medians and include connecting (psql's
//! include starting the process); round trips are counted by a proxy in a separate run so its
//! overhead is not timed. The no-op boot is timed on an open connection (what an app pays on
//! top of the connection it makes anyway).

use std::process::Command;
use std::time::{Duration, Instant};

mod common;

use common::generate;
use pgshift::Migrator;
use pgshift_localpg::{Cluster, RoundTripCounter};

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn main() {
    let runs: usize = std::env::var("PGSHIFT_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let sizes: Vec<usize> = std::env::var("PGSHIFT_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![200, 1000]);
    let durable = std::env::var("PGSHIFT_BENCH_FSYNC").map_or(true, |v| v != "off");
    let cluster = if durable {
        Cluster::temporary_durable()
    } else {
        Cluster::temporary()
    }
    .expect("a local PostgreSQL cluster (see README)");
    println!(
        "cluster: fsync {}",
        if durable {
            "on (PostgreSQL defaults)"
        } else {
            "off"
        }
    );
    let psql = cluster.bins().path("psql");
    let mut db_counter = 0;
    let mut fresh_db = |cluster: &Cluster| {
        db_counter += 1;
        let name = format!("bench_{db_counter}");
        cluster.create_database(&name).unwrap();
        name
    };

    println!(
        "| migrations | psql -1 -f all.sql (ms) | pgshift migrate (ms) | ratio | round trips | no-op boot (ms) | no-op round trips |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for &n in &sizes {
        let dir = tempfile::tempdir().unwrap();
        let all = generate(dir.path(), n);
        let scratch = tempfile::tempdir().unwrap();
        let all_sql = scratch.path().join("all.sql");
        std::fs::write(&all_sql, &all).unwrap();
        let (set, _) =
            pgshift::load::load_dir(dir.path(), "bench", &pgshift_core::Options::default())
                .unwrap_or_else(|d| panic!("{}", d[0]));

        let mut floor = Vec::new();
        let mut ours = Vec::new();
        for _ in 0..runs {
            let name = fresh_db(&cluster);
            let started = Instant::now();
            let status = Command::new(&psql)
                .args([
                    "-X",
                    "-q",
                    "-1",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "postgres",
                ])
                .args(["-p", &cluster.port().to_string(), "-d", &name, "-f"])
                .arg(&all_sql)
                .stdout(std::process::Stdio::null())
                .status()
                .unwrap();
            floor.push(started.elapsed());
            assert!(status.success());

            // Timed like psql: connecting included.
            let name = fresh_db(&cluster);
            let started = Instant::now();
            let mut client = pgshift::connect(&cluster.url(&name)).unwrap();
            let report = Migrator::new(&set).migrate(&mut client).unwrap();
            ours.push(started.elapsed());
            assert_eq!(report.applied.len(), n);
        }

        // Round trips, through the counting proxy (not timed).
        let proxy = RoundTripCounter::start(cluster.port()).unwrap();
        let name = fresh_db(&cluster);
        let mut client = pgshift::connect(&format!(
            "postgresql://postgres@127.0.0.1:{}/{name}",
            proxy.port()
        ))
        .unwrap();
        proxy.reset();
        Migrator::new(&set).migrate(&mut client).unwrap();
        let apply_trips = proxy.count();
        proxy.reset();
        Migrator::new(&set).migrate(&mut client).unwrap();
        let noop_trips = proxy.count();

        // No-op boot without the proxy.
        let mut client = pgshift::connect(&cluster.url(&name)).unwrap();
        let noop: Vec<Duration> = (0..20)
            .map(|_| {
                let started = Instant::now();
                assert!(
                    Migrator::new(&set)
                        .migrate(&mut client)
                        .unwrap()
                        .is_up_to_date()
                );
                started.elapsed()
            })
            .collect();

        let (floor, ours) = (median(floor), median(ours));
        println!(
            "| {n} | {} | {} | {:.3} | {apply_trips} ({:.2} per migration) | {} | {noop_trips} |",
            ms(floor),
            ms(ours),
            ours.as_secs_f64() / floor.as_secs_f64(),
            apply_trips as f64 / n as f64,
            ms(median(noop)),
        );
    }
}
