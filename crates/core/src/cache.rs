//! The localStorage codec for the institution directory: a versioned key and a stored value
//! `{schema, fetched_at_ms, etag, directory}`.
//!
//! [`decode`] never panics and never trusts what it reads: absent, corrupt, old-schema,
//! incomplete or future-dated values are a [`CacheRead::Miss`]; the app then works from the
//! network (and memory) as if nothing had been cached.

use serde::{Deserialize, Serialize};

use crate::directory::{DIRECTORY_SCHEMA_VERSION, InstitutionDirectory, InstitutionSummary};
use crate::fields::{Field, JsonObject, ObjectText};

/// The localStorage key; its suffix changes with [`CACHE_SCHEMA`].
pub const CACHE_KEY: &str = "bank-connect.institutions.v1";

/// Version of the stored value's layout.
pub const CACHE_SCHEMA: u32 = 1;

/// A cached directory with when it was fetched and its ETag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheEntry {
    /// When the directory was fetched (or last revalidated), in Unix milliseconds.
    pub fetched_at_ms: u64,
    /// The server's ETag, for `If-None-Match`.
    pub etag: Option<String>,
    /// The directory.
    pub directory: InstitutionDirectory,
}

impl CacheEntry {
    /// The same entry after a `304 Not Modified`: fresh again from `now_ms`.
    pub fn revalidated(self, now_ms: u64) -> Self {
        Self {
            fetched_at_ms: now_ms,
            ..self
        }
    }

    /// Age in milliseconds at `now_ms` (0 if the clock went backwards).
    pub fn age_ms(&self, now_ms: u64) -> u64 {
        now_ms.saturating_sub(self.fetched_at_ms)
    }
}

/// Why nothing usable was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MissReason {
    /// Nothing stored under the key (or storage unavailable).
    Absent,
    /// Not JSON, or fields missing or of the wrong type.
    Corrupt,
    /// Written by another layout version (of the stored value or of the directory).
    WrongSchema {
        /// The version found, when it was a number.
        found: Option<u64>,
    },
    /// Fetched "in the future": the clock or the value cannot be trusted.
    FromTheFuture,
}

/// The result of reading the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheRead {
    /// Nothing usable.
    Miss(MissReason),
    /// Younger than the TTL: show it and revalidate in the background.
    Fresh(CacheEntry),
    /// Older than the TTL: show it if offline, but refetch before relying on it.
    Stale(CacheEntry),
}

impl CacheRead {
    /// The entry, fresh or stale.
    pub fn entry(&self) -> Option<&CacheEntry> {
        match self {
            Self::Fresh(e) | Self::Stale(e) => Some(e),
            Self::Miss(_) => None,
        }
    }

    /// Takes the entry, fresh or stale.
    pub fn into_entry(self) -> Option<CacheEntry> {
        match self {
            Self::Fresh(e) | Self::Stale(e) => Some(e),
            Self::Miss(_) => None,
        }
    }

    /// The ETag to send as `If-None-Match`, if any.
    pub fn etag(&self) -> Option<&str> {
        self.entry().and_then(|e| e.etag.as_deref())
    }
}

/// The stored layout (written from a borrowed directory, read into an owned one).
#[derive(Serialize, Deserialize)]
struct Stored<D> {
    schema: u32,
    fetched_at_ms: u64,
    etag: Option<String>,
    directory: D,
}

/// Just the stored value's layout version (any number; the other fields are skimmed).
#[derive(Deserialize)]
struct SchemaProbe {
    schema: serde_json::Number,
}

/// Serialises an entry for localStorage.
pub fn encode(entry: &CacheEntry) -> String {
    encode_shared(
        entry.fetched_at_ms,
        entry.etag.as_deref(),
        entry.directory.version,
        &entry.directory.institutions,
    )
}

/// [`encode`] of an entry whose list is shared with the page (no copy of it is made); the
/// stored layout as serde writes it, written without serde.
pub fn encode_shared(
    fetched_at_ms: u64,
    etag: Option<&str>,
    version: u32,
    institutions: &[InstitutionSummary],
) -> String {
    // One buffer, about the size of the text (a directory's entry is ~350 bytes of JSON): the
    // page's wasm memory never shrinks, so a copy of the list's text per level, each grown by
    // doubling, would stay as a peak (5,000 banks: ~2 MB of text).
    let mut o = ObjectText::with_capacity(256 + institutions.len() * 400);
    o.whole("schema", u64::from(CACHE_SCHEMA))
        .whole("fetched_at_ms", fetched_at_ms)
        .string_or_null("etag", etag)
        .raw_with("directory", |out| {
            InstitutionDirectory::push_list_json(out, version, institutions)
        });
    o.finish()
}

