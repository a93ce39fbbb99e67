//! One writer per process for answer saves: group commit. SQLite lets one connection write at
//! a time; with many respondents saving at once, connections that find the database locked back
//! off and retry (SQLite's busy handler sleeps up to 100 ms at a time), which is where the slow
//! tail of saves came from. Here saves queue for one task that takes every save waiting, writes
//! them in one transaction and commits once (one fsync), then answers each caller. A caller
//! hears back only after its save is committed, so a save is as durable as before. PostgreSQL
//! gains too (fewer commits, each a WAL flush); several processes each have their own writer.
//!
//! A connection whose transaction or commit failed is closed, never given back to the pool:
//! after SQLITE_FULL the rollback itself can fail and leave the driver believing it is still
//! inside a transaction, so that later writes on that connection would be answered and never
//! committed. The store's health remembers that writes are failing until one succeeds.
//!
//! On SQLite the WAL is checkpointed by a background task once a second (PASSIVE: it never
//! blocks the writer) instead of by whichever commit happens to cross the threshold.

use crate::responses::{StoredResponse, Write};
use crate::{Health, Result, StoreError};
use sqlx::AnyPool;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// The most saves one transaction takes.
const BATCH: usize = 256;

type Outcome = Result<Option<StoredResponse>>;
type Job = (Write, oneshot::Sender<Outcome>);

pub(crate) struct Writer {
    queue: mpsc::UnboundedSender<Job>,
}

impl Writer {
    /// Starts the writer task (and, for SQLite, the checkpointer) on the current Tokio runtime.
    pub fn start(pool: AnyPool, sqlite: bool, health: Arc<Health>) -> Writer {
        let (queue, mut jobs) = mpsc::unbounded_channel::<Job>();
        if sqlite {
            let pool = pool.clone();
            let alive = queue.downgrade();
            tokio::spawn(async move {
                // Ends with the store: once the last handle to the queue is gone, nothing writes.
                while alive.upgrade().is_some() {
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
                        eprintln!("sqlite checkpoint: {e}");
                    }
                }
            });
        }
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(BATCH);
            while jobs.recv_many(&mut batch, BATCH).await > 0 {
                commit(&pool, !sqlite, &health, &mut batch).await;
            }
        });
        Writer { queue }
    }

    pub async fn write(&self, write: Write) -> Outcome {
        let (done, outcome) = oneshot::channel();
        self.queue.send((write, done)).map_err(|_| StoreError("the writer has stopped".into()))?;
        outcome.await.map_err(|_| StoreError("the writer has stopped".into()))?
    }
}

/// Runs `writes` in one transaction on a connection of its own, closed on any failure
/// ([`crate::on_own_connection`]).
pub(crate) async fn transaction(
    pool: &AnyPool,
    postgres: bool,
    writes: &[&Write],
) -> Result<Vec<Option<StoredResponse>>> {
    crate::on_own_connection(pool, async |conn| {
        let mut tx = sqlx::Connection::begin(conn).await?;
        let mut written = Vec::with_capacity(writes.len());
        for write in writes {
            written.push(write.execute(&mut tx, postgres).await?);
        }
        tx.commit().await?;
        Ok(written)
    })
    .await
}

/// Writes a batch in one transaction; if that fails, each save alone, so that one bad save
/// (a participant deleted meanwhile) fails by itself.
async fn commit(pool: &AnyPool, postgres: bool, health: &Health, batch: &mut Vec<Job>) {
    let writes: Vec<&Write> = batch.iter().map(|(w, _)| w).collect();
    let together = transaction(pool, postgres, &writes).await;
    health.record(together.is_ok());
    let failed = match together {
        Ok(written) => {
            for ((_, done), written) in batch.drain(..).zip(written) {
                let _ = done.send(Ok(written));
            }
            return;
        }
        Err(e) => e,
    };
    if batch.len() == 1 {
        let (_, done) = batch.pop().expect("one job");
        let _ = done.send(Err(failed));
        return;
    }
    for (write, done) in batch.drain(..) {
        let alone = transaction(pool, postgres, &[&write]).await.map(|mut w| w.pop().flatten());
        health.record(alone.is_ok());
        let _ = done.send(alone);
    }
}
