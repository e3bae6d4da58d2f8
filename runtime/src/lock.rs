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

impl<'c> LockGuard<'c> {
    /// Waits up to `wait` for the lock (server-side, through `lock_timeout`), then runs
    /// `then` (more SQL in the same round trip) and returns its rows' messages.
    pub fn acquire(
        client: &'c mut Client,
        key: i64,
        wait: Duration,
        then: &str,
    ) -> Result<(LockGuard<'c>, Vec<postgres::SimpleQueryMessage>), Error> {
        let started = Instant::now();
        // Everything here is one implicit transaction, so `SET LOCAL` lasts exactly this
        // message: the wait is bounded by `wait` alone, whatever statement_timeout the role has.
        // While the lock is held, the server checks every second that this client is still
        // there (PostgreSQL 14+), so a runner that dies mid-statement is aborted promptly
        // instead of finishing the migration on its own and holding locks meanwhile. The
        // session's own check interval is saved here and restored on release.
        let sql = format!(
            "SET LOCAL lock_timeout = {}; SET LOCAL statement_timeout = 0; SELECT pg_advisory_lock({key}); \
             SELECT set_config('pgshift.check_interval', current_setting('client_connection_check_interval'), false), \
             set_config('client_connection_check_interval', '1000', false) \
             WHERE current_setting('server_version_num')::int >= 140000; {then}",
            millis(wait)
        );
        match client.simple_query(&sql) {
            Ok(messages) => Ok((LockGuard { client, key }, messages)),
            Err(e) if e.code().map(|c| c.code()) == Some("55P03") => {
                let holder = holder(client, key);
                Err(Error::LockWait {
                    waited: started.elapsed(),
                    key,
                    holder,
                })
            }
            Err(e) => {
                // The lock may have been taken before a later statement failed.
                let _ = client.simple_query(&format!("SELECT pg_advisory_unlock({key})"));
                Err(Error::db("taking the migration lock")(e))
            }
        }
    }
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
