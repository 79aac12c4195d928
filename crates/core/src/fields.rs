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
pub trait JsonObject: Sized {
    /// A string.
    fn string(&self, key: &str) -> Field<String>;
    /// `true` or `false`.
    fn boolean(&self, key: &str) -> Field<bool>;
    /// A whole number from 0 to 2^53 (what a JS number holds exactly).
    fn whole(&self, key: &str) -> Field<u64>;
    /// An array of strings (an element of another type is [`Field::Wrong`]).
    fn strings(&self, key: &str) -> Field<Vec<String>>;
    /// Any number.
    fn number(&self, key: &str) -> Field<f64>;
    /// An object (an array is [`Field::Wrong`]).
    fn object(&self, key: &str) -> Field<Self>;
    /// An array of objects (an element of another type is [`Field::Wrong`]).
    fn objects(&self, key: &str) -> Field<Vec<Self>>;
}

/// Each of `items` read with `read`; `None` when any of them is refused.
pub fn each<O, T>(items: &[O], read: impl Fn(&O) -> Option<T>) -> Option<Vec<T>> {
    items.iter().map(read).collect()
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

    fn number(&self, key: &str) -> Field<f64> {
        read(self.get(key), serde_json::Value::as_f64)
    }

    fn object(&self, key: &str) -> Field<Self> {
        read(self.get(key), |v| v.as_object().cloned())
    }

    fn objects(&self, key: &str) -> Field<Vec<Self>> {
        read(self.get(key), |v| {
            v.as_array()?
                .iter()
                .map(|o| o.as_object().cloned())
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

/// A JSON object written field by field, as serde_json writes it (same escapes, no spaces),
/// without serde in the wasm.
#[derive(Debug, Clone)]
pub struct ObjectText {
    text: String,
}

impl Default for ObjectText {
    fn default() -> Self {
        Self::new()
    }
}

impl ObjectText {
    /// An empty object.
    pub fn new() -> Self {
        Self {
            text: String::from("{"),
        }
    }

    fn key(&mut self, key: &str) -> &mut String {
        if self.text.len() > 1 {
            self.text.push(',');
        }
        push_string(&mut self.text, key);
        self.text.push(':');
        &mut self.text
    }

    /// A string field.
    pub fn string(&mut self, key: &str, value: &str) -> &mut Self {
        push_string(self.key(key), value);
        self
    }

    /// A string field, left out when `None`.
    pub fn some_string(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        if let Some(v) = value {
            self.string(key, v);
        }
        self
    }

    /// A string field, `null` when `None`.
    pub fn string_or_null(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) => self.string(key, v),
            None => self.raw(key, "null"),
        }
    }

    /// A whole-number field.
    pub fn whole(&mut self, key: &str, value: u64) -> &mut Self {
        push_whole(self.key(key), value);
        self
    }

    /// `true` or `false`.
    pub fn boolean(&mut self, key: &str, value: bool) -> &mut Self {
        self.raw(key, if value { "true" } else { "false" })
    }

    /// A field whose value is JSON text already (an object or an array written before).
    pub fn raw(&mut self, key: &str, json: &str) -> &mut Self {
        self.key(key).push_str(json);
        self
    }

    /// A field whose JSON text `write` appends in place (no copy of a long value's text).
    pub fn raw_with(&mut self, key: &str, write: impl FnOnce(&mut String)) -> &mut Self {
        write(self.key(key));
        self
    }

    /// An empty object with room for `bytes` of text (one buffer for a long object).
    pub fn with_capacity(bytes: usize) -> Self {
        let mut text = String::with_capacity(bytes);
        text.push('{');
        Self { text }
    }

    /// The object's text.
    pub fn finish(mut self) -> String {
        self.text.push('}');
        self.text
    }
}

/// `s` as a JSON string literal appended to `out`, escaped as serde_json escapes it.
pub fn push_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c < ' ' => {
                let b = c as usize;
                out.push_str("\\u00");
                out.push(char::from(HEX[b >> 4]));
                out.push(char::from(HEX[b & 0xf]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `n` in decimal appended to `out` (without the formatting machinery).
pub fn push_whole(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(char::from(d));
    }
}

/// JSON arrays of objects written by `write`, e.g. `[{…},{…}]`.
pub fn array_text<T>(items: &[T], write: impl Fn(&T) -> String) -> String {
    let mut text = String::new();
    push_array(&mut text, items, write);
    text
}

/// [`array_text`] appended to `out`.
pub fn push_array<T>(out: &mut String, items: &[T], write: impl Fn(&T) -> String) {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&write(item));
    }
    out.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    #[test]
    fn written_objects_are_what_serde_writes() {
        let mut o = ObjectText::new();
        o.string("a", "x\"y\\z\n\u{1}\u{1f}é😀")
            .some_string("skipped", None)
            .some_string("b", Some(""))
            .string_or_null("c", None)
            .whole("d", u64::MAX)
            .whole("e", 0)
            .boolean("f", true)
            .boolean("g", false)
            .raw(
                "h",
                &array_text(&[1u64, 22], |n| {
                    let mut i = ObjectText::new();
                    i.whole("n", *n);
                    i.finish()
                }),
            );
        let text = o.finish();
        let expected = json!({
            "a": "x\"y\\z\n\u{1}\u{1f}é😀", "b": "", "c": null, "d": u64::MAX, "e": 0,
            "f": true, "g": false, "h": [{"n": 1}, {"n": 22}],
        });
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), expected);
        assert_eq!(ObjectText::new().finish(), "{}");
        assert_eq!(array_text(&[] as &[u8], |_| String::new()), "[]");
    }

    proptest! {
        #[test]
        fn strings_are_escaped_as_serde_escapes_them(s in any::<String>(), n in any::<u64>()) {
            let mut text = String::new();
            push_string(&mut text, &s);
            prop_assert_eq!(&text, &serde_json::to_string(&s).unwrap());
            let mut digits = String::new();
            push_whole(&mut digits, n);
            prop_assert_eq!(digits, n.to_string());
        }
    }

    #[test]
    fn nested_objects_and_numbers_are_read() {
        let v = json!({"o": {"k": "v"}, "l": [{"k": 1}, {}], "bad": [{}, 2], "n": -1.5, "s": "1"});
        let o = v.as_object().unwrap();
        assert_eq!(
            o.object("o").required().unwrap().string("k"),
            Field::Is("v".into())
        );
        assert_eq!(o.object("l"), Field::Wrong);
        assert_eq!(o.objects("l").required().map(|l| l.len()), Some(2));
        assert_eq!(o.objects("bad"), Field::Wrong);
        assert_eq!(o.objects("o"), Field::Wrong);
        assert_eq!(o.objects("none"), Field::Absent);
        assert_eq!(o.number("n"), Field::Is(-1.5));
        assert_eq!(o.number("s"), Field::Wrong);
        assert_eq!(each(&[1, 2], |n| (*n > 0).then_some(*n)), Some(vec![1, 2]));
        assert_eq!(each(&[1, 0], |n| (*n > 0).then_some(*n)), None);
    }
}
