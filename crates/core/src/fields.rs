//! A JSON object's fields, whoever parsed it: the browser's own `JSON.parse` in the app (far
//! less wasm than serde_json's parser and a serde decoder per type), or `serde_json::Value`
//! natively (tests). A decoder written on [`JsonObject`] accepts what the type's serde derive
//! accepts: required fields present with the right type, optional ones absent or null,
//! unknown fields ignored.

/// What an object holds under a key.
#[derive(Debug, Clone, PartialEq)]
pub enum Field<T> {
    /// No such key.
    Absent,
    /// `null`.
    Null,
    /// A value of another type.
    Wrong,
    /// The value.
    Is(T),
}

impl<T> Field<T> {
    /// The value of a required field (`None` unless present with the right type).
    pub fn required(self) -> Option<T> {
        match self {
            Self::Is(v) => Some(v),
            _ => None,
        }
    }

    /// An `Option` field with `#[serde(default)]`: absent or null is `None`; a wrong type fails.
    pub fn optional(self) -> Option<Option<T>> {
        match self {
            Self::Is(v) => Some(Some(v)),
            Self::Absent | Self::Null => Some(None),
            Self::Wrong => None,
        }
    }

    /// A field with `#[serde(default)]`: absent is `default`; null or a wrong type fails.
    pub fn or_default(self, default: T) -> Option<T> {
        match self {
            Self::Is(v) => Some(v),
            Self::Absent => Some(default),
            Self::Null | Self::Wrong => None,
        }
    }
}

/// Reading a JSON object's fields.
pub trait JsonObject {
    /// A string.
    fn string(&self, key: &str) -> Field<String>;
    /// `true` or `false`.
    fn boolean(&self, key: &str) -> Field<bool>;
    /// A whole number from 0 to 2^53 (what a JS number holds exactly).
    fn whole(&self, key: &str) -> Field<u64>;
    /// An array of strings (an element of another type is [`Field::Wrong`]).
    fn strings(&self, key: &str) -> Field<Vec<String>>;
}

/// The largest whole number [`JsonObject::whole`] reads (2^53).
pub const MAX_WHOLE: u64 = 1 << 53;

impl JsonObject for serde_json::Map<String, serde_json::Value> {
    fn string(&self, key: &str) -> Field<String> {
        read(self.get(key), |v| v.as_str().map(str::to_owned))
    }

    fn boolean(&self, key: &str) -> Field<bool> {
        read(self.get(key), serde_json::Value::as_bool)
    }

    fn whole(&self, key: &str) -> Field<u64> {
        read(self.get(key), |v| v.as_u64().filter(|n| *n <= MAX_WHOLE))
    }

    fn strings(&self, key: &str) -> Field<Vec<String>> {
        read(self.get(key), |v| {
            v.as_array()?
                .iter()
                .map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
    }
}

fn read<T>(
    value: Option<&serde_json::Value>,
    get: impl FnOnce(&serde_json::Value) -> Option<T>,
) -> Field<T> {
    match value {
        None => Field::Absent,
        Some(serde_json::Value::Null) => Field::Null,
        Some(v) => get(v).map_or(Field::Wrong, Field::Is),
    }
}
