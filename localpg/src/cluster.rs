//! A PostgreSQL cluster run from the server binaries: throwaway (tests) or kept (dev).

use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

use nix::unistd::{Gid, Uid, User};

use crate::Error;
use crate::bins::Bins;

/// The superuser of clusters made here (trust authentication on 127.0.0.1 only).
pub const SUPERUSER: &str = "postgres";

/// A running local cluster. A temporary one is stopped and deleted on drop (and at process
/// exit, even when it lives in a `static`); a persistent one is stopped on drop only if this
/// value started it.
#[derive(Debug)]
pub struct Cluster {
    root: PathBuf,
    port: u16,
    bins: Bins,
    run_as: Option<(Uid, Gid)>,
    temporary: bool,
    started_here: bool,
}

#[derive(Debug, Clone)]
struct Cleanup {
    bins: Bins,
    root: PathBuf,
    run_as: Option<(Uid, Gid)>,
}

static TEMPORARY: Mutex<Vec<Cleanup>> = Mutex::new(Vec::new());

extern "C" fn clean_up_at_exit() {
    let list = TEMPORARY
        .lock()
        .map(|mut l| std::mem::take(&mut *l))
        .unwrap_or_default();
    for c in list {
        destroy(&c);
    }
}

fn destroy(c: &Cleanup) {
    let _ = pg_ctl(
        &c.bins,
        c.run_as,
        &c.root,
        &["-m", "immediate", "-w", "stop"],
    );
    let _ = fs::remove_dir_all(&c.root);
}

impl Cluster {
    /// Creates and starts a throwaway cluster in a new folder under the system temp dir, tuned
    /// for tests (no fsync). Clusters left behind by killed processes are removed first.
    pub fn temporary() -> Result<Cluster, Error> {
        Self::temporary_inner(false)
    }

    /// Like [`Cluster::temporary`], but with PostgreSQL's durable defaults (fsync on), for
    /// benchmarks whose numbers should resemble a real server.
    pub fn temporary_durable() -> Result<Cluster, Error> {
        Self::temporary_inner(true)
    }

    fn temporary_inner(durable: bool) -> Result<Cluster, Error> {
        let bins = Bins::find()?;
        let run_as = run_as()?;
        remove_stale_clusters(&bins, run_as);
        let (root, cleanup) = new_temporary_root(&bins, run_as)?;
        let result = Self::init_and_start(bins, run_as, root, true, durable);
        if result.is_err() {
            destroy(&cleanup);
        }
        result
    }

    /// Opens the kept cluster in `root`: creates it on first use, starts it when stopped,
    /// and reuses it when it already runs. Drop stops it only if this call started it.
    pub fn persistent(root: impl AsRef<Path>) -> Result<Cluster, Error> {
        let root = root.as_ref().to_path_buf();
        let bins = Bins::find()?;
        let run_as = run_as()?;
        if root.join("data").join("PG_VERSION").is_file() {
            if let Some(port) = running_port(&bins, run_as, &root) {
                return Ok(Cluster {
                    root,
                    port,
                    bins,
                    run_as,
                    temporary: false,
                    started_here: false,
                });
            }
            let mut cluster = Cluster {
                root,
                port: 0,
                bins,
                run_as,
                temporary: false,
                started_here: false,
            };
            cluster.start()?;
            return Ok(cluster);
        }
        fs::create_dir_all(&root)
            .map_err(|e| Error::Io(format!("creating {}", root.display()), e))?;
        Self::init_and_start(bins, run_as, root, false, true)
    }

    /// The dev cluster of the project at `project_dir`: [`Cluster::persistent`] in
    /// `<system temp dir>/pgshift-dev-<hash of the project path>`, a place the `postgres`
    /// user can reach even when the checkout is in a private home folder.
    pub fn dev(project_dir: impl AsRef<Path>) -> Result<Cluster, Error> {
        Cluster::persistent(dev_root(project_dir.as_ref()))
    }

    /// A throwaway read-only standby of this cluster (a `pg_basebackup` of it, streaming from
    /// it), for testing how clients treat replicas.
    pub fn temporary_standby(&self) -> Result<Cluster, Error> {
        let (root, cleanup) = new_temporary_root(&self.bins, self.run_as)?;
        let result = (|| {
            if let Some((uid, gid)) = self.run_as {
                std::os::unix::fs::chown(&root, Some(uid.as_raw()), Some(gid.as_raw())).map_err(
                    |e| Error::Io(format!("giving {} to the postgres user", root.display()), e),
                )?;
            }
            let port = self.port.to_string();
            let data = root.join("data");
            let mut backup = Command::new(self.bins.path("pg_basebackup"));
            backup.arg("-D").arg(&data).args([
                "-R",
                "-c",
                "fast",
                "-X",
                "stream",
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                SUPERUSER,
            ]);
            run(&mut backup, self.run_as, &root, "pg_basebackup")?;
            append(
                &data.join("postgresql.conf"),
                &format!(
                    "\nunix_socket_directories = '{}'\nhot_standby = on\n",
                    root.display()
                ),
            )?;
            let mut standby = Cluster {
                root: root.clone(),
                port: 0,
                bins: self.bins.clone(),
                run_as: self.run_as,
                temporary: true,
                started_here: false,
            };
            standby.start()?;
            Ok(standby)
        })();
        if result.is_err() {
            destroy(&cleanup);
        }
        result
    }

