//! The institution directory: fetched with the SERVER token, filtered, projected to the compact
//! form, cached for the configured TTL, served with a strong ETag.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use bank_connect_core::InstitutionDirectory;
use bank_connect_core::basiq::Institution;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::sync::Mutex as SyncMutex;

use tokio::sync::Mutex;

use crate::basiq::BasiqClient;

use crate::error::ServerError;
use crate::status::{Authorization, InstitutionType, Stage};
use crate::sync::lock;

/// Which institutions the picker offers.
#[derive(Debug, Clone, Default)]
pub struct DirectoryFilter {
    /// Allowed service types (empty = all).
    pub service_types: Vec<String>,
    /// Allowed countries (empty = all).
    pub countries: Vec<String>,
    /// Drop Basiq's test banks.
    pub hide_test_banks: bool,
    /// 3.0: banks are connected in Basiq's Consent UI, so any authorization kind is offered.
    pub consent_ui: bool,
}

impl DirectoryFilter {
    /// True when the institution should be offered. Always drops what a web-credential widget
    /// cannot connect: `alpha` stage and authorization kinds other than user / user-mfa*.
    pub fn keeps(&self, i: &Institution) -> bool {
        (self.consent_ui || Authorization::from(i.authorization.as_str()).is_web_credentials())
            && Stage::from(i.stage.as_str()) != Stage::Alpha
            && (self.service_types.is_empty()
                || self.service_types.iter().any(|s| s == &i.service_type))
            && (self.countries.is_empty() || self.countries.iter().any(|c| c == &i.country))
            && !(self.hide_test_banks
                && InstitutionType::from(i.institution_type.as_str()) == InstitutionType::TestBank)
    }
}

/// A serialised directory, its ETag, and the JSON compressed once (brotli and gzip) for every
/// client that accepts either.
#[derive(Clone)]
pub struct DirectoryBody {
    /// The JSON body.
    pub json: Arc<str>,
    /// Strong ETag: quoted base64url SHA-256 of the JSON (the same for each coding of it).
    pub etag: Arc<str>,
    /// The JSON compressed at the highest levels, once it is ready (it is made in the
    /// background; until then responses are compressed on the way out, at a faster level).
    pub compressed: Arc<OnceLock<Compressed>>,
}

/// One directory's JSON, brotli -q 11 and gzip -9.
pub struct Compressed {
    /// Brotli.
    pub brotli: Arc<[u8]>,
    /// gzip.
    pub gzip: Arc<[u8]>,
}

/// Institution id → its connection methods (`web`, `open-banking`), from `/connectors` (3.0).
pub type Methods = std::collections::BTreeMap<String, Vec<String>>;

/// The directory's JSON with each institution's `methods` added (3.0; the app's 2.1 reader
/// ignores the field).
fn with_methods(dir: &InstitutionDirectory, methods: &Methods) -> String {
    let mut value = serde_json::to_value(dir).expect("directory serialises");
    if let Some(list) = value["institutions"].as_array_mut() {
        for entry in list {
            let id = entry["id"].as_str().unwrap_or_default().to_owned();
            if let Some(m) = methods.get(&id) {
                entry["methods"] = serde_json::json!(m);
            }
        }
    }
    value.to_string()
}

/// Institution id → (name, logo URL), over every institution Basiq lists.
pub type Names = Arc<HashMap<String, (String, Option<String>)>>;

struct Cached {
    body: DirectoryBody,
    names: Names,
    fetched: Instant,
}

#[derive(Default)]
struct Slot {
    cached: Option<Cached>,
    failed_at: Option<Instant>,
    refreshing: bool,
}

/// After a failed fetch, Basiq is not asked again for this long.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(10);

/// Cache of the compact directory: stale-while-revalidate, so a slow or failing Basiq never
/// holds a request up while a copy is in hand; no lock is held across I/O.
pub struct DirectoryCache {
    ttl: Duration,
    filter: DirectoryFilter,
    slot: SyncMutex<Slot>,
    first_fetch: Mutex<()>,
}

impl DirectoryCache {
    /// An empty cache.
    pub fn new(ttl: Duration, filter: DirectoryFilter) -> Self {
        Self {
            ttl,
            filter,
            slot: SyncMutex::new(Slot::default()),
            first_fetch: Mutex::new(()),
        }
    }

    /// The directory: the cached copy at once (refetched in the background once older than
    /// the TTL); without a copy, one upstream fetch for concurrent callers.
    pub async fn get(
        self: &Arc<Self>,
        basiq: &Arc<BasiqClient>,
    ) -> Result<DirectoryBody, ServerError> {
        self.load(basiq).await.map(|(body, _)| body)
    }

    /// How old the cached copy is (`None` before the first successful fetch).
    pub fn age(&self) -> Option<Duration> {
        lock(&self.slot)
            .cached
            .as_ref()
            .map(|c| c.fetched.elapsed())
    }