/// Reads what localStorage held under [`CACHE_KEY`] (`None` when absent or storage is
/// unavailable); fresh when younger than or as old as `ttl_ms` at `now_ms`.
pub fn decode(raw: Option<&str>, now_ms: u64, ttl_ms: u64) -> CacheRead {
    let Some(raw) = raw else {
        return CacheRead::Miss(MissReason::Absent);
    };
    // The layout version first (skimming the rest): another version is not "corrupt".
    let Ok(probe) = serde_json::from_str::<SchemaProbe>(raw) else {
        return CacheRead::Miss(MissReason::Corrupt);
    };
    if probe.schema.as_u64() != Some(u64::from(CACHE_SCHEMA)) {
        return CacheRead::Miss(MissReason::WrongSchema {
            found: probe.schema.as_u64(),
        });
    }
    let Ok(stored) = serde_json::from_str::<Stored<InstitutionDirectory>>(raw) else {
        return CacheRead::Miss(MissReason::Corrupt);
    };
    checked(
        stored.fetched_at_ms,
        stored.etag,
        stored.directory,
        now_ms,
        ttl_ms,
    )
}

/// [`decode`] with the stored value parsed by `parse` (in the app, the browser's `JSON.parse`,
/// `None` when it is not a JSON object) and read field by field: the same answers for every
/// value, except past 2^53 (what a JS number holds exactly): such a `fetched_at_ms` is corrupt,
/// such a `schema` is of an unknown version.
pub fn decode_with<R, O: JsonObject>(
    raw: Option<R>,
    parse: impl FnOnce(R) -> Option<O>,
    now_ms: u64,
    ttl_ms: u64,
) -> CacheRead {
    let Some(raw) = raw else {
        return CacheRead::Miss(MissReason::Absent);
    };
    let Some(stored) = parse(raw) else {
        return CacheRead::Miss(MissReason::Corrupt);
    };
    // Any number is a layout version (a whole one up to 2^53 is told apart).
    let found = match (stored.whole("schema"), stored.number("schema")) {
        (Field::Is(n), _) => Some(n),
        (_, Field::Is(_)) => None,
        _ => return CacheRead::Miss(MissReason::Corrupt),
    };
    if found != Some(u64::from(CACHE_SCHEMA)) {
        return CacheRead::Miss(MissReason::WrongSchema { found });
    }
    let read = || {
        Some((
            stored.whole("fetched_at_ms").required()?,
            stored.string("etag").optional()?,
            InstitutionDirectory::from_object(&stored.object("directory").required()?)?,
        ))
    };
    match read() {
        Some((fetched_at_ms, etag, directory)) => {
            checked(fetched_at_ms, etag, directory, now_ms, ttl_ms)
        }
        None => CacheRead::Miss(MissReason::Corrupt),
    }
}

