//! Answers read from the browser's own `JSON.parse` (api::JsObject): the settings read there
//! as serde reads them, and anything else (garbled, not an object, a field of another type)
//! is refused, never a panic.
#![cfg(target_arch = "wasm32")]

use bank_connect::api::{JsObject, objects, parse_js_object, parse_object};
use bank_connect_core::api_types::{AccountView, ConnectionView};
use bank_connect_core::fields::{Field, JsonObject};
use bank_connect_core::{InstitutionDirectory, PublicConfig, errors};
use wasm_bindgen::JsCast;
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

#[wasm_bindgen_test]
fn an_objects_prototype_never_lends_it_a_field() {
    // Not what JSON.parse makes: the fields of its prototype are not its own.
    let proto: js_sys::Object = js_sys::JSON::parse(r#"{"a":"lent","b":"lent"}"#)
        .unwrap()
        .unchecked_into();
    let object = js_sys::Object::create(&proto);
    js_sys::Reflect::set(&object, &"b".into(), &"own".into()).unwrap();
    let o = JsObject::new(object.into()).unwrap();
    // Twice: the second read comes from the names already seen.
    for _ in 0..2 {
        assert_eq!(o.string("a"), Field::Absent);
        assert_eq!(o.string("b"), Field::Is("own".into()));
        assert_eq!(o.string("toString"), Field::Absent);
    }
}

/// Each of `texts` read through `JSON.parse` with `read` and with serde: the same answer.
fn reads_as_serde<T>(texts: &[String], read: impl Fn(&str) -> Option<T>)
where
    T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    for text in texts {
        assert_eq!(read(text), serde_json::from_str::<T>(text).ok(), "{text}");
    }
}

fn list<T>(text: &str, read: fn(&JsObject) -> Option<T>) -> Option<Vec<T>> {
    let value = js_sys::JSON::parse(text).ok()?;
    objects(value)?.iter().map(read).collect()
}

const HOOLI: &str = r#"{"id":"AU00000","name":"Hooli \"Bank\" \u00e9","shortName":"Hooli",
"serviceType":"Personal Banking","country":"Australia","tier":"4","status":"operational",
"authorization":"user-mfa","loginIdCaption":"Login","passwordCaption":"Password",
"securityCodeCaption":"Code","secondaryLoginIdCaption":null,"logo":"/logos/AU00000.svg",
"averageDurationMs":31588,"later":[1]}"#;

