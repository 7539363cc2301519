//! Per-address throttling of the routes anyone may call without an access token: the logins, refresh and the
//! citizen's check-in link (`/v1/auth/*`, `/v1/checkin/*`), and the operator's `/metrics`. Each of those can write (a failed login, a used
//! link), so without a bound one address could make the server write without end and guess passwords at the
//! speed of argon2.
//!
//! A generic cell rate limiter per address (`governor`): each address may spend a minute's allowance at once,
//! then one request per `60 / per_minute` seconds. IPv6 addresses count per /64, the block one subscriber usually
//! holds, so a host cannot dodge the limit by rotating its own addresses. The limiter lives in the process: several
//! server processes behind one load balancer each allow the rate. Idle addresses are forgotten once the table
//! grows past [`MAX_TRACKED`], so its memory stays bounded.

use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// The default allowance per address and minute.
pub const DEFAULT_PER_MINUTE: u32 = 60;
/// Above this many tracked addresses, the ones back at a full allowance are dropped.
const MAX_TRACKED: usize = 100_000;

/// The operator's scrape route: open without an access token (it takes its own), so throttled.
const METRICS_PATH: &str = "/metrics";

/// Whether a request path is one of the throttled public routes.
pub fn is_public_route(path: &str) -> bool {
    path.starts_with("/v1/auth/") || path.starts_with("/v1/checkin/") || path == METRICS_PATH
}

/// The per-address limiter; `None` inside when configured with 0 (off).
pub struct Throttle {
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
}

impl Throttle {
    /// `per_minute` requests a minute per address, all of them at once if need be; 0 turns throttling off.
    pub fn per_minute(per_minute: u32) -> Throttle {
        Throttle {
            limiter: NonZeroU32::new(per_minute).map(|n| RateLimiter::keyed(Quota::per_minute(n))),
        }
    }

    /// Admits a request from `address` (`None`: not known, e.g. a test driving the router in-process; all such
    /// requests share one allowance), or says how long to wait.
    pub fn check(&self, address: Option<IpAddr>) -> Result<(), Duration> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        if limiter.len() > MAX_TRACKED {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        let key = address.map_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED), block_of);
        limiter
            .check_key(&key)
            .map_err(|not_until| not_until.wait_time_from(limiter.clock().now()))
    }
}

/// The key an address counts under: an IPv4 address itself (also when mapped into IPv6), an IPv6 address's /64.
fn block_of(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(Ipv6Addr::from(prefix))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_spends_its_minute_then_waits_while_others_go_on() {
        let throttle = Throttle::per_minute(3);
        let one: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            assert!(throttle.check(Some(one)).is_ok());
        }
        let wait = throttle
            .check(Some(one))
            .expect_err("the fourth within the minute waits");
        assert!(
            wait > Duration::from_secs(10) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        assert!(throttle.check(Some(other)).is_ok());
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let elsewhere: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(block_of(a), block_of(b));
        assert_ne!(block_of(a), block_of(elsewhere));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(block_of(mapped), "192.0.2.1".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn zero_turns_throttling_off() {
        let throttle = Throttle::per_minute(0);
        for _ in 0..1000 {
            assert!(throttle.check(None).is_ok());
        }
    }
}
