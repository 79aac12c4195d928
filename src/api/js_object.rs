//! Core's [`JsonObject`] over an object the browser's own `JSON.parse` made: an answer read
//! this way needs neither serde_json's parser nor a serde decoder in the wasm.

use bank_connect_core::fields::{Field, JsonObject, MAX_WHOLE};
use wasm_bindgen::{JsCast, JsValue};

/// A parsed JSON object (an array or a primitive is not one).
pub struct JsObject(js_sys::Object);

impl JsObject {
    /// `value` when it is a JSON object.
    pub fn new(value: JsValue) -> Option<Self> {
        if value.is_object() && !js_sys::Array::is_array(&value) {
            value.dyn_into().ok().map(Self)
        } else {
            None
        }
    }

    fn field<T>(&self, key: &str, get: impl FnOnce(JsValue) -> Option<T>) -> Field<T> {
        let key = JsValue::from_str(key);
        // Own fields only: nothing from the prototype (`constructor`, `toString`…).
        if !js_sys::Object::has_own(&self.0, &key) {
            return Field::Absent;
        }
        match js_sys::Reflect::get(&self.0, &key) {
            Ok(v) if v.is_null() => Field::Null,
            Ok(v) => get(v).map_or(Field::Wrong, Field::Is),
            Err(_) => Field::Wrong,
        }
    }
}

impl JsonObject for JsObject {
    fn string(&self, key: &str) -> Field<String> {
        self.field(key, |v| v.as_string())
    }

    fn boolean(&self, key: &str) -> Field<bool> {
        self.field(key, |v| v.as_bool())
    }

    fn whole(&self, key: &str) -> Field<u64> {
        self.field(key, |v| {
            v.as_f64()
                .filter(|n| n.fract() == 0.0 && (0.0..=MAX_WHOLE as f64).contains(n))
                .map(|n| n as u64)
        })
    }

    fn strings(&self, key: &str) -> Field<Vec<String>> {
        self.field(key, |v| {
            let array = v.dyn_into::<js_sys::Array>().ok()?;
            array.iter().map(|s| s.as_string()).collect()
        })
    }

    fn number(&self, key: &str) -> Field<f64> {
        self.field(key, |v| v.as_f64())
    }

    fn object(&self, key: &str) -> Field<Self> {
        self.field(key, JsObject::new)
    }

    fn objects(&self, key: &str) -> Field<Vec<Self>> {
        self.field(key, objects)
    }
}

/// The objects of `value` when it is an array of JSON objects (an element of another type
/// refuses it).
pub fn objects(value: JsValue) -> Option<Vec<JsObject>> {
    let array = value.dyn_into::<js_sys::Array>().ok()?;
    array.iter().map(JsObject::new).collect()
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `JSON.parse` of a JS value (js_sys's takes a Rust string, which would be copied out).
    #[wasm_bindgen(catch, js_namespace = JSON, js_name = parse)]
    fn json_parse(text: &JsValue) -> Result<JsValue, JsValue>;
}

/// `text` parsed by the browser (`JSON.parse`), when it is a JSON object: [`parse_js_object`]
/// of it as a JS string.
pub fn parse_object(text: &str) -> Option<JsObject> {
    parse_js_object(&JsValue::from_str(text))
}

/// A JS string parsed by the browser (`JSON.parse`), when it is a JSON object; the text never
/// crosses into wasm memory. Anything but a string is not one.
pub fn parse_js_object(text: &JsValue) -> Option<JsObject> {
    if !text.is_string() {
        return None;
    }
    json_parse(text).ok().and_then(JsObject::new)
}
