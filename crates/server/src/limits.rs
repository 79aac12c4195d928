//! Rate limits and quotas, keyed by who is asking: per client address on `/api/token`, per host
//! secret on `/api/link-tokens`, per session on the data routes, and on new anonymous users
//! (per address and overall). Answers round `Retry-After` up (never 0).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::client::TrustedProxies;
use crate::config::Config;
use crate::error::ServerError;

/// Every limiter the server applies (`None` = that limit is off).
pub struct Limits {
    /// Whose `X-Forwarded-For` is believed.
    pub proxies: TrustedProxies,
    token_per_ip: Option<DefaultKeyedRateLimiter<IpAddr>>,
    link_tokens: Option<DefaultDirectRateLimiter>,
    per_session: Option<DefaultKeyedRateLimiter<String>>,
    new_users: Option<DefaultDirectRateLimiter>,
    new_users_per_ip: Option<DefaultKeyedRateLimiter<IpAddr>>,
}

/// `rate` per second with bursts of 3×.
fn per_second(rate: u32) -> Option<Quota> {
    let r = NonZeroU32::new(rate)?;
    Some(Quota::per_second(r).allow_burst(NonZeroU32::new(rate.saturating_mul(3)).unwrap_or(r)))
}

/// `n` per hour, all of them usable at once.
fn per_hour(n: u32) -> Option<Quota> {
    NonZeroU32::new(n).map(|n| Quota::per_hour(n).allow_burst(n))
}

fn wait_secs(wait: Duration) -> u64 {
    (wait.as_secs_f64().ceil() as u64).max(1)
}

impl Limits {
    /// The limits `config` asks for.
    pub fn new(config: &Config) -> Self {
        Self {
            proxies: TrustedProxies::parse(&config.trusted_proxies).unwrap_or_default(),
            token_per_ip: per_second(config.token_rate_per_ip).map(RateLimiter::keyed),
            link_tokens: per_second(config.link_token_rate).map(RateLimiter::direct),
            per_session: per_second(config.session_rate).map(RateLimiter::keyed),
            new_users: per_hour(config.new_users_per_hour).map(RateLimiter::direct),
            new_users_per_ip: per_hour(config.new_users_per_ip_per_hour).map(RateLimiter::keyed),
        }
    }

    fn keyed<K: std::hash::Hash + Eq + Clone>(
        limiter: &Option<DefaultKeyedRateLimiter<K>>,
        key: &K,
    ) -> Result<(), Duration> {
        match limiter {
            Some(l) => l
                .check_key(key)
                .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now())),
            None => Ok(()),
        }
    }

    fn direct(limiter: &Option<DefaultDirectRateLimiter>) -> Result<(), Duration> {
        match limiter {
            Some(l) => l
                .check()
                .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now())),
            None => Ok(()),
        }
    }

    /// One `/api/token` request (or failed host authentication) from `client`.
    pub fn token_request(&self, client: IpAddr) -> Result<(), ServerError> {
        Self::keyed(&self.token_per_ip, &client).map_err(|w| ServerError::TooManyRequests {
            retry_after: wait_secs(w),
        })
    }

    /// One link token minted with the host secret.
    pub fn link_token(&self) -> Result<(), ServerError> {
        Self::direct(&self.link_tokens).map_err(|w| ServerError::TooManyRequests {
            retry_after: wait_secs(w),
        })
    }

    /// One data-route request of `user`'s session.
    pub fn session_request(&self, user: &str) -> Result<(), ServerError> {
        Self::keyed(&self.per_session, &user.to_owned()).map_err(|w| ServerError::TooManyRequests {
            retry_after: wait_secs(w),
        })
    }

    /// One new anonymous user for `client`: its own quota first, then the global one.
    pub fn new_user(&self, client: IpAddr) -> Result<(), ServerError> {
        Self::keyed(&self.new_users_per_ip, &client)
            .and_then(|()| Self::direct(&self.new_users))
            .map_err(|w| ServerError::TooManyNewSessions {
                retry_after: wait_secs(w),
            })
    }

    /// Forgets keys whose buckets are full again (run every minute).
    pub fn prune(&self) {
        if let Some(l) = &self.token_per_ip {
            l.retain_recent();
            l.shrink_to_fit();
        }
        if let Some(l) = &self.per_session {
            l.retain_recent();
            l.shrink_to_fit();
        }
        if let Some(l) = &self.new_users_per_ip {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }
}
