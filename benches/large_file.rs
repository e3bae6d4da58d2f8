//! Analysis of one migration file of many statements: time and peak memory of
//! `pgshift_core::analyze_dir` (what `embed_migrations!()` runs), for files of 5,000 to 50,000
//! `INSERT` statements (a data migration). Splitting must be linear in the statements.
//! Results in docs/BENCHMARKS.md.
//!
//! ```text
//! cargo bench --bench large_file                       # 5k, 10k, 20k, 50k statements
//! PGSHIFT_BENCH_SIZES=50000 cargo bench --bench large_file
//! ```
//!
//! Each size runs in a fresh child process, so its peak RSS (`VmHWM`) is its own.

use std::process::Command;
use std::time::Instant;

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn run_one(n: usize) {
    let dir = tempfile::tempdir().unwrap();
    let rows: String = (1..=n)
        .map(|i| format!("INSERT INTO events (id, payload) VALUES ({i}, 'event number {i}, with a comma; and a semicolon');\n"))
        .collect();
    std::fs::write(
        dir.path().join("202501010000_events.up.sql"),
        format!("CREATE TABLE events (id bigint PRIMARY KEY, payload text);\n{rows}"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("202501010000_events.down.sql"),
        "DROP TABLE events;\n",
    )
    .unwrap();
    let bytes = rows.len();
    let started = Instant::now();
    let analysis = pgshift_core::analyze_dir(dir.path(), "m", &pgshift_core::Options::default());
    let elapsed = started.elapsed();
    assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics);
    assert_eq!(analysis.migrations[0].up.statements.len(), n + 1);
    println!(
        "| {n} | {:.1} | {:.2} | {:.0} |",
        bytes as f64 / 1e6,
        elapsed.as_secs_f64(),
        peak_rss_mib()
    );
}

fn main() {
    if let Some(n) = std::env::var("PGSHIFT_BENCH_ONE")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        run_one(n);
        return;
    }
    let sizes: Vec<usize> = std::env::var("PGSHIFT_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![5_000, 10_000, 20_000, 50_000]);
    println!("| INSERT statements | file (MB) | analyze_dir (s) | peak RSS (MiB) |");
    println!("|---:|---:|---:|---:|");
    let me = std::env::current_exe().unwrap();
    for n in sizes {
        let status = Command::new(&me)
            .env("PGSHIFT_BENCH_ONE", n.to_string())
            .status()
            .unwrap();
        assert!(status.success());
    }
}