    /// Names and logos of every institution (empty when Basiq cannot be reached).
    pub async fn names(self: &Arc<Self>, basiq: &Arc<BasiqClient>) -> Names {
        self.load(basiq)
            .await
            .map(|(_, names)| names)
            .unwrap_or_default()
    }

    async fn load(
        self: &Arc<Self>,
        basiq: &Arc<BasiqClient>,
    ) -> Result<(DirectoryBody, Names), ServerError> {
        if let Some(hit) = self.cached_or_recent_failure(basiq) {
            return hit;
        }
        let _first = self.first_fetch.lock().await;
        if let Some(c) = lock(&self.slot).cached.as_ref() {
            return Ok((c.body.clone(), c.names.clone()));
        }
        self.fetch(basiq).await
    }

    /// The copy in hand (starting a background refetch when it is stale), or the failure of a
    /// fetch moments ago; `None` when Basiq must be asked now.
    fn cached_or_recent_failure(
        self: &Arc<Self>,
        basiq: &Arc<BasiqClient>,
    ) -> Option<Result<(DirectoryBody, Names), ServerError>> {
        let mut slot = lock(&self.slot);
        let failed_recently = slot.failed_at.filter(|t| t.elapsed() < RETRY_AFTER_FAILURE);
        if let Some(c) = slot.cached.as_ref() {
            let hit = (c.body.clone(), c.names.clone());
            if c.fetched.elapsed() >= self.ttl && !slot.refreshing && failed_recently.is_none() {
                slot.refreshing = true;
                let (cache, basiq) = (self.clone(), basiq.clone());
                tokio::spawn(async move {
                    let _ = cache.fetch(&basiq).await;
                });
            }
            return Some(Ok(hit));
        }
        failed_recently.map(|t| {
            Err(ServerError::Unavailable {
                retry_after: RETRY_AFTER_FAILURE
                    .saturating_sub(t.elapsed())
                    .as_secs()
                    .max(1),
            })
        })
    }

    async fn fetch(&self, basiq: &BasiqClient) -> Result<(DirectoryBody, Names), ServerError> {
        let (fetched, methods) = if self.filter.consent_ui {
            crate::basiq::institutions_v3(basiq).await
        } else {
            (basiq.institutions().await, Default::default())
        };
        // Rendered before the lock is taken; compressed again only when the ETag changed.
        let fetched = match fetched {
            Ok(all) => Ok((self.render(&all, &methods), all)),
            Err(e) => Err(e),
        };
        let mut slot = lock(&self.slot);
        slot.refreshing = false;
        match fetched {
            Ok((body, all)) => {
                let names: Names = Arc::new(
                    all.iter()
                        .map(|i| {
                            let logo = i.logo.as_ref().and_then(|l| l.links.square.clone());
                            (i.id.clone(), (i.name.clone(), logo))
                        })
                        .collect(),
                );
                slot.cached = Some(Cached {
                    body: body.clone(),
                    names: names.clone(),
                    fetched: Instant::now(),
                });
                slot.failed_at = None;
                Ok((body, names))
            }
            Err(e) => {
                slot.failed_at = Some(Instant::now());
                if slot.cached.is_some() {
                    tracing::warn!(error = %e, "institution refetch failed; serving the stale copy");
                }
                Err(e)
            }
        }
    }

    fn render(&self, all: &[Institution], methods: &Methods) -> DirectoryBody {
        let offered: Vec<Institution> = all
            .iter()
            .filter(|i| self.filter.keeps(i))
            .map(safe_links)
            .collect();
        let dir = InstitutionDirectory::from_institutions(offered.iter());
        let json = if methods.is_empty() {
            serde_json::to_string(&dir).expect("directory serialises")
        } else {
            with_methods(&dir, methods)
        };
        let etag: Arc<str> = etag_of(json.as_bytes()).into();
        let previous = lock(&self.slot)
            .cached
            .as_ref()
            .map(|c| c.body.clone())
            .filter(|b| b.etag == etag);
        if let Some(same) = previous {
            return same;
        }
        let body = DirectoryBody {
            etag,
            json: json.into(),
            compressed: Arc::default(),
        };
        // brotli -q 11 of a large directory takes a while: off the async workers, and no
        // request waits for it.
        let (source, slot) = (body.json.clone(), body.compressed.clone());
        tokio::task::spawn_blocking(move || {
            let _ = slot.set(Compressed {
                brotli: crate::encoding::brotli(source.as_bytes()).into(),
                gzip: crate::encoding::gzip(source.as_bytes()).into(),
            });
        });
        body
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
    etag_of_digest(&Sha256::digest(bytes).into())
}

/// The ETag of a body whose SHA-256 is `digest` (18 bytes of it, base64url, quoted).
pub fn etag_of_digest(digest: &[u8; 32]) -> String {
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
