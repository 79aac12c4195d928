//! Answers read from the browser's own `JSON.parse` (api::JsObject): the settings read there
//! as serde reads them, and anything else (garbled, not an object, a field of another type)
//! is refused, never a panic.
#![cfg(target_arch = "wasm32")]

use bank_connect::api::{JsObject, parse_object};
use bank_connect_core::PublicConfig;
use bank_connect_core::fields::{Field, JsonObject};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const CONFIG: &str = r#"{"basiqUrl":"https://au-api.basiq.io","basiqVersion":"3.0",
"serviceTypes":[],"countries":["Australia"],"allowedParentOrigins":["https://host.example"],
"sandbox":true,"minRefreshIntervalSecs":3600,"connectMode":"consent-ui",
"consentUiOrigin":null,"later":{"x":[1]}}"#;

fn config(text: &str) -> Option<PublicConfig> {
    parse_object(text)
        .as_ref()
        .and_then(PublicConfig::from_object)
}

#[wasm_bindgen_test]
fn the_settings_read_from_json_parse_as_serde_reads_them() {
    let serde: PublicConfig = serde_json::from_str(CONFIG).unwrap();
    assert_eq!(config(CONFIG), Some(serde));
}

#[wasm_bindgen_test]
fn garbled_or_mistyped_settings_are_refused() {
    for text in [
        "",
        "{",
        "<html>502 Bad Gateway</html>",
        "null",
        "[]",
        "\"config\"",
        &CONFIG.replace("\"sandbox\":true", "\"sandbox\":\"yes\""),
        &CONFIG.replace("[\"Australia\"]", "[\"Australia\",1]"),
        &CONFIG.replace("3600", "-1"),
        &CONFIG.replace("3600", "1.5"),
        &CONFIG.replace("\"consent-ui\"", "\"carrier-pigeon\""),
        &CONFIG.replace("\"basiqUrl\":\"https://au-api.basiq.io\",", ""),
    ] {
        assert_eq!(config(text), None, "{text}");
        assert!(
            serde_json::from_str::<PublicConfig>(text).is_err(),
            "{text}"
        );
    }
}

#[wasm_bindgen_test]
fn fields_are_the_objects_own() {
    let o = parse_object(r#"{"a":"x","n":null,"k":7,"l":["p","q"]}"#).unwrap();
    assert_eq!(o.string("a"), Field::Is("x".into()));
    assert_eq!(o.string("n"), Field::Null);
    assert_eq!(o.string("k"), Field::Wrong);
    assert_eq!(o.whole("k"), Field::Is(7));
    assert_eq!(o.strings("l"), Field::Is(vec!["p".into(), "q".into()]));
    // Nothing from the prototype.
    assert_eq!(o.string("toString"), Field::Absent);
    assert_eq!(o.boolean("constructor"), Field::Absent);
    assert!(JsObject::new(js_sys::Array::new().into()).is_none());
}
