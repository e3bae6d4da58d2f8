//! Compile-time benchmark, pgshift against diesel_migrations in the same run: how long
//! `touch src/main.rs && cargo build --release` takes for an app embedding the same generated
//! migrations, the peak memory of that build, and the stripped size of the binary. Results in
//! docs/BENCHMARKS.md.
//!
//! ```text
//! cargo bench --bench compile                                  # 1, 200 and 1000 migrations + one 50,000-INSERT file
//! PGSHIFT_BENCH_SIZES=1,1000 PGSHIFT_BENCH_LARGE=0 cargo bench --bench compile
//! PGSHIFT_BENCH_ROUNDS=7 PGSHIFT_BENCH_PEERS=pgshift cargo bench --bench compile
//! ```
//!
//! Each case generates two apps under `target/bench-compile/`: one with
//! `pgshift::embed_migrations!()` (the workspace's lock file) and one with
//! `diesel_migrations::embed_migrations!()` (diesel 2.3 from crates.io with only its
//! `postgres_backend` feature: no libpq, nothing but the embedding). Both get the same SQL, in
//! each tool's folder layout, and the recommended `[profile.release.build-override]
//! opt-level = 3`. The first build of each (dependencies; it needs the registry once for
//! diesel) is not timed. Then rounds alternate A B A B: touch and build pgshift, touch and build
//! diesel; the table shows the median of each and the median of the per-round ratios. Every
//! timed build runs in a child process of this binary so its peak RSS (the largest process
//! of the build, `getrusage(RUSAGE_CHILDREN)`) is its own.
//!
//! The generated set is the apply benchmark's: a table with an index and 10 rows per
//! migration, every tenth an ALTER. The large case is one migration of a `CREATE TABLE` and N
//! `INSERT`s (a data migration), as in the `large_file` bench.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use common::generate;

/// A tool whose embedding macro is measured.
#[derive(Clone, Copy, PartialEq)]
enum Peer {
    Pgshift,
    Diesel,
}

impl Peer {
    fn name(self) -> &'static str {
        match self {
            Peer::Pgshift => "pgshift",
            Peer::Diesel => "diesel",
        }
    }
}

/// One timed build: wall time and the peak RSS of its largest process.
struct Build {
    seconds: f64,
    peak_mib: f64,
}

/// Child mode: runs one `cargo build --release` and prints `seconds peak_mib`.
fn build_child(app: &str, target: &str, offline: bool) {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["build", "--release", "--quiet"]);
    if offline {
        cmd.arg("--offline");
    }
    let started = Instant::now();
    let out = cmd
        .current_dir(app)
        .env("CARGO_TARGET_DIR", target)
        .output()
        .unwrap();
    let seconds = started.elapsed().as_secs_f64();
    if !out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        std::process::exit(1);
    }
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
        .expect("getrusage");
    // Linux reports ru_maxrss in KiB.
    println!("{seconds} {}", usage.max_rss() as f64 / 1024.0);
}

fn cargo_build(app: &Path, target: &Path, offline: bool) -> Build {
    let out = Command::new(std::env::current_exe().unwrap())
        .env("PGSHIFT_BENCH_BUILD", app)
        .env("PGSHIFT_BENCH_TARGET", target)
        .env("PGSHIFT_BENCH_OFFLINE", if offline { "1" } else { "0" })
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "building {} failed:\n{}",
        app.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut fields = text.split_whitespace().map(|f| f.parse::<f64>().unwrap());
    Build {
        seconds: fields.next().unwrap(),
        peak_mib: fields.next().unwrap(),
    }
}

fn touch(app: &Path) {
    let main = app.join("src/main.rs");
    let text = std::fs::read_to_string(&main).unwrap();
    std::fs::write(&main, text).unwrap();
}

/// The stripped size of the app's release binary, in bytes.
fn stripped_size(target: &Path, package: &str) -> u64 {
    let binary = target.join("release").join(package);
    let copy = target.join(format!("{package}.stripped"));
    std::fs::copy(&binary, &copy).unwrap();
    let status = Command::new("strip").arg(&copy).status().expect("strip");
    assert!(status.success());
    std::fs::metadata(&copy).unwrap().len()
}

