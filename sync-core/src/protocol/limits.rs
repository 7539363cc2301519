//! Resource limits: how big a frame and its parts may be, and how fast a client may send.
//!
//! Both bound what a single hostile or buggy client can cost the server. The rate limiter is a pair of
//! token buckets (frames and bytes) driven by the caller's clock in milliseconds, so it is deterministic
//! in tests. Tokens are kept in thousandths so that refilling `per_second` tokens over one millisecond is
//! exact integer arithmetic.

/// Decoding limits. A frame that breaks one fails to decode; nothing larger is ever allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest frame, in bytes, including the version and type bytes.
    pub max_frame_bytes: usize,
    /// The most items in any one list (manifest entries, heads).
    pub max_list_len: usize,
    /// The longest UTF-8 string, in bytes.
    pub max_string_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_frame_bytes: 16 * 1024 * 1024,
            max_list_len: 100_000,
            max_string_bytes: 4096,
        }
    }
}

/// How fast one connection may send. The defaults are meant to stop floods, never a well-behaved client
/// uploading its whole caseload on a first sync, which is why the bursts are large.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub frames_per_second: u64,
    pub frame_burst: u64,
    pub bytes_per_second: u64,
    /// Should be at least [`Limits::max_frame_bytes`], or a frame of the maximum size is never admitted.
    pub byte_burst: u64,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self {
            frames_per_second: 1_000,
            frame_burst: 10_000,
            bytes_per_second: 16 * 1024 * 1024,
            byte_burst: 64 * 1024 * 1024,
        }
    }
}

/// One token bucket, in thousandths of a token.
#[derive(Debug, Clone)]
struct Bucket {
    milli_tokens: u64,
    capacity: u64,
    per_second: u64,
}

impl Bucket {
    fn full(burst: u64, per_second: u64) -> Self {
        let capacity = burst.saturating_mul(1000);
        Self {
            milli_tokens: capacity,
            capacity,
            per_second,
        }
    }

    fn refill(&mut self, elapsed_ms: u64) {
        // per_second tokens per 1000 ms is per_second milli-tokens per ms.
        let added = elapsed_ms.saturating_mul(self.per_second);
        self.milli_tokens = self.milli_tokens.saturating_add(added).min(self.capacity);
    }

    fn has(&self, tokens: u64) -> bool {
        self.milli_tokens >= tokens.saturating_mul(1000)
    }

    fn spend(&mut self, tokens: u64) {
        self.milli_tokens = self.milli_tokens.saturating_sub(tokens.saturating_mul(1000));
    }
}

/// The per-connection rate limiter: a frame is admitted only if both buckets can pay for it.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    frames: Bucket,
    bytes: Bucket,
    last_ms: Option<u64>,
}

impl RateLimiter {
    /// Starts with full buckets, so a new connection may burst at once.
    pub fn new(rate: RateLimit) -> Self {
        Self {
            frames: Bucket::full(rate.frame_burst, rate.frames_per_second),
            bytes: Bucket::full(rate.byte_burst, rate.bytes_per_second),
            last_ms: None,
        }
    }

    /// Whether a frame of `bytes` bytes arriving at `now_ms` is within the rate; if so it is paid for.
    pub fn admit(&mut self, bytes: usize, now_ms: u64) -> bool {
        // A clock that steps backwards refills nothing rather than underflowing.
        let elapsed = self.last_ms.map_or(0, |last| now_ms.saturating_sub(last));
        self.last_ms = Some(self.last_ms.map_or(now_ms, |last| last.max(now_ms)));
        self.frames.refill(elapsed);
        self.bytes.refill(elapsed);
        let bytes = bytes as u64;
        if !self.frames.has(1) || !self.bytes.has(bytes) {
            return false;
        }
        self.frames.spend(1);
        self.bytes.spend(bytes);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(frames_per_second: u64, frame_burst: u64) -> RateLimit {
        RateLimit {
            frames_per_second,
            frame_burst,
            bytes_per_second: 1_000,
            byte_burst: 10_000,
        }
    }

    #[test]
    fn admits_a_burst_then_refills_over_time() {
        let mut limiter = RateLimiter::new(rate(10, 3));
        assert!((0..3).all(|_| limiter.admit(1, 0)));
        assert!(!limiter.admit(1, 0));
        // 10 frames per second is one frame per 100 ms.
        assert!(!limiter.admit(1, 99));
        assert!(limiter.admit(1, 100));
        assert!(!limiter.admit(1, 100));
    }

    #[test]
    fn limits_bytes_independently_of_frames() {
        let mut limiter = RateLimiter::new(rate(1_000, 1_000));
        assert!(limiter.admit(10_000, 0));
        assert!(!limiter.admit(1, 0));
        assert!(limiter.admit(1_000, 1_000));
    }

    #[test]
    fn a_clock_stepping_backwards_refills_nothing() {
        let mut limiter = RateLimiter::new(rate(10, 1));
        assert!(limiter.admit(1, 5_000));
        assert!(!limiter.admit(1, 0));
        assert!(!limiter.admit(1, 5_050));
        assert!(limiter.admit(1, 5_100));
    }

    #[test]
    fn defaults_admit_a_frame_of_the_maximum_size() {
        let mut limiter = RateLimiter::new(RateLimit::default());
        assert!(limiter.admit(Limits::default().max_frame_bytes, 0));
    }
}