    fn init_and_start(
        bins: Bins,
        run_as: Option<(Uid, Gid)>,
        root: PathBuf,
        temporary: bool,
        durable: bool,
    ) -> Result<Cluster, Error> {
        check_reachable(&root, run_as)?;
        if let Some((uid, gid)) = run_as {
            std::os::unix::fs::chown(&root, Some(uid.as_raw()), Some(gid.as_raw())).map_err(
                |e| Error::Io(format!("giving {} to the postgres user", root.display()), e),
            )?;
        }
        let data = root.join("data");
        let mut initdb = Command::new(bins.path("initdb"));
        initdb.arg("-D").arg(&data).args([
            "-U",
            SUPERUSER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-instructions",
        ]);
        if !durable {
            initdb.arg("--no-sync");
        }
        run(&mut initdb, run_as, &root, "initdb")?;
        let mut conf = format!(
            "\n# added by pgshift-localpg\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\nmax_connections = 200\n",
            root.display()
        );
        if !durable {
            conf.push_str("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n");
        }
        append(&data.join("postgresql.conf"), &conf)?;
        let mut cluster = Cluster {
            root,
            port: 0,
            bins,
            run_as,
            temporary,
            started_here: false,
        };
        cluster.start()?;
        Ok(cluster)
    }

    /// Starts the server on a free port (tries a few in case another process takes one).
    fn start(&mut self) -> Result<(), Error> {
        let preferred = fs::read_to_string(self.root.join("port"))
            .ok()
            .and_then(|p| p.trim().parse().ok());
        let mut last = None;
        for attempt in 0..5 {
            let port = match (attempt, preferred) {
                (0, Some(p)) => p,
                _ => free_port()?,
            };
            let log = self.root.join("server.log");
            let options = format!("-p {port}");
            let log_arg = log.to_string_lossy().into_owned();
            match pg_ctl(
                &self.bins,
                self.run_as,
                &self.root,
                &["-l", &log_arg, "-o", &options, "-w", "-t", "60", "start"],
            ) {
                Ok(_) => {
                    self.port = port;
                    self.started_here = true;
                    let _ = fs::write(self.root.join("port"), port.to_string());
                    return Ok(());
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::Start("no attempt was made".into())))
    }

    /// The TCP port the server listens on (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The folder holding the cluster (`data/`, `server.log`).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A connection URL for database `dbname` as the superuser.
    pub fn url(&self, dbname: &str) -> String {
        format!("postgresql://{SUPERUSER}@127.0.0.1:{}/{dbname}", self.port)
    }

    /// Creates database `name` unless it exists.
    pub fn create_database(&self, name: &str) -> Result<(), Error> {
        let mut client = postgres::Client::connect(&self.url("postgres"), postgres::NoTls)?;
        let exists = client
            .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])?
            .is_some();
        if !exists {
            client.batch_execute(&format!(
                "CREATE DATABASE \"{}\"",
                name.replace('"', "\"\"")
            ))?;
        }
        Ok(())
    }

    /// The binaries this cluster runs.
    pub fn bins(&self) -> &Bins {
        &self.bins
    }

    /// Stops the server now ("fast" shutdown).
    pub fn stop(&mut self) -> Result<(), Error> {
        pg_ctl(
            &self.bins,
            self.run_as,
            &self.root,
            &["-m", "fast", "-w", "stop"],
        )?;
        self.started_here = false;
        Ok(())
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.temporary {
            let mut list = TEMPORARY.lock().unwrap_or_else(|p| p.into_inner());
            list.retain(|c| c.root != self.root);
            drop(list);
            destroy(&Cleanup {
                bins: self.bins.clone(),
                root: self.root.clone(),
                run_as: self.run_as,
            });
        } else if self.started_here {
            let _ = self.stop();
        }
    }
}

/// A new folder for a temporary cluster, registered for removal at process exit (and marked
/// with the owning process, so a later run can remove it if this process is killed).
fn new_temporary_root(
    bins: &Bins,
    run_as: Option<(Uid, Gid)>,
) -> Result<(PathBuf, Cleanup), Error> {
    let root = tempfile::Builder::new()
        .prefix("pgshift-test-")
        .tempdir()
        .map_err(|e| Error::Io("creating a temporary folder".into(), e))?
        .keep();
    fs::write(root.join("owner.pid"), std::process::id().to_string())
        .map_err(|e| Error::Io("writing owner.pid".into(), e))?;
    let cleanup = Cleanup {
        bins: bins.clone(),
        root: root.clone(),
        run_as,
    };
    let mut list = TEMPORARY.lock().unwrap_or_else(|p| p.into_inner());
    if list.is_empty() {
        // SAFETY: registers a plain `extern "C"` function without captured state.
        unsafe { nix::libc::atexit(clean_up_at_exit) };
    }
    list.push(cleanup.clone());
    Ok((root, cleanup))
}

