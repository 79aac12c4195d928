//! Core's [`JsonObject`] over an object the browser's own `JSON.parse` made: an answer read
//! this way needs neither serde_json's parser nor a serde decoder in the wasm.

use bank_connect_core::fields::{Field, JsonObject, MAX_WHOLE};
use wasm_bindgen::{JsCast, JsValue};

/// A parsed JSON object (an array or a primitive is not one).
pub struct JsObject {
    object: js_sys::Object,
    /// Its prototype is `Object.prototype` (what `JSON.parse` makes): a field whose name
    /// `Object.prototype` lacks is then the object's own wherever it is defined.
    plain: bool,
}

/// The most field names [`with_key`] keeps (the readers' names are a few dozen literals).
const MAX_KEYS: usize = 256;

thread_local! {
    /// `Object.prototype`.
    static OBJECT_PROTOTYPE: JsValue = js_sys::Object::get_prototype_of(&js_sys::Object::new()).into();
    /// Each field name read so far as a JS string, and whether `Object.prototype` has it:
    /// a name crosses into JS once, not once per object.
    static KEYS: std::cell::RefCell<Vec<(String, JsValue, bool)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// `f` of `name` as a JS string and whether `Object.prototype` has a property of that name
/// (lent, not cloned: a clone and its drop would cost two calls into JS).
fn with_key<R>(name: &str, f: impl FnOnce(&JsValue, bool) -> R) -> R {
    KEYS.with_borrow_mut(|keys| {
        if let Some((_, js, inherited)) = keys.iter().find(|(n, _, _)| n == name) {
            return f(js, *inherited);
        }
        let js = JsValue::from_str(name);
        let inherited = OBJECT_PROTOTYPE
            .with(|proto| js_sys::Reflect::has(proto, &js))
            .unwrap_or(true);
        let r = f(&js, inherited);
        if keys.len() < MAX_KEYS {
            keys.push((name.to_owned(), js, inherited));
        }
        r
    })
}

impl JsObject {
    /// `value` when it is a JSON object.
    pub fn new(value: JsValue) -> Option<Self> {
        if value.is_object() && !js_sys::Array::is_array(&value) {
            let object: js_sys::Object = value.dyn_into().ok()?;
            let plain = OBJECT_PROTOTYPE
                .with(|proto| JsValue::from(js_sys::Object::get_prototype_of(&object)) == *proto);
            Some(Self { object, plain })
        } else {
            None
        }
    }

    fn field<T>(&self, name: &str, get: impl FnOnce(JsValue) -> Option<T>) -> Field<T> {
        // Own fields only: nothing from the prototype (`constructor`, `toString`…). One read
        // answers that for a plain object and a name its prototype lacks; else ask.
        let (value, own) = with_key(name, |key, inherited| {
            let value = js_sys::Reflect::get(&self.object, key);
            let surely_own =
                self.plain && !inherited && value.as_ref().is_ok_and(|v| !v.is_undefined());
            let own = surely_own || js_sys::Object::has_own(&self.object, key);
            (value, own)
        });
        if !own {
            return Field::Absent;
        }
        match value {
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
