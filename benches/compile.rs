//! Compile-time benchmark: how long `touch src/main.rs && cargo build --release` takes for an
//! app embedding N generated migrations, i.e. what `embed_migrations!()` (reading, parsing,
//! classifying and checking every file) costs on each rebuild. Results in docs/BENCHMARKS.md.
//!
//! ```text
//! cargo bench --bench compile                    # 1000 migrations, 3 timed rebuilds
//! PGSHIFT_BENCH_SIZES=200,1000 cargo bench --bench compile
//! ```
//!
//! The app is generated under `target/bench-compile/` with the workspace's lock file; its
//! first build (dependencies) is not timed. The generated set is the apply benchmark's:
//! a table with an index and 10 rows per migration, every tenth an ALTER.

mod common;

use std::path::{Path, PathBuf};

use common::generate;
use std::process::Command;
use std::time::{Duration, Instant};

fn cargo_build(app: &Path, target: &Path) -> Duration {
    let started = Instant::now();
    let out = Command::new(env!("CARGO"))
        .args(["build", "--release", "--offline", "--quiet"])
        .current_dir(app)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    started.elapsed()
}

fn main() {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let sizes: Vec<usize> = std::env::var("PGSHIFT_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1000]);
    let base = workspace.join("target/bench-compile");
    let target = base.join("target");
    println!("| migrations | touch src/main.rs && cargo build --release (median of 3) |");
    println!("|---:|---:|");
    for n in sizes {
        let app = base.join(format!("app{n}"));
        let _ = std::fs::remove_dir_all(app.join("db"));
        std::fs::create_dir_all(app.join("src")).unwrap();
        std::fs::write(
            app.join("Cargo.toml"),
            format!(
                "[package]\nname = \"pgshift-compile-bench-{n}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
                 [dependencies]\npgshift = {{ path = {:?} }}\n\n[workspace]\n\n\
                 [profile.release.build-override]\nopt-level = 3\n",
                workspace.join("runtime").display().to_string()
            ),
        )
        .unwrap();
        std::fs::copy(workspace.join("Cargo.lock"), app.join("Cargo.lock")).unwrap();
        std::fs::write(
            app.join("src/main.rs"),
            "static MIGRATIONS: pgshift::Migrations = pgshift::embed_migrations!();\n\
             fn main() {\n    println!(\"{}\", MIGRATIONS.len());\n}\n",
        )
        .unwrap();
        generate(&app.join("db/managed-migrations"), n);
        cargo_build(&app, &target); // dependencies, not timed
        let mut times: Vec<Duration> = (0..3)
            .map(|_| {
                let main = app.join("src/main.rs");
                let text = std::fs::read_to_string(&main).unwrap();
                std::fs::write(&main, text).unwrap(); // touch
                cargo_build(&app, &target)
            })
            .collect();
        times.sort();
        println!("| {n} | {:.2} s |", times[1].as_secs_f64());
    }
}