#[wasm_bindgen_test]
fn the_directory_reads_from_json_parse_as_serde_reads_it() {
    let dir = |institutions: &str| format!(r#"{{"version":1,"institutions":[{institutions}]}}"#);
    let texts = [
        dir(HOOLI),
        dir(&format!("{HOOLI},{HOOLI}")),
        dir(""),
        dir(&HOOLI.replace("31588", "null")),
        dir(&HOOLI.replace("31588", "-1")),
        dir(&HOOLI.replace("31588", "1.5")),
        dir(&HOOLI.replace("\"Code\"", "7")),
        dir(&HOOLI.replace("\"tier\":\"4\",", "")),
        dir(&HOOLI.replace("\"operational\"", "null")),
        dir(&format!("{HOOLI},1")),
        dir(&format!("{HOOLI},[]")),
        dir(&format!("{HOOLI},null")),
        r#"{"version":-1,"institutions":[]}"#.into(),
        r#"{"version":"1","institutions":[]}"#.into(),
        r#"{"version":1,"institutions":{}}"#.into(),
        r#"{"version":1}"#.into(),
        "[]".into(),
        "null".into(),
        "<html>".into(),
        String::new(),
    ];
    reads_as_serde::<InstitutionDirectory>(&texts, |t| {
        parse_object(t)
            .as_ref()
            .and_then(InstitutionDirectory::from_object)
    });
    let read = parse_object(&texts[1])
        .as_ref()
        .and_then(InstitutionDirectory::from_object)
        .unwrap();
    assert_eq!(read.institutions.len(), 2);
    assert_eq!(read.institutions[0].name, "Hooli \"Bank\" é");
    assert_eq!(read.institutions[0].average_duration_ms, Some(31_588));
}

#[wasm_bindgen_test]
fn connections_and_accounts_read_from_json_parse_as_serde_reads_them() {
    let connection = r#"{"id":"c1","status":"active","institutionId":"AU00000",
"institutionName":"Hooli","institutionLogo":null,"lastUsed":"2026-01-01T00:00:00Z",
"mfaEnabled":true}"#;
    let account = r#"{"id":"a1","connectionId":"c1","institutionId":"AU00000","name":"Everyday",
"maskedNumber":"xxxx1234","balance":"10.00","availableFunds":null,"currency":"AUD",
"class":"transaction"}"#;
    let lists = |one: &str| {
        vec![
            format!("[{one}]"),
            format!("[{one},{one}]"),
            "[]".into(),
            format!("[{one},1]"),
            format!("[{}]", one.replacen("\"c1\"", "1", 1)),
            format!(
                "[{}]",
                one.replacen("\"id\":\"c1\",", "", 1)
                    .replacen("\"id\":\"a1\",", "", 1)
            ),
            format!("{{\"data\":[{one}]}}"),
            "null".into(),
            "{".into(),
        ]
    };
    reads_as_serde::<Vec<ConnectionView>>(&lists(connection), |t| {
        list(t, ConnectionView::from_object)
    });
    reads_as_serde::<Vec<AccountView>>(&lists(account), |t| list(t, AccountView::from_object));
    assert!(list(&lists(connection)[1], ConnectionView::from_object).is_some_and(|l| l.len() == 2));
    assert!(list(&format!("[{connection}]"), ConnectionView::from_object).unwrap()[0].mfa_enabled);
}

#[wasm_bindgen_test]
fn error_answers_read_from_json_parse_as_core_reads_their_text() {
    for body in [
        r#"{"code":"no-session","message":"Start again."}"#,
        r#"{"code":"rate-limited","message":"Later."}"#,
        r#"{"code":7,"message":"x"}"#,
        r#"{"type":"list","correlationId":"c","data":[{"type":"error","code":"access-denied","title":"Access denied.","detail":"Token has expired","source":{"pointer":"x"}}]}"#,
        r#"{"type":"list","data":[{"type":"error","code":"resource-not-found","title":"Not found."}]}"#,
        r#"{"type":"list","data":[{"type":"error","code":"x"}]}"#,
        r#"{"type":"list","data":[1]}"#,
        "[]",
        "<html>502</html>",
        "",
    ] {
        for (status, retry) in [(400, None), (401, None), (429, Some("30")), (503, None)] {
            let object = parse_object(body);
            assert_eq!(
                errors::from_http_object(status, object.as_ref(), retry),
                errors::from_http(status, body, retry),
                "{status} {body}"
            );
        }
    }
}

#[wasm_bindgen_test]
fn only_a_js_string_is_parsed() {
    assert!(parse_js_object(&"{\"a\":1}".into()).is_some());
    assert!(parse_js_object(&"[1]".into()).is_none());
    assert!(parse_js_object(&"{".into()).is_none());
    assert!(parse_js_object(&wasm_bindgen::JsValue::from_f64(1.0)).is_none());
    assert!(parse_js_object(&js_sys::Object::new().into()).is_none());
    assert!(parse_js_object(&wasm_bindgen::JsValue::NULL).is_none());
    assert_eq!(
        parse_object(r#"{"o":{"k":"v"},"l":[{},{"k":1}],"bad":[{},2],"n":-1.5}"#).map(|o| (
            o.object("o").required().map(|i| i.string("k")),
            o.objects("l").required().map(|l| l.len()),
            matches!(o.objects("bad"), Field::Wrong),
            matches!(o.object("l"), Field::Wrong),
            o.number("n"),
        )),
        Some((
            Some(Field::Is("v".into())),
            Some(2),
            true,
            true,
            Field::Is(-1.5)
        ))
    );
}
