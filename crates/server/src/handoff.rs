//! The hand-off to Basiq's Consent UI (API 3.0) and back: the signed `state` Basiq echoes to
//! the return route, the single-use nonces it names, and the relay that keeps each result for
//! the waiting widget.
//!
//! A state is `h1.<nonce>.<user>.<issued>.<p|w>.<mac>`: HMAC-SHA256 under a key derived from
//! each `SESSION_SECRET` (the first signs, every one verifies), so a state cannot be forged or
//! moved to another user. The nonce is recorded at start for that user and mode; the return
//! consumes it once, and the result stays readable under it (by that user's session only) until
//! the nonce expires. Times are Unix seconds passed in, so every rule is tested without a clock.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use crate::error::ServerError;
use crate::session::random_id;
use crate::store::Store;

/// How long a hand-off may take, from start to return (Basiq's client token lives an hour;
/// the person gets half of it, which is also how long a stolen state could be tried).
pub const HANDOFF_TTL_SECS: u64 = 30 * 60;
/// How long a returned result stays readable by the waiting widget.
pub const RESULT_TTL_SECS: u64 = 10 * 60;
/// Most job ids one return may carry.
pub const MAX_JOB_IDS: usize = 20;

/// Where the person went: the whole page, or a popup opened from the widget's frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandoffMode {
    /// The widget's page navigated to the Consent UI; the return route sends it back to the app.
    Page,
    /// A popup; the return route records the result for the widget's frame and says "close".
    Popup,
}

impl HandoffMode {
    /// `page` or `popup` (the request's words).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "page" => Some(Self::Page),
            "popup" => Some(Self::Popup),
            _ => None,
        }
    }

    fn letter(self) -> &'static str {
        match self {
            Self::Page => "p",
            Self::Popup => "w",
        }
    }
}

/// Why a state (or a nonce) was refused; each has a stable code for the screen and the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateError {
    /// No state came back.
    Missing,
    /// Not a state we signed (tampered, truncated, or another deployment's).
    Invalid,
    /// Older than the hand-off's lifetime.
    Expired,
    /// Already used once (a reload or a replayed URL).
    Replayed,
    /// Signed for another user than the session's.
    OtherUser,
}

impl StateError {
    /// The code in the screen, and in `/?handoff_error=<code>` for the app.
    pub fn code(self) -> &'static str {
        match self {
            Self::Missing => "state-missing",
            Self::Invalid => "state-invalid",
            Self::Expired => "state-expired",
            Self::Replayed => "state-replayed",
            Self::OtherUser => "state-other-user",
        }
    }
}

/// What a verified state says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoffState {
    /// Single-use id of this hand-off (also the relay key).
    pub nonce: String,
    /// The Basiq user it was started for.
    pub user: String,
    /// When it was started.
    pub issued: u64,
    /// Page or popup.
    pub mode: HandoffMode,
}

/// What came back from the Consent UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoffResult {
    /// `jobId` (Basiq's latest job), when one came.
    pub job_id: Option<String>,
    /// Every job of the visit (`jobIds`, with `jobId` added when missing).
    pub job_ids: Vec<String>,
    /// When the person came back.
    pub returned: u64,
}

/// State signing keys and the nonces in flight (in the store, so the return may reach any
/// replica and survives a restart).
pub struct Handoffs {
    keys: Vec<Vec<u8>>,
    store: Store,
}

impl Handoffs {
    /// Keys derived from `secrets` (first signs, all verify; none → a random key), nonces in
    /// `store`.
    pub fn new(secrets: &[SecretString], store: Store) -> Self {
        let derive = |secret: &[u8]| {
            let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("any key length");
            mac.update(b"bank-connect consent state v1");
            mac.finalize().into_bytes().to_vec()
        };
        let mut keys: Vec<Vec<u8>> = secrets
            .iter()
            .map(|s| derive(s.expose_secret().as_bytes()))
            .collect();
        if keys.is_empty() {
            keys.push(derive(random_id(32).as_bytes()));
        }
        Self { keys, store }
    }

