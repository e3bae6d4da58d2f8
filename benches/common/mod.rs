//! The generated migration set both benchmarks use.

use std::path::Path;

/// Writes N migrations into `dir`: each creates a table with a primary key, an index and 10
/// rows; every tenth instead adds a column to a table made earlier. Returns all up files
/// concatenated (the `psql -1 -f all.sql` input).
pub fn generate(dir: &Path, n: usize) -> String {
    std::fs::create_dir_all(dir).unwrap();
    let mut all = String::new();
    for i in 1..=n {
        let version = 202_501_010_000u64 + i as u64;
        let (up, down) = if i % 10 == 0 {
            let t = i - 5;
            (
                format!("ALTER TABLE t{t} ADD COLUMN extra_{i} integer;\n"),
                format!("ALTER TABLE t{t} DROP COLUMN extra_{i};\n"),
            )
        } else {
            let rows: Vec<String> = (1..=10)
                .map(|r| format!("({r}, 'row {r} of {i}')"))
                .collect();
            (
                format!(
                    "CREATE TABLE t{i} (\n    id bigint PRIMARY KEY,\n    label text NOT NULL,\n    created_at timestamptz NOT NULL DEFAULT now()\n);\n\
                     CREATE INDEX t{i}_label_idx ON t{i} (label);\n\
                     INSERT INTO t{i} (id, label) VALUES {};\n",
                    rows.join(", ")
                ),
                format!("DROP TABLE t{i};\n"),
            )
        };
        std::fs::write(dir.join(format!("{version}_m{i}.up.sql")), &up).unwrap();
        std::fs::write(dir.join(format!("{version}_m{i}.down.sql")), &down).unwrap();
        all.push_str(&up);
    }
    all
}
