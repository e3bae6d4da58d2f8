//! Finding the PostgreSQL server binaries.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Error;

/// What to tell someone who has no PostgreSQL server binaries.
pub const INSTALL_HINT: &str = "install the PostgreSQL server binaries (Debian/Ubuntu: `apt-get install postgresql`; \
Fedora: `dnf install postgresql-server`; macOS: `brew install postgresql@16`), or set PG_BINDIR to the folder \
holding `initdb` and `pg_ctl`, or set DATABASE_URL to a server where you may create databases";

/// The folder holding `initdb`, `pg_ctl`, `postgres`, `pg_dump`, `psql`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bins {
    dir: PathBuf,
}

impl Bins {
    /// Finds the binaries: `PG_BINDIR`, then `pg_config --bindir`, then the newest
    /// `/usr/lib/postgresql/*/bin`, then `initdb` on `PATH`.
    pub fn find() -> Result<Bins, Error> {
        if let Some(dir) = std::env::var_os("PG_BINDIR") {
            let dir = PathBuf::from(dir);
            return if has_initdb(&dir) {
                Ok(Bins { dir })
            } else {
                Err(Error::NoBinaries(format!(
                    "PG_BINDIR is {} but it holds no `initdb`",
                    dir.display()
                )))
            };
        }
        let from_pg_config = Command::new("pg_config")
            .arg("--bindir")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
        if let Some(dir) = from_pg_config.filter(|d| has_initdb(d)) {
            return Ok(Bins { dir });
        }
        let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let version = e.file_name().to_str()?.parse::<u32>().ok()?;
                let bin = e.path().join("bin");
                has_initdb(&bin).then_some((version, bin))
            })
            .collect();
        versions.sort();
        if let Some((_, dir)) = versions.pop() {
            return Ok(Bins { dir });
        }
        if let Some(dir) = std::env::var_os("PATH")
            .iter()
            .flat_map(std::env::split_paths)
            .find(|d| has_initdb(d))
        {
            return Ok(Bins { dir });
        }
        Err(Error::NoBinaries(
            "no `initdb` in PG_BINDIR, `pg_config --bindir`, /usr/lib/postgresql/*/bin or PATH"
                .into(),
        ))
    }

    /// The path of binary `name` (`pg_ctl`, `pg_dump`, ...).
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

fn has_initdb(dir: &Path) -> bool {
    dir.join("initdb").is_file()
}
