//! Which hosts and origins this server answers: `PUBLIC_ORIGIN` when set; otherwise the
//! request's own `Host`, and on a loopback bind only loopback host names (so a DNS-rebound
//! name cannot reach a developer's server). State-changing requests must come from our own
//! origin: the widget is same-origin with its API, and host backends mint link tokens server
//! to server, so no other origin — not even an embedding host page — may send them.

use axum::http::{HeaderMap, header};

use crate::error::ServerError;

/// Our public origin (if configured) and how to derive it otherwise.
pub struct OriginPolicy {
    public: Option<String>,
    secure: bool,
    loopback: bool,
}

impl OriginPolicy {
    /// `public`: `PUBLIC_ORIGIN`; `secure`: reached over HTTPS; `loopback`: bound to loopback.
    pub fn new(public: Option<String>, secure: bool, loopback: bool) -> Self {
        Self {
            public: public.map(|p| p.trim_end_matches('/').to_ascii_lowercase()),
            secure,
            loopback,
        }
    }

    /// `Ok` when the request's `Host` (or HTTP/2 authority) is one this server answers.
    pub fn check_host(&self, host: &str) -> Result<(), ServerError> {
        let host = host.to_ascii_lowercase();
        let ok = match &self.public {
            Some(public) => public.split_once("://").is_some_and(|(_, h)| h == host),
            None if self.loopback => is_loopback_host(&host),
            None => true,
        };
        if ok {
            Ok(())
        } else {
            Err(ServerError::WrongHost(host.chars().take(100).collect()))
        }
    }

    /// Browsers send `Origin` on every POST/DELETE; it must be ours.
    pub fn check(&self, headers: &HeaderMap) -> Result<(), ServerError> {
        let Some(origin) = headers.get(header::ORIGIN) else {
            return Ok(());
        };
        let origin = origin.to_str().unwrap_or("").to_ascii_lowercase();
        if Some(origin.as_str()) == self.own_origin(headers).as_deref() {
            Ok(())
        } else {
            Err(ServerError::OriginNotAllowed(
                origin.chars().take(100).collect(),
            ))
        }
    }

    /// The origin of this server as the browser sees it.
    fn own_origin(&self, headers: &HeaderMap) -> Option<String> {
        if let Some(public) = &self.public {
            return Some(public.clone());
        }
        let host = headers.get(header::HOST)?.to_str().ok()?;
        let proto = if self.secure { "https" } else { "http" };
        Some(format!("{proto}://{}", host.to_ascii_lowercase()))
    }
}

/// `127.0.0.1[:port]`, `localhost[:port]`, `[::1][:port]`.
fn is_loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    name == "localhost"
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(host: &str, origin: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        if let Some(o) = origin {
            h.insert(header::ORIGIN, HeaderValue::from_str(o).unwrap());
        }
        h
    }

    #[test]
    fn loopback_hosts_only_on_a_loopback_bind() {
        let p = OriginPolicy::new(None, false, true);
        for ok in ["127.0.0.1:8080", "localhost:3000", "[::1]:80", "localhost"] {
            assert!(p.check_host(ok).is_ok(), "{ok}");
        }
        assert!(p.check_host("rebound.example:8080").is_err());
        let public = OriginPolicy::new(Some("https://Widget.example".into()), true, false);
        assert!(public.check_host("widget.example").is_ok());
        assert!(public.check_host("127.0.0.1:8080").is_err());
        assert!(
            public
                .check(&headers("widget.example", Some("https://widget.example")))
                .is_ok()
        );
        assert!(
            public
                .check(&headers("widget.example", Some("http://widget.example")))
                .is_err()
        );
    }
}
