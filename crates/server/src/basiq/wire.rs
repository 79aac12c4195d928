//! Basiq's answers read once: bodies decoded, error envelopes turned into `ServerError`s;
//! path segments and query values encoded.

use bank_connect_core::basiq::ErrorEnvelope;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::ServerError;

/// A path segment: ids are UUID-like; anything else is percent-encoded so it cannot add segments.
pub fn seg(s: &str) -> String {
    urlencode(s)
}

/// Percent-encodes everything but unreserved characters.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn transport(e: reqwest::Error) -> ServerError {
    if e.is_timeout() {
        ServerError::Timeout
    } else {
        ServerError::Transport(e.without_url().to_string())
    }
}

pub fn envelope_of(bytes: &[u8]) -> (String, String) {
    match serde_json::from_slice::<ErrorEnvelope>(bytes) {
        Ok(env) => match env.data.first() {
            Some(e) => (
                e.code.clone(),
                e.detail.clone().unwrap_or_else(|| e.title.clone()),
            ),
            None => (String::new(), "empty error list".into()),
        },
        Err(_) => (
            String::new(),
            format!(
                "unexpected answer: {}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(120)])
            ),
        ),
    }
}

pub async fn decode<T: DeserializeOwned>(
    status: StatusCode,
    response: reqwest::Response,
) -> Result<T, ServerError> {
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let bytes = response.bytes().await.map_err(transport)?;
    if status.is_success() {
        let bytes: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
        return serde_json::from_slice(bytes)
            .map_err(|e| ServerError::Transport(format!("undecodable {status} answer: {e}")));
    }
    let (code, detail) = envelope_of(&bytes);
    Err(ServerError::Upstream {
        status: status.as_u16(),
        code,
        detail,
        retry_after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlencode_keeps_ids_and_escapes_the_rest() {
        assert_eq!(urlencode("ab-12_c.d~"), "ab-12_c.d~");
        assert_eq!(urlencode("../x y"), "..%2Fx%20y");
        assert_eq!(
            urlencode("institution.id.eq('AU00000')"),
            "institution.id.eq%28%27AU00000%27%29"
        );
    }
}
