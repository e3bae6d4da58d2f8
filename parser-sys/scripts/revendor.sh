#!/usr/bin/env bash
# Re-vendors libpg_query into parser-sys/libpg_query and regenerates what depends on it.
#
#   parser-sys/scripts/revendor.sh /path/to/libpg_query     # a checkout or an unpacked release
#   parser-sys/scripts/revendor.sh 18-6.1.0                  # a release tag, downloaded from GitHub
#
# Then: read the diff of libpg_query/pg_query.h against src/ffi.rs (the hand-written
# declarations), and run `cargo test -p pgshift-parser-sys`: its layout test compares every
# declared struct with what the C compiler computes, and the token test checks the enum.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
src="${1:?usage: revendor.sh <libpg_query dir | release tag>}"

if [ ! -d "$src" ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  curl -fsSL "https://github.com/pganalyze/libpg_query/archive/refs/tags/$src.tar.gz" | tar -xz -C "$tmp"
  src="$(echo "$tmp"/libpg_query-*)"
fi
for f in pg_query.h src/pg_query_parse.c protobuf/pg_query.proto vendor/upb/upb.c; do
  [ -e "$src/$f" ] || { echo "error: $src/$f is missing: not a libpg_query source tree (>= 17, with upb)" >&2; exit 1; }
done

dest="$here/libpg_query"
rm -rf "$dest/src" "$dest/vendor" "$dest/protobuf" "$dest"/*.h
mkdir -p "$dest/protobuf" "$dest/LICENSES"
cp "$src"/pg_query.h "$src"/pg_query_scan_tokens.h "$src"/postgres_deparse.h "$dest/"
# Only what the build compiles or includes: no tests, no scripts, no generated JSON.
(cd "$src" && find src vendor -type f \( -name '*.c' -o -name '*.h' -o -name '*.inc' \) -print0 | cpio -0pdm --quiet "$dest")
cp "$src"/protobuf/pg_query.proto "$src"/protobuf/pg_query.upb.h \
   "$src"/protobuf/pg_query.upb_minitable.c "$src"/protobuf/pg_query.upb_minitable.h "$dest/protobuf/"
[ -f "$src/LICENSE" ] && cp "$src/LICENSE" "$dest/LICENSES/libpg_query-BSD-3-Clause"
# pgshift's own changes to the vendored code, each explained at its top.
for patch in "$here"/patches/*.patch; do
  patch -d "$dest" -p1 --forward --quiet < "$patch" || { echo "error: $patch no longer applies; port it by hand" >&2; exit 1; }
done
version="$(sed -n 's/^VERSION = //p' "$src/Makefile")"
printf '%s' "${version:?no VERSION in $src/Makefile}" > "$dest/VERSION"
echo "vendored libpg_query $version ($(sed -n 's/^PG_VERSION = //p' "$src/Makefile"))"

cargo run --quiet --manifest-path "$here/codegen/Cargo.toml"
# prost-build lays the file out with prettyplease; the workspace checks rustfmt's layout.
rustfmt --edition 2024 "$here/src/protobuf.rs"
echo "now compare libpg_query/pg_query.h with src/ffi.rs and run: cargo test -p pgshift-parser-sys"