const PROFILE: &str = "[workspace]\n\n[profile.release.build-override]\nopt-level = 3\n";

/// Writes the pgshift app for a case (its migrations in `db/managed-migrations`); returns its
/// directory and package name.
fn pgshift_app(base: &Path, case: &str, workspace: &Path) -> (PathBuf, String) {
    let package = format!("bench-pgshift-{case}");
    let app = base.join(&package);
    let _ = std::fs::remove_dir_all(app.join("db"));
    std::fs::create_dir_all(app.join("src")).unwrap();
    std::fs::write(
        app.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{package}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\npgshift = {{ path = {:?} }}\n\n{PROFILE}",
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
    (app, package)
}

/// Writes the diesel app for a case, its migrations copied from pgshift's folder into
/// diesel's layout (`migrations/<version>_<name>/{up,down}.sql`).
fn diesel_app(base: &Path, case: &str, pgshift_dir: &Path) -> (PathBuf, String) {
    let package = format!("bench-diesel-{case}");
    let app = base.join(&package);
    let _ = std::fs::remove_dir_all(app.join("migrations"));
    std::fs::create_dir_all(app.join("src")).unwrap();
    std::fs::write(
        app.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{package}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\n\
             diesel = {{ version = \"2.3\", default-features = false, features = [\"postgres_backend\"] }}\n\
             diesel_migrations = {{ version = \"2.3\", default-features = false }}\n\n{PROFILE}"
        ),
    )
    .unwrap();
    std::fs::write(
        app.join("src/main.rs"),
        "use diesel::migration::MigrationSource;\n\
         const MIGRATIONS: diesel_migrations::EmbeddedMigrations = diesel_migrations::embed_migrations!();\n\
         fn main() {\n    let all = MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS).unwrap();\n    println!(\"{}\", all.len());\n}\n",
    )
    .unwrap();
    for entry in std::fs::read_dir(pgshift_dir).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_str().unwrap();
        let Some((stem, direction)) = file
            .strip_suffix(".up.sql")
            .map(|s| (s, "up.sql"))
            .or_else(|| file.strip_suffix(".down.sql").map(|s| (s, "down.sql")))
        else {
            continue;
        };
        let dir = app.join("migrations").join(stem);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(&path, dir.join(direction)).unwrap();
    }
    (app, package)
}

/// One migration: a table and `n` INSERTs.
fn generate_large(dir: &Path, n: usize) {
    std::fs::create_dir_all(dir).unwrap();
    let mut up = String::from("CREATE TABLE events (id bigint PRIMARY KEY, payload text);\n");
    for i in 1..=n {
        up.push_str(&format!(
            "INSERT INTO events (id, payload) VALUES ({i}, 'event number {i}, with a comma; and a semicolon');\n"
        ));
    }
    std::fs::write(dir.join("202501010000_events.up.sql"), up).unwrap();
    std::fs::write(
        dir.join("202501010000_events.down.sql"),
        "DROP TABLE events;\n",
    )
    .unwrap();
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap());
    values[values.len() / 2]
}

fn env_list(name: &str) -> Option<Vec<String>> {
    std::env::var(name).ok().map(|s| {
        s.split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect()
    })
}