    fn tag(key: &[u8], payload: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
        mac.update(payload.as_bytes());
        mac
    }

    /// Starts a hand-off for `user`: records a fresh nonce and returns the signed state.
    /// `Ok(None)` when the user id could not be carried in a state (never for Basiq's ids).
    pub async fn start(
        &self,
        user: &str,
        mode: HandoffMode,
        now: u64,
    ) -> Result<Option<(String, String)>, ServerError> {
        if user.is_empty() || user.contains('.') || user.len() > 128 {
            return Ok(None);
        }
        let nonce = random_id(18);
        let payload = format!("h1.{nonce}.{user}.{now}.{}", mode.letter());
        let tag =
            URL_SAFE_NO_PAD.encode(Self::tag(&self.keys[0], &payload).finalize().into_bytes());
        let expires = (now + HANDOFF_TTL_SECS) as i64;
        self.store
            .insert_handoff(&nonce, user, mode.letter(), expires)
            .await?;
        Ok(Some((format!("{payload}.{tag}"), nonce)))
    }

    /// Forgets hand-offs (and results) that have expired.
    pub async fn prune(&self, now: u64) -> Result<(), ServerError> {
        self.store.prune_handoffs(now as i64).await
    }

    /// Checks a state's signature, format and age (not whether it was used: see [`Handoffs::complete`]).
    pub fn verify(&self, state: Option<&str>, now: u64) -> Result<HandoffState, StateError> {
        let state = state.map(str::trim).filter(|s| !s.is_empty());
        let state = state.ok_or(StateError::Missing)?;
        let (payload, tag) = state.rsplit_once('.').ok_or(StateError::Invalid)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| StateError::Invalid)?;
        if !self
            .keys
            .iter()
            .any(|k| Self::tag(k, payload).verify_slice(&tag).is_ok())
        {
            return Err(StateError::Invalid);
        }
        let parts: Vec<&str> = payload.split('.').collect();
        let ["h1", nonce, user, issued, mode] = parts.as_slice() else {
            return Err(StateError::Invalid);
        };
        let issued: u64 = issued.parse().map_err(|_| StateError::Invalid)?;
        let mode = match *mode {
            "p" => HandoffMode::Page,
            "w" => HandoffMode::Popup,
            _ => return Err(StateError::Invalid),
        };
        if issued > now + 60 || now.saturating_sub(issued) >= HANDOFF_TTL_SECS {
            return Err(StateError::Expired);
        }
        Ok(HandoffState {
            nonce: (*nonce).to_owned(),
            user: (*user).to_owned(),
            issued,
            mode,
        })
    }

    /// `Ok(Ok)` while `state`'s nonce is recorded for its user and not used yet (a check
    /// before the slow job look-ups; [`Handoffs::complete`] decides atomically).
    pub async fn check_unused(
        &self,
        state: &HandoffState,
        now: u64,
    ) -> Result<Result<(), StateError>, ServerError> {
        Ok(match self.store.handoff(&state.nonce).await? {
            Some(p) if p.user != state.user || p.mode != state.mode.letter() => {
                Err(StateError::Invalid)
            }
            Some(p) if p.returned_at_secs.is_some() => Err(StateError::Replayed),
            Some(p) if p.expires_at_secs <= now as i64 => Err(StateError::Expired),
            Some(_) => Ok(()),
            // Never recorded, or pruned after use/expiry: either way it cannot be used now.
            None => Err(StateError::Replayed),
        })
    }

    /// Uses the nonce of a verified state once, recording what came back.
    pub async fn complete(
        &self,
        state: &HandoffState,
        job_id: Option<String>,
        job_ids: Vec<String>,
        now: u64,
    ) -> Result<Result<(), StateError>, ServerError> {
        if let Err(e) = self.check_unused(state, now).await? {
            return Ok(Err(e));
        }
        let done = self
            .store
            .complete_handoff(
                &state.nonce,
                &state.user,
                state.mode.letter(),
                job_id.as_deref(),
                &job_ids.join(","),
                now as i64,
                (now + RESULT_TTL_SECS) as i64,
            )
            .await?;
        Ok(if done {
            Ok(())
        } else {
            Err(StateError::Replayed)
        })
    }

    /// The result of `nonce` for `user`: `Ok(None)` while the person has not come back,
    /// `Err(())` when there is no such hand-off of this user (unknown, expired or another's).
    pub async fn result(
        &self,
        nonce: &str,
        user: &str,
        now: u64,
    ) -> Result<Result<Option<HandoffResult>, ()>, ServerError> {
        Ok(match self.store.handoff(nonce).await? {
            Some(p) if p.user == user && p.expires_at_secs > now as i64 => {
                Ok(p.returned_at_secs.map(|returned| HandoffResult {
                    job_id: p.job_id,
                    job_ids: p
                        .job_ids
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect(),
                    returned: returned as u64,
                }))
            }
            Some(p) if p.expires_at_secs <= now as i64 => {
                self.store.delete_handoff(nonce).await?;
                Err(())
            }
            _ => Err(()),
        })
    }
}