/// Where [`Cluster::dev`] keeps the cluster of a project.
pub fn dev_root(project_dir: &Path) -> PathBuf {
    use sha2::{Digest, Sha256};
    let absolute = fs::canonicalize(project_dir).unwrap_or_else(|_| project_dir.to_path_buf());
    let digest = Sha256::digest(absolute.to_string_lossy().as_bytes());
    let key: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    std::env::temp_dir().join(format!("pgshift-dev-{key}"))
}

/// PostgreSQL refuses to run as root: when we are root, run it as the `postgres` user.
fn run_as() -> Result<Option<(Uid, Gid)>, Error> {
    if !Uid::effective().is_root() {
        return Ok(None);
    }
    match User::from_name(SUPERUSER) {
        Ok(Some(user)) => Ok(Some((user.uid, user.gid))),
        _ => Err(Error::NoBinaries(
            "running as root, but there is no `postgres` user to run the server as (PostgreSQL refuses \
             to run as root); create one (`useradd --system postgres`) or run as another user"
                .into(),
        )),
    }
}

/// The server user must be able to reach the folder through every parent.
fn check_reachable(root: &Path, run_as: Option<(Uid, Gid)>) -> Result<(), Error> {
    if run_as.is_none() {
        return Ok(());
    }
    for dir in root.ancestors().skip(1) {
        let mode = fs::metadata(dir)
            .map(|m| m.permissions().mode())
            .unwrap_or(0o755);
        if mode & 0o001 == 0 {
            return Err(Error::Start(format!(
                "the server runs as the `postgres` user, which cannot enter {} (mode {:o}); put the cluster \
                 elsewhere or run `chmod o+x {}`",
                dir.display(),
                mode & 0o777,
                dir.display()
            )));
        }
    }
    Ok(())
}

fn free_port() -> Result<u16, Error> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| Error::Io("finding a free port".into(), e))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| Error::Io("finding a free port".into(), e))
}

fn pg_ctl(
    bins: &Bins,
    run_as: Option<(Uid, Gid)>,
    root: &Path,
    args: &[&str],
) -> Result<Output, Error> {
    let mut cmd = Command::new(bins.path("pg_ctl"));
    cmd.arg("-D").arg(root.join("data")).args(args);
    run(&mut cmd, run_as, root, "pg_ctl")
}

fn run(
    cmd: &mut Command,
    run_as: Option<(Uid, Gid)>,
    cwd: &Path,
    what: &str,
) -> Result<Output, Error> {
    cmd.current_dir(cwd).stdin(std::process::Stdio::null());
    if let Some((uid, gid)) = run_as {
        cmd.uid(uid.as_raw()).gid(gid.as_raw());
        cmd.env("HOME", cwd);
    }
    let output = cmd
        .output()
        .map_err(|e| Error::Io(format!("running {what}"), e))?;
    if output.status.success() {
        return Ok(output);
    }
    let log = fs::read_to_string(cwd.join("server.log")).unwrap_or_default();
    let tail: Vec<&str> = log.lines().rev().take(5).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    Err(Error::Start(format!(
        "{what} failed ({}): {}{}{}",
        output.status,
        String::from_utf8_lossy(&output.stderr).trim(),
        if tail.is_empty() {
            ""
        } else {
            "\nserver log:\n"
        },
        tail.join("\n")
    )))
}

fn running_port(bins: &Bins, run_as: Option<(Uid, Gid)>, root: &Path) -> Option<u16> {
    pg_ctl(bins, run_as, root, &["status"]).ok()?;
    let pid_file = fs::read_to_string(root.join("data").join("postmaster.pid")).ok()?;
    pid_file.lines().nth(3)?.trim().parse().ok()
}

fn append(path: &Path, text: &str) -> Result<(), Error> {
    use std::io::Write;
    fs::OpenOptions::new()
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| Error::Io(format!("writing {}", path.display()), e))
}

/// Removes temporary clusters whose owning process is gone (killed before it could clean up).
fn remove_stale_clusters(bins: &Bins, run_as: Option<(Uid, Gid)>) {
    let Ok(entries) = fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let root = entry.path();
        let is_ours = entry
            .file_name()
            .to_string_lossy()
            .starts_with("pgshift-test-");
        if !is_ours {
            continue;
        }
        let owner = fs::read_to_string(root.join("owner.pid"))
            .ok()
            .and_then(|p| p.trim().parse::<i32>().ok());
        let alive = owner.is_some_and(|pid| {
            nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok()
        });
        if owner.is_some() && !alive {
            destroy(&Cleanup {
                bins: bins.clone(),
                root,
                run_as,
            });
        }
    }
}