fn main() {
    if let Ok(app) = std::env::var("PGSHIFT_BENCH_BUILD") {
        let target = std::env::var("PGSHIFT_BENCH_TARGET").unwrap();
        build_child(
            &app,
            &target,
            std::env::var("PGSHIFT_BENCH_OFFLINE").as_deref() == Ok("1"),
        );
        return;
    }
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let sizes: Vec<usize> = env_list("PGSHIFT_BENCH_SIZES")
        .map(|v| v.iter().filter_map(|x| x.parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 200, 1000]);
    let large: usize = std::env::var("PGSHIFT_BENCH_LARGE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50_000);
    let rounds: usize = std::env::var("PGSHIFT_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let peers: Vec<Peer> = env_list("PGSHIFT_BENCH_PEERS")
        .map(|v| {
            v.iter()
                .map(|p| match p.as_str() {
                    "pgshift" => Peer::Pgshift,
                    "diesel" => Peer::Diesel,
                    other => panic!("unknown peer {other:?} (pgshift, diesel)"),
                })
                .collect()
        })
        .unwrap_or_else(|| vec![Peer::Pgshift, Peer::Diesel]);
    let base = workspace.join("target/bench-compile");
    let target = base.join("target");

    let mut cases: Vec<(String, String)> = sizes
        .iter()
        .map(|n| (format!("m{n}"), format!("{n} migrations")))
        .collect();
    if large > 0 {
        cases.push((
            format!("insert{large}"),
            format!("1 migration of {large} INSERTs"),
        ));
    }

    println!(
        "| case | peer | touch + cargo build --release (median of {rounds}) | peak RSS (MiB) | stripped binary (bytes) |"
    );
    println!("|---|---|---:|---:|---:|");
    let mut summary = Vec::new();
    let mut sizes_by_peer: Vec<(String, Peer, u64)> = Vec::new();
    for (case, label) in &cases {
        let (pg_app, pg_package) = pgshift_app(&base, case, &workspace);
        let dir = pg_app.join("db/managed-migrations");
        match case.strip_prefix("insert") {
            Some(_) => generate_large(&dir, large),
            None => {
                generate(&dir, case[1..].parse().unwrap());
            }
        }
        let (diesel_dir, diesel_package) = diesel_app(&base, case, &dir);
        let apps: Vec<(Peer, PathBuf, String)> = peers
            .iter()
            .map(|&p| match p {
                Peer::Pgshift => (p, pg_app.clone(), pg_package.clone()),
                Peer::Diesel => (p, diesel_dir.clone(), diesel_package.clone()),
            })
            .collect();
        for (peer, app, _) in &apps {
            // Dependencies and the first expansion, untimed; diesel may need the registry.
            cargo_build(app, &target, *peer == Peer::Pgshift);
        }
        let mut times: Vec<Vec<f64>> = vec![Vec::new(); apps.len()];
        let mut peaks: Vec<Vec<f64>> = vec![Vec::new(); apps.len()];
        let mut ratios = Vec::new();
        for _ in 0..rounds {
            let mut round = Vec::new();
            for (i, (_, app, _)) in apps.iter().enumerate() {
                touch(app);
                let build = cargo_build(app, &target, true);
                times[i].push(build.seconds);
                peaks[i].push(build.peak_mib);
                round.push(build.seconds);
            }
            if round.len() == 2 {
                ratios.push(round[0] / round[1]);
            }
        }
        for (i, (peer, _, package)) in apps.iter().enumerate() {
            let size = stripped_size(&target, package);
            sizes_by_peer.push((case.clone(), *peer, size));
            println!(
                "| {label} | {} | {:.2} s | {:.0} | {size} |",
                peer.name(),
                median(&mut times[i]),
                median(&mut peaks[i]),
            );
        }
        if !ratios.is_empty() {
            summary.push((label.clone(), median(&mut ratios)));
        }
    }
    if !summary.is_empty() {
        println!("\n| case | pgshift / diesel build time (median of per-round ratios) |");
        println!("|---|---:|");
        for (label, ratio) in summary {
            println!("| {label} | {ratio:.2}× |");
        }
    }
    // Binary growth per migration: against the 1-migration app of the same peer.
    let smallest = sizes.iter().min().copied();
    if let Some(first) = smallest {
        println!("\n| peer | migrations | stripped growth per migration over {first} (bytes) |");
        println!("|---|---:|---:|");
        for &peer in &peers {
            let Some(&(_, _, base_size)) = sizes_by_peer
                .iter()
                .find(|(c, p, _)| *p == peer && *c == format!("m{first}"))
            else {
                continue;
            };
            for &n in sizes.iter().filter(|&&n| n > first) {
                if let Some(&(_, _, size)) = sizes_by_peer
                    .iter()
                    .find(|(c, p, _)| *p == peer && *c == format!("m{n}"))
                {
                    let growth = (size as f64 - base_size as f64) / (n - first) as f64;
                    println!("| {} | {n} | {growth:.0} |", peer.name());
                }
            }
        }
    }
}
