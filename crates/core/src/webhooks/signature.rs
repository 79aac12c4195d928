//! Standard Webhooks signatures (what Basiq sends through Svix, and what the server sends to
//! the host): `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`
//! (space-separated `v1,<base64>` entries); each entry is the base64 of
//! HMAC-SHA256(key, `{id}.{timestamp}.{raw body}`) with the key base64-encoded after `whsec_`.
//!
//! Verification takes the raw body bytes (never a re-serialisation), tries every `v1` entry
//! with a constant-time comparison, and refuses timestamps more than five minutes away from
//! `now` (a parameter: no clock here).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far a timestamp may be from now, either way.
pub const TOLERANCE_SECS: i64 = 5 * 60;
/// The `webhook-id` header.
pub const HEADER_ID: &str = "webhook-id";
/// The `webhook-timestamp` header.
pub const HEADER_TIMESTAMP: &str = "webhook-timestamp";
/// The `webhook-signature` header.
pub const HEADER_SIGNATURE: &str = "webhook-signature";

/// Why a delivery is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The secret is not `whsec_<base64>` with a non-empty key.
    #[error("the webhook secret is not whsec_<base64>")]
    BadSecret,
    /// A header is missing (or not text).
    #[error("the {0} header is missing")]
    MissingHeader(&'static str),
    /// `webhook-timestamp` is not a whole number of seconds.
    #[error("the webhook-timestamp header is not a number of seconds")]
    BadTimestamp,
    /// The timestamp is more than five minutes old.
    #[error("the webhook timestamp is too old")]
    Stale,
    /// The timestamp is more than five minutes ahead.
    #[error("the webhook timestamp is in the future")]
    Future,
    /// No `v1` entry matches.
    #[error("no webhook signature matches")]
    Mismatch,
}

/// A signing key, from `whsec_<base64>`.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    /// Reads `whsec_<base64>` (the prefix is required: it says which scheme the key is for).
    pub fn parse(s: &str) -> Result<Self, SignatureError> {
        let key = s
            .trim()
            .strip_prefix("whsec_")
            .and_then(|b| B64.decode(b).ok())
            .filter(|k| !k.is_empty())
            .ok_or(SignatureError::BadSecret)?;
        Ok(Secret(key))
    }

    fn mac(&self, id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
        // HMAC takes keys of any length: this never fails.
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }

    /// The `webhook-signature` value for a message: `v1,<base64>`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let tag = self.mac(id, timestamp, body).finalize().into_bytes();
        format!("v1,{}", B64.encode(tag))
    }

    /// Checks a delivery's three headers (`None` = absent) against its raw body at `now`
    /// (Unix seconds). The id is only signed here: refusing a repeated id is the caller's.
    pub fn verify(
        &self,
        id: Option<&str>,
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
        now: i64,
    ) -> Result<(), SignatureError> {
        let id = id
            .filter(|v| !v.is_empty())
            .ok_or(SignatureError::MissingHeader(HEADER_ID))?;
        let timestamp = timestamp
            .filter(|v| !v.is_empty())
            .ok_or(SignatureError::MissingHeader(HEADER_TIMESTAMP))?;
        let signature = signature
            .filter(|v| !v.is_empty())
            .ok_or(SignatureError::MissingHeader(HEADER_SIGNATURE))?;
        let ts: i64 = timestamp
            .trim()
            .parse()
            .map_err(|_| SignatureError::BadTimestamp)?;
        if now.saturating_sub(ts) > TOLERANCE_SECS {
            return Err(SignatureError::Stale);
        }
        if ts.saturating_sub(now) > TOLERANCE_SECS {
            return Err(SignatureError::Future);
        }
        let mac = self.mac(id, ts, body);
        let matched = signature
            .split(' ')
            .filter_map(|entry| entry.split_once(','))
            .filter(|(version, _)| *version == "v1")
            .filter_map(|(_, sig)| B64.decode(sig).ok())
            .any(|sig| mac.clone().verify_slice(&sig).is_ok());
        if matched {
            Ok(())
        } else {
            Err(SignatureError::Mismatch)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example of the Standard Webhooks reference libraries.
    const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    const ID: &str = "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk";
    const TS: i64 = 1_649_367_553;
    const BODY: &[u8] = br#"{"email":"test@example.com","username":"test_user"}"#;
    const SIG: &str = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";

    fn secret() -> Secret {
        Secret::parse(SECRET).expect("secret")
    }

    fn check(sig: &str, body: &[u8], now: i64) -> Result<(), SignatureError> {
        secret().verify(Some(ID), Some(&TS.to_string()), Some(sig), body, now)
    }

    #[test]
    fn signs_the_reference_test_vector() {
        assert_eq!(secret().sign(ID, TS, BODY), SIG);
    }

    #[test]
    fn verifies_the_reference_test_vector_at_its_time_and_within_five_minutes() {
        assert_eq!(check(SIG, BODY, TS), Ok(()));
        assert_eq!(check(SIG, BODY, TS + TOLERANCE_SECS), Ok(()));
        assert_eq!(check(SIG, BODY, TS - TOLERANCE_SECS), Ok(()));
    }

    #[test]
    fn refuses_stale_and_future_timestamps() {
        assert_eq!(
            check(SIG, BODY, TS + TOLERANCE_SECS + 1),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            check(SIG, BODY, TS - TOLERANCE_SECS - 1),
            Err(SignatureError::Future)
        );
    }

    #[test]
    fn refuses_an_altered_body_and_a_wrong_signature() {
        let mut altered = BODY.to_vec();
        altered[2] ^= 1;
        assert_eq!(check(SIG, &altered, TS), Err(SignatureError::Mismatch));
        let other = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("secret");
        let wrong = other.sign(ID, TS, BODY);
        assert_eq!(check(&wrong, BODY, TS), Err(SignatureError::Mismatch));
        assert_eq!(
            check("v1,not base64!", BODY, TS),
            Err(SignatureError::Mismatch)
        );
        // A v2 entry with the right bytes is not a v1 signature.
        let v2 = SIG.replacen("v1,", "v2,", 1);
        assert_eq!(check(&v2, BODY, TS), Err(SignatureError::Mismatch));
    }

    #[test]
    fn any_v1_entry_of_the_header_may_match() {
        let header = format!("v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,abc {SIG}");
        assert_eq!(check(&header, BODY, TS), Ok(()));
    }

    #[test]
    fn refuses_missing_headers_and_bad_timestamps() {
        let s = secret();
        let ts = TS.to_string();
        let v = |id, t, sig| s.verify(id, t, sig, BODY, TS);
        assert_eq!(
            v(None, Some(&ts), Some(SIG)),
            Err(SignatureError::MissingHeader(HEADER_ID))
        );
        assert_eq!(
            v(Some(ID), None, Some(SIG)),
            Err(SignatureError::MissingHeader(HEADER_TIMESTAMP))
        );
        assert_eq!(
            v(Some(ID), Some(&ts), None),
            Err(SignatureError::MissingHeader(HEADER_SIGNATURE))
        );
        assert_eq!(
            v(Some(ID), Some("soon"), Some(SIG)),
            Err(SignatureError::BadTimestamp)
        );
    }

    #[test]
    fn secrets_need_the_prefix_and_a_key() {
        assert!(Secret::parse("C2FVsBQIhrscChlQIMV+b5sSYspob7oD").is_err());
        assert!(Secret::parse("whsec_").is_err());
        assert!(Secret::parse("whsec_***").is_err());
        assert!(!format!("{:?}", secret()).contains("C2FV"));
    }
}
