//! Compiles the vendored libpg_query (PostgreSQL's parser) with the C compiler, the way its
//! own Makefile does. No bindgen (hence no libclang) and no protoc: the Rust declarations of
//! the few C functions used are in `src/ffi.rs`, the protobuf types in `src/protobuf.rs`.

use std::path::{Path, PathBuf};

fn c_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "c"))
        .collect();
    entries.sort();
    out.extend(entries);
}

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("run by cargo"));
    let lib = root.join("libpg_query");
    let target = std::env::var("TARGET").unwrap_or_default();
    println!("cargo:rerun-if-changed=libpg_query");
    println!("cargo:rerun-if-changed=csrc");

    let mut files = Vec::new();
    c_files(&lib.join("src"), &mut files);
    c_files(&lib.join("src/postgres"), &mut files);
    files.push(lib.join("vendor/xxhash/xxhash.c"));
    files.push(lib.join("vendor/upb/upb.c"));
    files.push(lib.join("vendor/upb/third_party/utf8_range/utf8_range.c"));
    files.push(lib.join("protobuf/pg_query.upb_minitable.c"));
    files.push(root.join("csrc/layout.c"));

    let mut build = cc::Build::new();
    build
        .files(&files)
        .include(&lib)
        .include(lib.join("vendor"))
        .include(lib.join("vendor/upb"))
        .include(lib.join("vendor/upb/third_party/utf8_range"))
        .include(lib.join("src/postgres/include"))
        .include(lib.join("src/include"))
        // The parser runs inside proc macros, which cargo builds without optimisation by
        // default: optimise the C code always (about 7x faster parsing for a one-time cost).
        .opt_level(2)
        .debug(false)
        .warnings(false);
    if !target.contains("msvc") {
        // As libpg_query's Makefile (required by upb and PostgreSQL's own code).
        build.flag("-fno-strict-aliasing").flag("-fwrapv");
    }
    if target.contains("windows") {
        build.include(lib.join("src/postgres/include/port/win32"));
        if target.contains("msvc") {
            build.include(lib.join("src/postgres/include/port/win32_msvc"));
        }
    }
    build.compile("pgshift_pg_query");
}
