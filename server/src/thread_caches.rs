//! When the runtime's worker threads hand the allocator's per-thread caches back.
//!
//! jemalloc keeps what a thread frees in a cache of that thread, for its next allocation, and trims the cache only
//! as the same thread goes on allocating. A tokio worker that falls quiet after a burst (a caseload uploaded, the
//! documents evicted) thus keeps its cache for as long as it stays quiet, and with it the pages under those objects:
//! on PostgreSQL that was most of what the server held above its starting memory once idle (BENCHMARKS.md,
//! "Memory at rest: the workers' caches"). Turning the caches off cost some 10 % of the CPU of an upload; handing
//! them back costs one flush per worker every 15 seconds, after which the cache fills again as the thread works.
//!
//! So every sweep of the idle eviction calls [`release`], and each worker thread, the next time it runs out of work,
//! finds that [`take_release`] says so and flushes its cache (the binary does that from the runtime's
//! `on_thread_park` hook, since only it knows the allocator; folly's `MemoryIdler` and HHVM do the same for threads
//! going idle). A busy worker flushes once per sweep.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counts the calls of [`release`]; a thread whose last flush saw an older count flushes again.
static RELEASES: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// The count of [`RELEASES`] when this thread last flushed its cache.
    static FLUSHED_AT: Cell<u64> = const { Cell::new(0) };
}

/// Asks every worker thread of the current runtime to flush its allocator cache the next time it parks, and wakes
/// parked ones so that they do it now rather than at their next piece of work, which on an idle server may be hours
/// away. Call it from within the runtime.
pub fn release() {
    RELEASES.fetch_add(1, Ordering::Relaxed);
    // tokio wakes a parked worker when a spawn leaves work queued and no worker is searching for it; the woken
    // worker parks again through the hook. One empty task per worker wakes the parked ones as a rule (tokio makes no
    // promise of it), at one poll each; a worker this misses flushes at its next park after work.
    let workers = tokio::runtime::Handle::current().metrics().num_workers();
    for _ in 0..workers {
        tokio::spawn(async {});
    }
}

/// Whether the calling thread should flush its allocator cache now: true once after each [`release`].
pub fn take_release() -> bool {
    FLUSHED_AT.with(|flushed_at| due(flushed_at, RELEASES.load(Ordering::Relaxed)))
}

/// Whether a thread that last flushed at `flushed_at` should flush when the count is `releases`; notes the flush.
fn due(flushed_at: &Cell<u64>, releases: u64) -> bool {
    flushed_at.replace(releases) != releases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_flushes_once_per_release() {
        let flushed_at = Cell::new(0);
        assert!(!due(&flushed_at, 0), "nothing released yet");
        assert!(due(&flushed_at, 1), "the first release");
        assert!(!due(&flushed_at, 1), "already flushed for it");
        assert!(due(&flushed_at, 3), "two releases while busy ask for one flush");
        assert!(!due(&flushed_at, 3));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_release_is_seen_by_a_thread_that_has_flushed() {
        take_release();
        release();
        // Other tests may release too, which can only make this more true.
        assert!(take_release());
    }
}
