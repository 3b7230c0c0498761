//! [`SqliteStore`]: flowpayroll's [`TokenStore`] on one SQLite database file, the
//! second backend that proves the seam (fleet mode on something other than Redis).
//! Every member opens the same file; each operation is one SQL statement, so SQLite's
//! write lock makes it atomic across threads and processes. Expiry is a column of
//! wall-clock milliseconds, compared in every statement: an expired row is never read
//! back, and is overwritten by the next write.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use flowpayroll::fleet::{StoreError, StoreFuture, Stored, TokenStore};
use rusqlite::{params, Connection, OptionalExtension};

/// One member's connection to the shared database file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    connection: Arc<Mutex<Connection>>,
}

impl SqliteStore {
    /// Opens (and creates, the first time) the store in the database at `path`.
    pub fn open(path: &Path) -> rusqlite::Result<Self> {
        let connection = Connection::open(path)?;
        // Concurrent members wait for the write lock rather than fail at once.
        connection.busy_timeout(Duration::from_secs(2))?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.execute(
            "CREATE TABLE IF NOT EXISTS fleet (
                 key TEXT PRIMARY KEY,
                 value BLOB NOT NULL,
                 expires_at_ms INTEGER NOT NULL
             )",
            [],
        )?;
        Ok(Self {
            connection: Arc::new(Mutex::new(connection)),
        })
    }

    /// Runs `job` on a blocking thread with the connection.
    fn run<'a, T: Send + 'static>(
        &'a self,
        job: impl FnOnce(&Connection, i64) -> rusqlite::Result<T> + Send + 'static,
    ) -> StoreFuture<'a, T> {
        let connection = Arc::clone(&self.connection);
        Box::pin(async move {
            let done = tokio::task::spawn_blocking(move || {
                let connection = connection.lock().unwrap_or_else(|p| p.into_inner());
                job(&connection, now_ms())
            })
            .await
            .map_err(|e| StoreError::from(format!("the SQLite task failed: {e}")))?;
            done.map_err(StoreError::from)
        })
    }
}

/// Milliseconds since the epoch, the clock every member shares: the store's expiry
/// runs on it, as Redis's does, whatever clock a client is given.
#[allow(clippy::disallowed_methods)]
fn now_ms() -> i64 {
    let since = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

/// `now + ttl` in milliseconds, saturating.
fn until(now: i64, ttl: Duration) -> i64 {
    now.saturating_add(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX))
}

impl TokenStore for SqliteStore {
    fn get<'a>(&'a self, key: &'a str, max_len: usize) -> StoreFuture<'a, Stored> {
        let key = key.to_owned();
        let max_len = i64::try_from(max_len).unwrap_or(i64::MAX);
        self.run(move |db, now| {
            // `substr` on a blob counts bytes: only the first `max_len` leave SQLite.
            let row: Option<(String, Option<Vec<u8>>)> = db
                .query_row(
                    "SELECT typeof(value), CASE typeof(value) WHEN 'blob' \
                     THEN substr(value, 1, ?3) END \
                     FROM fleet WHERE key = ?1 AND expires_at_ms > ?2",
                    params![key, now, max_len],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            Ok(match row {
                None => Stored::Missing,
                Some((kind, Some(bytes))) if kind == "blob" && !bytes.is_empty() => {
                    Stored::Value(bytes)
                }
                Some((kind, _)) if kind == "blob" => Stored::Missing,
                Some(_) => Stored::Foreign,
            })
        })
    }

    fn set<'a>(&'a self, key: &'a str, value: &'a [u8], ttl: Duration) -> StoreFuture<'a, ()> {
        let (key, value) = (key.to_owned(), value.to_vec());
        self.run(move |db, now| {
            db.execute(
                "INSERT INTO fleet (key, value, expires_at_ms) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, \
                 expires_at_ms = excluded.expires_at_ms",
                params![key, value, until(now, ttl)],
            )
            .map(drop)
        })
    }

    fn delete_if<'a>(&'a self, key: &'a str, expected: &'a [u8]) -> StoreFuture<'a, bool> {
        let (key, expected) = (key.to_owned(), expected.to_vec());
        self.run(move |db, now| {
            db.execute(
                "DELETE FROM fleet WHERE key = ?1 AND value = ?2 AND expires_at_ms > ?3",
                params![key, expected, now],
            )
            .map(|deleted| deleted == 1)
        })
    }

    fn acquire_lease<'a>(
        &'a self,
        key: &'a str,
        holder: &'a [u8],
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        let (key, holder) = (key.to_owned(), holder.to_vec());
        self.run(move |db, now| {
            // Inserted, or an expired lease replaced: one row changed. A live lease
            // stays, and nothing changes.
            db.execute(
                "INSERT INTO fleet (key, value, expires_at_ms) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, \
                 expires_at_ms = excluded.expires_at_ms WHERE fleet.expires_at_ms <= ?4",
                params![key, holder, until(now, ttl), now],
            )
            .map(|changed| changed == 1)
        })
    }

    fn renew_lease<'a>(
        &'a self,
        key: &'a str,
        holder: &'a [u8],
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        let (key, holder) = (key.to_owned(), holder.to_vec());
        self.run(move |db, now| {
            db.execute(
                "UPDATE fleet SET expires_at_ms = ?3 \
                 WHERE key = ?1 AND value = ?2 AND expires_at_ms > ?4",
                params![key, holder, until(now, ttl), now],
            )
            .map(|changed| changed == 1)
        })
    }

    fn ping(&self) -> StoreFuture<'_, ()> {
        self.run(|db, _| db.query_row("SELECT 1", [], |_| Ok(())))
    }
}