/// Basiq's hosted Consent UI, when this server runs in 3.0 mode.
pub struct ConsentUi {
    /// `BASIQ_VERSION` is 3.x: connections are made in the Consent UI.
    pub enabled: bool,
    /// Where the Consent UI's `home` lives (`https://consent.basiq.io`, or the simulator's
    /// `/consent` in sandbox), without a trailing slash.
    pub base: String,
    /// Its origin (the only one the app may navigate or open a popup to for it).
    pub origin: String,
    /// States and results of hand-offs.
    pub handoffs: Handoffs,
}

/// True when `links.source` of a Basiq job names a connection of `user`.
pub fn job_is_users(job: &serde_json::Value, user: &str) -> bool {
    job["links"]["source"]
        .as_str()
        .is_some_and(|s| s.contains(&format!("/users/{user}/connections/")))
}

/// `jobId` and `jobIds` (comma list) as Basiq sends them: trimmed, empty entries dropped,
/// `jobId` included, duplicates removed, order kept; `None` when an id is malformed or there
/// are too many.
pub fn parse_job_ids(
    job_id: Option<&str>,
    job_ids: Option<&str>,
) -> Option<(Option<String>, Vec<String>)> {
    let job_id = job_id.map(str::trim).filter(|s| !s.is_empty());
    let mut ids: Vec<String> = Vec::new();
    for id in job_ids
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .chain(job_id)
    {
        crate::extract::valid_id(id).ok()?;
        if !ids.iter().any(|i| i == id) {
            ids.push(id.to_owned());
        }
    }
    (ids.len() <= MAX_JOB_IDS).then(|| (job_id.map(str::to_owned), ids))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn handoffs(secret: &str) -> Handoffs {
        let store = Store::open(&crate::store::Location::Memory).await.unwrap();
        Handoffs::new(&[SecretString::from(secret.to_owned())], store)
    }

    #[tokio::test]
    async fn a_state_verifies_once_for_its_user() {
        let h = handoffs("a-secret-of-at-least-32-characters!!").await;
        let (state, nonce) = h
            .start("user-1", HandoffMode::Popup, 1_000)
            .await
            .unwrap()
            .unwrap();
        let s = h.verify(Some(&state), 1_010).unwrap();
        assert_eq!(
            (s.nonce.as_str(), s.user.as_str(), s.issued, s.mode),
            (nonce.as_str(), "user-1", 1_000, HandoffMode::Popup)
        );
        assert_eq!(
            h.result(&nonce, "user-1", 1_010).await.unwrap(),
            Ok(None),
            "not back yet"
        );
        h.complete(&s, Some("j2".into()), vec!["j1".into(), "j2".into()], 1_020)
            .await
            .unwrap()
            .unwrap();
        let r = h
            .result(&nonce, "user-1", 1_030)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(r.job_ids, ["j1", "j2"]);
        assert_eq!(
            h.complete(&s, None, vec![], 1_040).await.unwrap(),
            Err(StateError::Replayed),
            "single use"
        );
        assert_eq!(
            h.check_unused(&s, 1_040).await.unwrap(),
            Err(StateError::Replayed)
        );
        assert_eq!(
            h.result(&nonce, "user-2", 1_030).await.unwrap(),
            Err(()),
            "another user's"
        );
        h.prune(1_020 + RESULT_TTL_SECS - 1).await.unwrap();
        assert!(
            h.result(&nonce, "user-1", 1_030).await.unwrap().is_ok(),
            "kept while readable"
        );
        h.prune(1_000 + HANDOFF_TTL_SECS + RESULT_TTL_SECS)
            .await
            .unwrap();
        assert_eq!(
            h.result(&nonce, "user-1", 1_030).await.unwrap(),
            Err(()),
            "pruned"
        );
    }

    #[tokio::test]
    async fn tampered_missing_expired_and_foreign_states_are_refused() {
        let h = handoffs("a-secret-of-at-least-32-characters!!").await;
        let (state, _) = h
            .start("user-1", HandoffMode::Page, 1_000)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(h.verify(None, 1_000), Err(StateError::Missing));
        assert_eq!(h.verify(Some("  "), 1_000), Err(StateError::Missing));
        for bad in [
            state.replace("user-1", "user-2"),
            state.replace(".p.", ".w."),
            format!("{state}x"),
            state[..state.len() - 3].to_owned(),
            "h1.a.b.1000.p".to_owned(),
            "garbage".to_owned(),
        ] {
            assert_eq!(
                h.verify(Some(&bad), 1_000),
                Err(StateError::Invalid),
                "{bad}"
            );
        }
        assert_eq!(
            handoffs("another-secret-of-32-characters-or-more")
                .await
                .verify(Some(&state), 1_000),
            Err(StateError::Invalid),
            "another deployment's key"
        );
        assert_eq!(
            h.verify(Some(&state), 1_000 + HANDOFF_TTL_SECS),
            Err(StateError::Expired)
        );
        assert!(h.verify(Some(&state), 1_000 + HANDOFF_TTL_SECS - 1).is_ok());
        // Signed, but never started here (a restart, or another replica): cannot be used.
        let other = handoffs("a-secret-of-at-least-32-characters!!").await;
        let s = other.verify(Some(&state), 1_001).unwrap();
        assert_eq!(
            other.complete(&s, None, vec![], 1_001).await.unwrap(),
            Err(StateError::Replayed)
        );
    }

    #[tokio::test]
    async fn every_listed_secret_verifies() {
        let old = handoffs("the-old-secret-of-32-characters-or-more").await;
        let (state, _) = old.start("u", HandoffMode::Page, 5).await.unwrap().unwrap();
        let rotated = Handoffs::new(
            &[
                SecretString::from("the-new-secret-of-32-characters-or-more".to_owned()),
                SecretString::from("the-old-secret-of-32-characters-or-more".to_owned()),
            ],
            Store::open(&crate::store::Location::Memory).await.unwrap(),
        );
        assert!(rotated.verify(Some(&state), 6).is_ok());
        assert!(
            old.start("a.b", HandoffMode::Page, 5)
                .await
                .unwrap()
                .is_none(),
            "a dot cannot be carried"
        );
    }

    #[test]
    fn job_ids_are_parsed_like_basiq_sends_them() {
        assert_eq!(
            parse_job_ids(Some("j2"), Some("j1, j2,,")),
            Some((Some("j2".into()), vec!["j1".into(), "j2".into()]))
        );
        assert_eq!(parse_job_ids(None, None), Some((None, vec![])));
        assert_eq!(parse_job_ids(Some("../x"), None), None);
        let many = (0..21)
            .map(|i| format!("j{i}"))
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(parse_job_ids(None, Some(&many)), None);
    }
}
