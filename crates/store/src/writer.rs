//! One writer per process for answer saves: group commit. SQLite lets one connection write at
//! a time; with many respondents saving at once, connections that find the database locked back
//! off and retry (SQLite's busy handler sleeps up to 100 ms at a time), which is where the slow
//! tail of saves came from. Here saves queue for one task that takes every save waiting, writes
//! them in one transaction and commits once (one fsync), then answers each caller. A caller
//! hears back only after its save is committed, so a save is as durable as before. PostgreSQL
//! gains too (fewer commits, each a WAL flush); several processes each have their own writer.
//!
//! On SQLite the WAL is checkpointed by a background task once a second (PASSIVE: it never
//! blocks the writer) instead of by whichever commit happens to cross the threshold.

use crate::responses::Save;
use crate::{Result, StoreError};
use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

/// The most saves one transaction takes.
const BATCH: usize = 256;

type Job = (Save, oneshot::Sender<Result<()>>);

pub(crate) struct Writer {
    queue: mpsc::UnboundedSender<Job>,
}

impl Writer {
    /// Starts the writer task (and, for SQLite, the checkpointer) on the current Tokio runtime.
    pub fn start(pool: AnyPool, sqlite: bool) -> Writer {
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
                commit(&pool, &mut batch).await;
            }
        });
        Writer { queue }
    }

    pub async fn save(&self, save: Save) -> Result<()> {
        let (done, outcome) = oneshot::channel();
        self.queue.send((save, done)).map_err(|_| StoreError("the writer has stopped".into()))?;
        outcome.await.map_err(|_| StoreError("the writer has stopped".into()))?
    }
}

/// Writes a batch in one transaction; if that fails, each save alone, so that one bad save
/// (a participant deleted meanwhile) fails by itself.
async fn commit(pool: &AnyPool, batch: &mut Vec<Job>) {
    let together = async {
        let mut tx = pool.begin().await?;
        for (save, _) in batch.iter() {
            save.execute(&mut tx).await?;
        }
        tx.commit().await?;
        Ok::<(), StoreError>(())
    }
    .await;
    if together.is_ok() || batch.len() == 1 {
        let outcome = together.map_err(|e| e.0);
        for (_, done) in batch.drain(..) {
            let _ = done.send(outcome.clone().map_err(StoreError));
        }
        return;
    }
    for (save, done) in batch.drain(..) {
        let alone = async {
            let mut conn = pool.acquire().await?;
            save.execute(&mut conn).await
        }
        .await;
        let _ = done.send(alone);
    }
}
