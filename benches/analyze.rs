//! The analysis alone, without rustc: how long `pgshift_core::analyze_dir` (what
//! `embed_migrations!()` runs inside the compiler) takes for the compile benchmark's generated
//! sets, and how much of it is parsing versus the schema model and every rule. Results in
//! docs/BENCHMARKS.md.
//!
//! ```text
//! cargo bench --bench analyze                          # 200 and 1000 migrations, 9 runs each
//! PGSHIFT_BENCH_SIZES=1000 PGSHIFT_BENCH_ROUNDS=15 cargo bench --bench analyze
//! ```
//!
//! Built like the recommended `[profile.release.build-override] opt-level = 3` builds the proc
//! macro: optimised Rust, the C parser at `-O2`.

mod common;

use std::time::{Duration, Instant};

use common::generate;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn env_list(name: &str, default: &[usize]) -> Vec<usize> {
    std::env::var(name)
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .unwrap_or_else(|| default.to_vec())
}

fn main() {
    let sizes = env_list("PGSHIFT_BENCH_SIZES", &[200, 1000]);
    let rounds = env_list("PGSHIFT_BENCH_ROUNDS", &[9])[0].max(1);
    println!(
        "| migrations | statements | analyze_dir (ms) | of which parsing (ms) | model + rules + the rest (ms) | per statement (µs) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    for n in sizes {
        let dir = tempfile::tempdir().unwrap();
        generate(dir.path(), n);
        let options = pgshift_core::Options::default();
        let mut total = Vec::new();
        let mut parsing = Vec::new();
        let mut statements = 0;
        for _ in 0..rounds {
            let started = Instant::now();
            let analysis = pgshift_core::analyze_dir(dir.path(), "m", &options);
            total.push(started.elapsed());
            assert!(!analysis.has_errors(), "{:#?}", analysis.diagnostics);
            assert_eq!(analysis.migrations.len(), n);
            statements = analysis
                .migrations
                .iter()
                .map(|m| m.up.statements.len() + m.down.statements.len())
                .sum::<usize>();
            // The same files parsed and nothing else, as analyze_dir parses them.
            let texts: Vec<String> = analysis
                .migrations
                .iter()
                .flat_map(|m| [m.up.source.text.clone(), m.down.source.text.clone()])
                .collect();
            let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
            let started = Instant::now();
            let parsed =
                pgshift_core::pg::with_parser_stack(|| pgshift_core::analyze::parse_all(&texts));
            parsing.push(started.elapsed());
            assert!(parsed.iter().all(Result::is_ok));
        }
        let (t, p) = (median(total), median(parsing));
        println!(
            "| {n} | {statements} | {:.1} | {:.1} | {:.1} | {:.1} |",
            t.as_secs_f64() * 1e3,
            p.as_secs_f64() * 1e3,
            t.saturating_sub(p).as_secs_f64() * 1e3,
            t.as_secs_f64() * 1e6 / statements as f64
        );
    }
}
