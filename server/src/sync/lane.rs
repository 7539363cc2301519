//! A write lane: many connections hand in small durable writes, and one task writes whatever waits, up to a group's
//! size, in one transaction, then answers each. A lone write goes at once and a crowd shares one fsync; nothing
//! waits for a timer. The group commit's commits (`group_commit.rs`), the access log's reads (`read_log.rs`) and
//! the devices' holdings (`holding_log.rs`) go through lanes.

use std::future::Future;

use tokio::sync::{mpsc, oneshot};

/// Where writes of one kind are handed in; each is answered with an `R` (a write's own result).
pub struct Lane<T, R = ()> {
    queue: mpsc::Sender<(T, oneshot::Sender<R>)>,
}

/// Why a write handed to a lane has no answer.
#[derive(Debug)]
pub enum Unwritten<T> {
    /// The lane's task is gone (the runtime is shutting down): the write, for the caller to do itself.
    Refused(T),
    /// The lane's task took the write and ended without answering (it panicked): whether it is durable is unknown.
    Unanswered,
}

impl<T: Send + 'static, R: Send + 'static> Lane<T, R> {
    /// Starts the lane's task on the current runtime: `write` is called with up to `max_group` waiting writes and
    /// returns, once they are durable or failed, one answer per write in their order. The task ends when the lane
    /// is dropped and its queue is empty.
    pub fn start<W, F>(max_group: usize, mut write: W) -> Lane<T, R>
    where
        W: FnMut(Vec<T>) -> F + Send + 'static,
        F: Future<Output = Vec<R>> + Send,
    {
        let (queue, mut waiting) = mpsc::channel::<(T, oneshot::Sender<R>)>(4 * max_group);
        tokio::spawn(async move {
            let mut group = Vec::with_capacity(max_group);
            while waiting.recv_many(&mut group, max_group).await > 0 {
                let (items, answers): (Vec<T>, Vec<_>) = group.drain(..).unzip();
                let results = write(items).await;
                debug_assert_eq!(results.len(), answers.len(), "one answer per write");
                for (answer, result) in answers.into_iter().zip(results) {
                    // The writer may have gone; its write stands.
                    let _ = answer.send(result);
                }
            }
        });
        Lane { queue }
    }

    /// Hands in `item` and returns its answer once its group is written; waits for room while the queue is full.
    pub async fn write(&self, item: T) -> Result<R, Unwritten<T>> {
        let answer = self.submit(item).await.map_err(Unwritten::Refused)?;
        answer.await.map_err(|_| Unwritten::Unanswered)
    }

    /// Hands in `item` and returns at once (waiting only for room while the queue is full) with where its answer
    /// will come, so the caller can go on meanwhile; `Err` gives the item back when the lane's task is gone.
    pub async fn submit(&self, item: T) -> Result<oneshot::Receiver<R>, T> {
        let (answer, written) = oneshot::channel();
        self.submit_with(item, answer).await?;
        Ok(written)
    }

    /// Hands in `item` to be answered on `answer` (made earlier, so the caller could hold the receiving end while
    /// it gathered more writes to hand in together); `Err` gives the item back when the lane's task is gone.
    pub async fn submit_with(&self, item: T, answer: oneshot::Sender<R>) -> Result<(), T> {
        self.queue
            .send((item, answer))
            .await
            .map_err(|mpsc::error::SendError((item, _))| item)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[tokio::test]
    async fn writes_handed_in_together_share_a_group_and_each_gets_its_own_answer() {
        let groups: Arc<Mutex<Vec<Vec<u32>>>> = Arc::default();
        let seen = groups.clone();
        let (release, released) = oneshot::channel::<()>();
        let mut released = Some(released);
        let lane = Arc::new(Lane::start(3, move |items: Vec<u32>| {
            let answers = items.iter().map(|item| item * 10).collect::<Vec<u32>>();
            seen.lock().unwrap().push(items);
            // The first group waits until the others have queued up behind it.
            let first = released.take();
            async move {
                if let Some(released) = first {
                    let _ = released.await;
                }
                answers
            }
        }));
        let first = tokio::spawn({
            let lane = lane.clone();
            async move { lane.write(0).await }
        });
        tokio::task::yield_now().await;
        while groups.lock().unwrap().is_empty() {
            tokio::task::yield_now().await;
        }
        let others: Vec<_> = (1..=4)
            .map(|n| {
                let lane = lane.clone();
                tokio::spawn(async move { lane.write(n).await })
            })
            .collect();
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        release.send(()).unwrap();
        assert_eq!(first.await.unwrap().unwrap(), 0);
        for (n, other) in (1..).zip(others) {
            assert_eq!(
                other.await.unwrap().unwrap(),
                n * 10,
                "each write gets its own answer"
            );
        }
        let groups = groups.lock().unwrap().clone();
        let sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
        assert_eq!(sizes, [1, 3, 1], "{groups:?}");
        let mut all: Vec<u32> = groups.concat();
        all.sort_unstable();
        assert_eq!(all, [0, 1, 2, 3, 4]);
    }
}
