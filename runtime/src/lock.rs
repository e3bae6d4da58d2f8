//! The migration lock: a session-level advisory lock that serialises runners.
//!
//! Its key is derived from the history table's qualified name, so migrators of different
//! schemas on one database do not block each other:
//! `key = first 8 bytes of SHA-256("pgshift:" + schema + "." + "managed_migrations")`, read as a
//! big-endian signed 64-bit integer. In SQL:
//!
//! ```sql
//! SELECT ('x' || left(encode(sha256('pgshift:public.managed_migrations'), 'hex'), 16))::bit(64)::bigint;
//! ```
//!
//! The lock belongs to the connection: if the process dies, the server releases it when the
//! connection closes. [`LockGuard`] releases it on drop, on every path.

use std::ops::{Deref, DerefMut};
use std::time::{Duration, Instant};

use postgres::Client;
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::history::rows;
use crate::sql::millis;

/// The advisory-lock key for the history table `schema.table`.
///
/// ```
/// assert_eq!(pgshift::lock_key("public", "managed_migrations"), pgshift::lock_key("public", "managed_migrations"));
/// assert_ne!(pgshift::lock_key("public", "managed_migrations"), pgshift::lock_key("tenant_a", "managed_migrations"));
/// ```
pub fn lock_key(schema: &str, table: &str) -> i64 {
    let digest = Sha256::digest(format!("pgshift:{schema}.{table}").as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

/// A held migration lock; derefs to the client. Dropping it releases the lock.
pub(crate) struct LockGuard<'c> {
    client: &'c mut Client,
    key: i64,
}

/// The first pause between two attempts at a busy lock; it doubles up to [`MAX_POLL`].
const FIRST_POLL: Duration = Duration::from_millis(50);
/// The longest pause between two attempts.
const MAX_POLL: Duration = Duration::from_secs(1);
/// What the server says when the lock is taken (see [`LockGuard::acquire`]).
const BUSY: &str = "pgshift: migration lock busy";

impl<'c> LockGuard<'c> {
    /// Takes the lock, waiting up to `wait` for it, then runs `then` (more SQL in the same
    /// round trip) and returns its rows' messages.
    ///
    /// A waiter never blocks inside a statement: a backend blocked in `pg_advisory_lock` holds
    /// a snapshot, and the holder's `CREATE INDEX CONCURRENTLY` (or `DROP`/`REINDEX ...
    /// CONCURRENTLY`) waits for every older snapshot to end, which PostgreSQL breaks as a
    /// deadlock. So each attempt is one short message with `pg_try_advisory_lock`, and between
    /// attempts the session sits idle, outside any transaction, for a jittered pause that
    /// doubles from 50 ms to 1 s.
    pub fn acquire(
        client: &'c mut Client,
        key: i64,
        wait: Duration,
        then: &str,
    ) -> Result<(LockGuard<'c>, Vec<postgres::SimpleQueryMessage>), Error> {
        let started = Instant::now();
        // Everything here is one implicit transaction. When the lock is busy, the cast of a
        // non-constant string to boolean fails at run time with a message of ours, which aborts
        // the rest of the message (`then` may create the history table) and lets the runner
        // tell "busy" from a real error; when it is free, `then` follows in the same round trip,
        // so an uncontended run costs no extra round trip. `SET LOCAL` lasts exactly this
        // message. While the lock is held, the server checks every second that this client is
        // still there (PostgreSQL 14+), so a runner that dies mid-statement is aborted promptly
        // instead of finishing the migration on its own and holding locks meanwhile. The
        // session's own check interval is saved here and restored on release.
        let sql = format!(
            "SET LOCAL lock_timeout = {}; SET LOCAL statement_timeout = 0; \
             SELECT CASE WHEN pg_try_advisory_lock({key}) THEN true \
             ELSE ('{BUSY} ' || pg_backend_pid())::boolean END; \
             SELECT set_config('pgshift.check_interval', current_setting('client_connection_check_interval'), false), \
             set_config('client_connection_check_interval', '1000', false) \
             WHERE current_setting('server_version_num')::int >= 140000; {then}",
            millis(wait)
        );
        let mut pause = FIRST_POLL;
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            match client.simple_query(&sql) {
                Ok(messages) => {
                    if attempts > 1 {
                        log::info!(
                            "took the migration lock after {} ms ({attempts} attempts)",
                            started.elapsed().as_millis()
                        );
                    }
                    return Ok((LockGuard { client, key }, messages));
                }
                Err(e) if is_busy(&e) => {
                    let waited = started.elapsed();
                    if waited >= wait {
                        let holder = holder(client, key);
                        return Err(Error::LockWait {
                            waited,
                            key,
                            holder,
                        });
                    }
                    if attempts == 1 {
                        log::info!("the migration lock is held by another runner; waiting for it");
                    }
                    std::thread::sleep(jittered(pause).min(wait - waited));
                    pause = (pause * 2).min(MAX_POLL);
                }
                Err(e) => {
                    // The lock may have been taken before a later statement failed.
                    let _ = client.simple_query(&format!("SELECT pg_advisory_unlock({key})"));
                    return Err(Error::db("taking the migration lock")(e));
                }
            }
        }
    }
}

/// Whether an attempt failed only because another session holds the lock.
fn is_busy(e: &postgres::Error) -> bool {
    e.as_db_error()
        .is_some_and(|db| db.code().code() == "22P02" && db.message().contains(BUSY))
}

/// `pause` scaled by a factor in [0.5, 1.5), so runners started together spread out.
fn jittered(pause: Duration) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    // A fresh RandomState is randomly keyed: enough randomness for spreading retries, without
    // a dependency for it.
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(Instant::now().elapsed().as_nanos());
    let unit = (hasher.finish() % 1000) as f64 / 1000.0;
    pause.mul_f64(0.5 + unit)
}

fn holder(client: &mut Client, key: i64) -> Option<String> {
    let sql = format!(
        "SELECT a.pid::text, coalesce(a.application_name, ''), coalesce(a.client_addr::text, 'local'), \
         coalesce(date_trunc('second', now() - a.backend_start)::text, '') \
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.granted AND ((l.classid::bigint << 32) | l.objid::bigint) = {key}"
    );
    let messages = client.simple_query(&sql).ok()?;
    let row = rows(&messages).next()?;
    Some(format!(
        "pid {}, application {:?}, from {}, connected for {}",
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?
    ))
}

impl Deref for LockGuard<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        self.client
    }
}

impl DerefMut for LockGuard<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        self.client
    }
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        let release = format!(
            "SELECT set_config('client_connection_check_interval', current_setting('pgshift.check_interval'), false) \
             WHERE current_setting('pgshift.check_interval', true) IS NOT NULL \
             AND current_setting('server_version_num')::int >= 140000; SELECT pg_advisory_unlock({})",
            self.key
        );
        if let Err(e) = self.client.simple_query(&release) {
            // The connection is gone, and the server released the lock with it.
            log::debug!("releasing the migration lock: {e}");
        }
    }
}
