//! Writes `parser-sys/src/protobuf.rs`: the prost types of libpg_query's parse tree, generated
//! from `parser-sys/libpg_query/protobuf/pg_query.proto` with the protoc binary that the
//! `protoc-bin-vendored` crate ships (so nothing needs installing).
//!
//! `cargo run --manifest-path parser-sys/codegen/Cargo.toml` (scripts/revendor.sh does it).

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sys = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let proto_dir = sys.join("libpg_query/protobuf");
    let out = tempfile_dir()?;
    // SAFETY: single-threaded program; set before prost-build reads it.
    unsafe { std::env::set_var("PROTOC", protoc_bin_vendored::protoc_bin_path()?) };
    prost_build::Config::new()
        // Every variant of a parse-tree node behind a Box: unboxed, the enum is as large as its
        // largest variant (608 bytes), and every leaf of every tree pays for it.
        .boxed(".pg_query.Node.node")
        .out_dir(&out)
        .compile_protos(&[proto_dir.join("pg_query.proto")], &[&proto_dir])?;
    let generated = std::fs::read_to_string(out.join("pg_query.rs"))?;
    let target = sys.join("src/protobuf.rs");
    let old = std::fs::read_to_string(&target).unwrap_or_default();
    if old == generated {
        println!("{} is up to date", target.display());
    } else {
        std::fs::write(&target, generated)?;
        println!("wrote {}", target.display());
    }
    std::fs::remove_dir_all(&out)?;
    Ok(())
}

fn tempfile_dir() -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("pgshift-codegen-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