/// A decoded entry, unless its directory is of another version or it is from the future.
fn checked(
    fetched_at_ms: u64,
    etag: Option<String>,
    directory: InstitutionDirectory,
    now_ms: u64,
    ttl_ms: u64,
) -> CacheRead {
    if directory.version != DIRECTORY_SCHEMA_VERSION {
        return CacheRead::Miss(MissReason::WrongSchema {
            found: Some(u64::from(directory.version)),
        });
    }
    if fetched_at_ms > now_ms {
        return CacheRead::Miss(MissReason::FromTheFuture);
    }
    let entry = CacheEntry {
        fetched_at_ms,
        etag,
        directory,
    };
    if entry.age_ms(now_ms) > ttl_ms {
        CacheRead::Stale(entry)
    } else {
        CacheRead::Fresh(entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::InstitutionSummary;
    use crate::fields::MAX_WHOLE;
    use proptest::prelude::*;
    use serde_json::Value;

    const HOUR: u64 = 3_600_000;

    fn summary(id: &str, name: &str) -> InstitutionSummary {
        InstitutionSummary {
            secondary_login_id_caption: Some("Member number".into()),
            logo: Some("/logos/AU00000.svg".into()),
            average_duration_ms: Some(1234),
            ..InstitutionSummary::basic(id, name, name)
        }
    }

    fn entry(at: u64) -> CacheEntry {
        CacheEntry {
            fetched_at_ms: at,
            etag: Some("\"abc\"".into()),
            directory: InstitutionDirectory {
                version: DIRECTORY_SCHEMA_VERSION,
                institutions: vec![
                    summary("AU00000", "Hooli Bank"),
                    summary("AU00002", "Pied Piper"),
                ],
            },
        }
    }

    #[test]
    fn round_trip_fresh_then_stale() {
        let e = entry(10 * HOUR);
        let raw = encode(&e);
        assert_eq!(
            decode(Some(&raw), 10 * HOUR, HOUR),
            CacheRead::Fresh(e.clone())
        );
        assert_eq!(
            decode(Some(&raw), 11 * HOUR, HOUR),
            CacheRead::Fresh(e.clone())
        );
        let stale = decode(Some(&raw), 11 * HOUR + 1, HOUR);
        assert_eq!(stale, CacheRead::Stale(e.clone()));
        assert_eq!(stale.etag(), Some("\"abc\""));
        let again = e.revalidated(12 * HOUR);
        assert!(matches!(
            decode(Some(&encode(&again)), 12 * HOUR, HOUR),
            CacheRead::Fresh(_)
        ));
    }

    #[test]
    fn a_shared_list_is_stored_as_the_owned_directory_is() {
        let e = entry(7);
        let owned = serde_json::to_value(Stored {
            schema: CACHE_SCHEMA,
            fetched_at_ms: e.fetched_at_ms,
            etag: e.etag.clone(),
            directory: &e.directory,
        })
        .unwrap();
        let shared: Value = serde_json::from_str(&encode(&e)).unwrap();
        assert_eq!(shared, owned);
        assert_eq!(
            decode(
                Some(&encode_shared(
                    7,
                    None,
                    DIRECTORY_SCHEMA_VERSION,
                    &e.directory.institutions
                )),
                7,
                HOUR
            ),
            CacheRead::Fresh(CacheEntry { etag: None, ..e })
        );
    }

    #[test]
    fn the_stored_layout_is_the_documented_one() {
        let v: Value = serde_json::from_str(&encode(&entry(5))).unwrap();
        let mut keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, ["directory", "etag", "fetched_at_ms", "schema"]);
        assert_eq!(v["schema"], CACHE_SCHEMA);
        assert!(CACHE_KEY.ends_with(&format!(".v{CACHE_SCHEMA}")));
    }

    #[test]
    fn unusable_values_are_misses() {
        let now = 10 * HOUR;
        let miss = |raw: &str| match decode(Some(raw), now, HOUR) {
            CacheRead::Miss(r) => r,
            other => panic!("{raw:?} gave {other:?}"),
        };
        assert_eq!(decode(None, now, HOUR), CacheRead::Miss(MissReason::Absent));
        assert_eq!(miss(""), MissReason::Corrupt);
        assert_eq!(miss("{not json"), MissReason::Corrupt);
        assert_eq!(miss("null"), MissReason::Corrupt);
        assert_eq!(miss("[]"), MissReason::Corrupt);
        assert_eq!(miss(r#"{"schema":"1"}"#), MissReason::Corrupt);
        assert_eq!(miss(r#"{"schema":1}"#), MissReason::Corrupt);
        assert_eq!(
            miss(r#"{"schema":0,"anything":true}"#),
            MissReason::WrongSchema { found: Some(0) }
        );
        assert_eq!(
            miss(r#"{"schema":-1}"#),
            MissReason::WrongSchema { found: None }
        );

        let mut v: Value = serde_json::from_str(&encode(&entry(now))).unwrap();
        v["directory"]["version"] = 99.into();
        assert_eq!(
            miss(&v.to_string()),
            MissReason::WrongSchema { found: Some(99) }
        );

        let mut v: Value = serde_json::from_str(&encode(&entry(now))).unwrap();
        v["directory"]["institutions"][0]
            .as_object_mut()
            .unwrap()
            .remove("name");
        assert_eq!(miss(&v.to_string()), MissReason::Corrupt);

        let mut v: Value = serde_json::from_str(&encode(&entry(now))).unwrap();
        v.as_object_mut().unwrap().remove("fetched_at_ms");
        assert_eq!(miss(&v.to_string()), MissReason::Corrupt);

        let mut v: Value = serde_json::from_str(&encode(&entry(now))).unwrap();
        v["fetched_at_ms"] = (-5).into();
        assert_eq!(miss(&v.to_string()), MissReason::Corrupt);

        assert_eq!(miss(&encode(&entry(now + 1))), MissReason::FromTheFuture);
        assert_eq!(miss(&"[".repeat(100_000)), MissReason::Corrupt);
    }

    fn arb_summary() -> impl Strategy<Value = InstitutionSummary> {
        (
            "[A-Z]{2}[0-9]{5}",
            "\\PC{0,30}",
            proptest::option::of("\\PC{0,20}"),
            proptest::option::of(0u64..1_000_000),
        )
            .prop_map(|(id, name, code, avg)| {
                let mut s = summary(&id, &name);
                s.security_code_caption = code;
                s.average_duration_ms = avg;
                s
            })
    }

    /// The keys of `raw`'s top-level object in order, repeats included (`None`: not an object).
    fn top_level_keys(raw: &str) -> Option<Vec<String>> {
        struct Keys;
        impl<'de> serde::de::Visitor<'de> for Keys {
            type Value = Vec<String>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Self::Value, A::Error> {
                let mut keys = Vec::new();
                while let Some((k, _)) = m.next_entry::<String, serde::de::IgnoredAny>()? {
                    keys.push(k);
                }
                Ok(keys)
            }
        }
        let mut de = serde_json::Deserializer::from_str(raw);
        serde::Deserializer::deserialize_map(&mut de, Keys).ok()
    }

    /// [`decode_with`] over serde_json's objects, checked against [`decode`] (which it matches
    /// up to 2^53).
    fn both(raw: Option<&str>, now: u64, ttl: u64) -> CacheRead {
        let fields = decode_with(
            raw,
            |t| serde_json::from_str::<serde_json::Map<String, Value>>(t).ok(),
            now,
            ttl,
        );
        // A key given twice: the field reader keeps the last (as JSON.parse does) where serde's
        // derive refuses the object, so the reference is serde's read of the object with the
        // last of each key (its `Value` keeps the last).
        let deduped = raw.and_then(|r| {
            let keys = top_level_keys(r)?;
            let unique: std::collections::HashSet<&String> = keys.iter().collect();
            (unique.len() < keys.len())
                .then(|| serde_json::from_str::<Value>(r).ok().map(|v| v.to_string()))
                .flatten()
        });
        let raw = deduped.as_deref().or(raw);
        let field = |k: &str| {
            raw.and_then(|r| serde_json::from_str::<Value>(r).ok())
                .and_then(|v| v.get(k)?.as_u64())
        };
        let expected = match decode(raw, now, ttl) {
            CacheRead::Miss(MissReason::WrongSchema { found: Some(n) }) if n > MAX_WHOLE => {
                CacheRead::Miss(MissReason::WrongSchema { found: None })
            }
            _ if field("schema") == Some(1)
                && field("fetched_at_ms").is_some_and(|n| n > MAX_WHOLE) =>
            {
                CacheRead::Miss(MissReason::Corrupt)
            }
            read => read,
        };
        assert_eq!(fields, expected, "{raw:?}");
        fields
    }

    #[test]
    fn the_field_reader_reads_as_serde_reads() {
        let now = 10 * HOUR;
        let e = entry(now);
        assert_eq!(
            both(Some(&encode(&e)), now, HOUR),
            CacheRead::Fresh(e.clone())
        );
        assert_eq!(
            both(Some(&encode(&e)), now + HOUR + 1, HOUR),
            CacheRead::Stale(e.clone())
        );
        assert_eq!(both(None, now, HOUR), CacheRead::Miss(MissReason::Absent));
        for raw in [
            "",
            "{not json",
            "null",
            "[]",
            "7",
            r#"{"schema":"1"}"#,
            r#"{"schema":1}"#,
            r#"{"schema":null}"#,
            r#"{"schema":0,"anything":true}"#,
            r#"{"schema":-1}"#,
            r#"{"schema":1.5}"#,
            r#"{"schema":1.0}"#,
            r#"{"schema":18446744073709551615}"#,
            r#"{"schema":1,"fetched_at_ms":5,"etag":null,"directory":[]}"#,
            r#"{"schema":1,"fetched_at_ms":5,"etag":7,"directory":{"version":1,"institutions":[]}}"#,
            r#"{"schema":1,"fetched_at_ms":5,"directory":{"version":1,"institutions":[]}}"#,
            r#"{"schema":1,"fetched_at_ms":5.5,"etag":null,"directory":{"version":1,"institutions":[]}}"#,
            r#"{"schema":1,"fetched_at_ms":9007199254740993,"etag":null,"directory":{"version":1,"institutions":[]}}"#,
            r#"{"schema":1,"fetched_at_ms":5,"etag":null,"directory":{"version":2,"institutions":[]}}"#,
            r#"{"schema":1,"fetched_at_ms":5,"etag":null,"directory":{"version":1,"institutions":[{}]}}"#,
        ] {
            both(Some(raw), now, HOUR);
        }
        let mut v: Value = serde_json::from_str(&encode(&e)).unwrap();
        v["directory"]["institutions"][1]["averageDurationMs"] = (-1).into();
        assert_eq!(
            both(Some(&v.to_string()), now, HOUR),
            CacheRead::Miss(MissReason::Corrupt)
        );
        assert_eq!(
            both(Some(&encode(&entry(now + 1))), now, HOUR),
            CacheRead::Miss(MissReason::FromTheFuture)
        );
        both(Some(&"[".repeat(100_000)), now, HOUR);
    }

    proptest! {
        #[test]
        fn the_field_reader_agrees_on_any_text(raw in "\\PC{0,300}", now in any::<u64>(), ttl in any::<u64>()) {
            both(Some(&raw), now, ttl);
        }

        #[test]
        fn the_field_reader_agrees_on_json_like_text(raw in r#"\{("(schema|fetched_at_ms|etag|directory|version|institutions)":(-?[0-9]{1,20}(\.[0-9])?|null|"x"|\[\]|\{\}|true),?){0,6}\}"#) {
            both(Some(&raw), 1_000, 10);
        }

        #[test]
        fn the_field_reader_reads_what_was_written(
            fetched in 0u64..=MAX_WHOLE,
            age in 0u64..1_000_000,
            etag in proptest::option::of("\\PC{0,20}"),
            institutions in proptest::collection::vec(arb_summary(), 0..5),
        ) {
            let e = CacheEntry { fetched_at_ms: fetched, etag, directory: InstitutionDirectory { version: DIRECTORY_SCHEMA_VERSION, institutions } };
            let read = both(Some(&encode(&e)), fetched + age, 500_000);
            prop_assert_eq!(read.into_entry(), Some(e));
        }

        #[test]
        fn decode_never_panics(raw in "\\PC{0,300}", now in any::<u64>(), ttl in any::<u64>()) {
            let _ = decode(Some(&raw), now, ttl);
        }

        #[test]
        fn decode_never_panics_on_json_like_text(raw in r#"\{("(schema|fetched_at_ms|etag|directory|version|institutions)":(-?[0-9]{1,20}|null|"x"|\[\]|\{\}|true),?){0,6}\}"#) {
            let _ = decode(Some(&raw), 1_000, 10);
        }

        #[test]
        fn encode_decode_round_trips(
            fetched in 0u64..=u64::MAX / 2,
            age in 0u64..1_000_000,
            ttl in 0u64..1_000_000,
            etag in proptest::option::of("\\PC{0,20}"),
            institutions in proptest::collection::vec(arb_summary(), 0..5),
        ) {
            let e = CacheEntry { fetched_at_ms: fetched, etag, directory: InstitutionDirectory { version: DIRECTORY_SCHEMA_VERSION, institutions } };
            let read = decode(Some(&encode(&e)), fetched + age, ttl);
            if age > ttl {
                prop_assert_eq!(read, CacheRead::Stale(e));
            } else {
                prop_assert_eq!(read, CacheRead::Fresh(e));
            }
        }

        #[test]
        fn truncated_values_are_misses(cut in 0usize..400) {
            let raw = encode(&entry(5));
            let cut = cut.min(raw.len() - 1);
            if raw.is_char_boundary(cut) {
                prop_assert!(matches!(decode(Some(&raw[..cut]), 10, 10), CacheRead::Miss(MissReason::Corrupt)));
            }
        }
    }
}
