//! The institution directory: fetched with the SERVER token, filtered, projected to the compact
//! form, cached for the configured TTL, served with a strong ETag.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bank_connect_core::InstitutionDirectory;
use bank_connect_core::basiq::Institution;
use base64::Engine;
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;

use crate::basiq::BasiqClient;
use crate::error::ServerError;
use crate::status::{Authorization, InstitutionType, Stage};

/// Which institutions the picker offers.
#[derive(Debug, Clone, Default)]
pub struct DirectoryFilter {
    /// Allowed service types (empty = all).
    pub service_types: Vec<String>,
    /// Allowed countries (empty = all).
    pub countries: Vec<String>,
    /// Drop Basiq's test banks.
    pub hide_test_banks: bool,
}

impl DirectoryFilter {
    /// True when the institution should be offered. Always drops what a web-credential widget
    /// cannot connect: `alpha` stage and authorization kinds other than user / user-mfa*.
    pub fn keeps(&self, i: &Institution) -> bool {
        Authorization::from(i.authorization.as_str()).is_web_credentials()
            && Stage::from(i.stage.as_str()) != Stage::Alpha
            && (self.service_types.is_empty()
                || self.service_types.iter().any(|s| s == &i.service_type))
            && (self.countries.is_empty() || self.countries.iter().any(|c| c == &i.country))
            && !(self.hide_test_banks
                && InstitutionType::from(i.institution_type.as_str()) == InstitutionType::TestBank)
    }
}

/// A serialised directory and its ETag.
#[derive(Clone)]
pub struct DirectoryBody {
    /// The JSON body.
    pub json: Arc<str>,
    /// Strong ETag: quoted base64url SHA-256 of the body.
    pub etag: Arc<str>,
}

/// Institution id → (name, logo URL), over every institution Basiq lists.
pub type Names = Arc<HashMap<String, (String, Option<String>)>>;

struct Cached {
    body: DirectoryBody,
    names: Names,
    fetched: Instant,
}

/// Cache of the compact directory.
pub struct DirectoryCache {
    ttl: Duration,
    filter: DirectoryFilter,
    slot: Mutex<Option<Cached>>,
}

impl DirectoryCache {
    /// An empty cache.
    pub fn new(ttl: Duration, filter: DirectoryFilter) -> Self {
        Self {
            ttl,
            filter,
            slot: Mutex::new(None),
        }
    }

    /// The directory, from cache while fresh; one upstream fetch for concurrent callers.
    /// When a refetch fails and an older copy exists, the older copy is served.
    pub async fn get(&self, basiq: &BasiqClient) -> Result<DirectoryBody, ServerError> {
        self.load(basiq).await.map(|(body, _)| body)
    }

    /// Names and logos of every institution (empty when Basiq cannot be reached).
    pub async fn names(&self, basiq: &BasiqClient) -> Names {
        self.load(basiq)
            .await
            .map(|(_, names)| names)
            .unwrap_or_default()
    }

    async fn load(&self, basiq: &BasiqClient) -> Result<(DirectoryBody, Names), ServerError> {
        let mut slot = self.slot.lock().await;
        if let Some(c) = slot.as_ref()
            && c.fetched.elapsed() < self.ttl
        {
            return Ok((c.body.clone(), c.names.clone()));
        }
        match basiq.institutions().await {
            Ok(all) => {
                let body = self.render(&all);
                let names: Names = Arc::new(
                    all.iter()
                        .map(|i| {
                            (
                                i.id.clone(),
                                (
                                    i.name.clone(),
                                    i.logo.as_ref().and_then(|l| l.links.square.clone()),
                                ),
                            )
                        })
                        .collect(),
                );
                *slot = Some(Cached {
                    body: body.clone(),
                    names: names.clone(),
                    fetched: Instant::now(),
                });
                Ok((body, names))
            }
            Err(e) => match slot.as_ref() {
                Some(stale) => {
                    tracing::warn!(error = %e, "institution refetch failed; serving the stale copy");
                    Ok((stale.body.clone(), stale.names.clone()))
                }
                None => Err(e),
            },
        }
    }

    fn render(&self, all: &[Institution]) -> DirectoryBody {
        let offered: Vec<Institution> = all
            .iter()
            .filter(|i| self.filter.keeps(i))
            .map(safe_links)
            .collect();
        let dir = InstitutionDirectory::from_institutions(offered.iter());
        let json = serde_json::to_string(&dir).expect("directory serialises");
        DirectoryBody {
            etag: etag_of(json.as_bytes()).into(),
            json: json.into(),
        }
    }
}

/// The institution with links the app turns into `href`s kept only when they are `https:`
/// (no `javascript:`, `data:` or plain-HTTP page from an upstream record).
fn safe_links(i: &Institution) -> Institution {
    let mut i = i.clone();
    i.forgotten_password_url = i.forgotten_password_url.filter(|u| {
        u.get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
    });
    i
}

/// A strong ETag for `bytes`.
pub fn etag_of(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    format!(
        "\"{}\"",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..18])
    )
}

/// True when an `If-None-Match` header value matches `etag` (list or `*`; weak prefix ignored).
pub fn if_none_match_hits(header: &str, etag: &str) -> bool {
    header
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.trim_start_matches("W/") == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_parsing() {
        let e = etag_of(b"abc");
        assert!(if_none_match_hits(&e, &e));
        assert!(if_none_match_hits(&format!("\"x\", {e}"), &e));
        assert!(if_none_match_hits("*", &e));
        assert!(if_none_match_hits(&format!("W/{e}"), &e));
        assert!(!if_none_match_hits("\"other\"", &e));
        assert_ne!(etag_of(b"abc"), etag_of(b"abd"));
    }
}
