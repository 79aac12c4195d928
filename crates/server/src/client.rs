//! Who the client is: its address, read through `TRUSTED_PROXIES` (the right-most
//! `X-Forwarded-For` entry that is not a trusted proxy), keyed by /64 for IPv6 so one host
//! cannot rotate through its addresses.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::error::ServerError;
use crate::state::AppState;

/// Address ranges whose `X-Forwarded-For` is believed (the TLS proxy in front).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// Parses `10.0.0.0/8,127.0.0.1,::1/128`-style entries; one clear sentence on a bad one.
    pub fn parse(entries: &[String]) -> Result<Self, String> {
        entries
            .iter()
            .map(|e| e.trim())
            .filter(|e| !e.is_empty())
            .map(|e| {
                let (addr, len) = e.split_once('/').unwrap_or((e, ""));
                let ip: IpAddr = addr.parse().map_err(|_| {
                    format!("TRUSTED_PROXIES: {e:?} is not an address or CIDR range")
                })?;
                let max = if ip.is_ipv4() { 32 } else { 128 };
                let len = if len.is_empty() {
                    max
                } else {
                    len.parse::<u8>()
                        .ok()
                        .filter(|l| *l <= max)
                        .ok_or_else(|| format!("TRUSTED_PROXIES: {e:?} has a bad prefix length"))?
                };
                Ok((ip, len))
            })
            .collect::<Result<Vec<_>, String>>()
            .map(TrustedProxies)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|(net, len)| in_range(ip, *net, *len))
    }

    /// The client's address: the TCP peer, or (when the peer is a trusted proxy) the right-most
    /// untrusted `X-Forwarded-For` entry.
    pub fn client_of(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let forwarded: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for entry in forwarded.iter().rev() {
            match entry.parse::<IpAddr>() {
                Ok(ip) if self.trusts(canonical(ip)) => client = canonical(ip),
                Ok(ip) => return canonical(ip),
                Err(_) => return client,
            }
        }
        client
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn in_range(ip: IpAddr, net: IpAddr, len: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

/// The limiter key of an address: IPv4 as is, IPv6 by its /64.
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64))),
        v4 => v4,
    }
}

/// The client's limiter key (see [`TrustedProxies::client_of`] and [`limit_key`]).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<Arc<AppState>> for ClientIp {
    type Rejection = ServerError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, ServerError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
        Ok(ClientIp(limit_key(
            state.limits.proxies.client_of(peer, &parts.headers),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn xff(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn the_right_most_untrusted_forwarded_address_is_the_client() {
        let p = TrustedProxies::parse(&["10.0.0.0/8".into(), "::1".into()]).unwrap();
        let proxy: IpAddr = "10.1.2.3".parse().unwrap();
        let got = p.client_of(proxy, &xff("6.6.6.6, 203.0.113.9, 10.0.0.5"));
        assert_eq!(
            got,
            "203.0.113.9".parse::<IpAddr>().unwrap(),
            "spoofed left entries are ignored"
        );
        let direct: IpAddr = "198.51.100.1".parse().unwrap();
        assert_eq!(
            p.client_of(direct, &xff("1.2.3.4")),
            direct,
            "untrusted peers cannot forward"
        );
        assert_eq!(p.client_of(proxy, &HeaderMap::new()), proxy);
        assert!(TrustedProxies::parse(&["10.0.0.0/33".into()]).is_err());
        assert!(TrustedProxies::parse(&["nope".into()]).is_err());
    }

    #[test]
    fn ipv6_is_keyed_by_its_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(limit_key(a), limit_key(b));
        assert_ne!(limit_key(a), limit_key("2001:db8:1:3::1".parse().unwrap()));
        let v4: IpAddr = "127.0.0.7".parse().unwrap();
        assert_eq!(limit_key(v4), v4);
    }
}
