//! The public settings the server hands to the app at `GET /api/config`. Never holds a secret.

use serde::{Deserialize, Serialize};

use crate::fields::{Field, JsonObject};

/// What the app needs to know about its deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PublicConfig {
    /// Base URL of the Basiq API the app calls directly with its client token.
    pub basiq_url: String,
    /// Basiq API version, e.g. `2.1`.
    pub basiq_version: String,
    /// Service types the picker offers (empty = all).
    pub service_types: Vec<String>,
    /// Countries the picker offers (empty = all).
    pub countries: Vec<String>,
    /// Parent origins allowed to embed the widget and exchange messages with it.
    pub allowed_parent_origins: Vec<String>,
    /// True when the server runs against the built-in simulator.
    pub sandbox: bool,
    /// Seconds before a connection may be refreshed again (banks limit how often data is fetched).
    #[serde(default)]
    pub min_refresh_interval_secs: u64,
    /// How banks are connected: the widget's own form (2.1) or Basiq's Consent UI (3.0).
    #[serde(default)]
    pub connect_mode: ConnectMode,
    /// The Consent UI's origin (3.0): the only place the widget navigates or opens a popup to.
    #[serde(default)]
    pub consent_ui_origin: Option<String>,
}

/// How banks are connected (`/api/config`'s `connectMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ConnectMode {
    /// Basiq 2.1: the widget's own credential form.
    #[default]
    Credentials,
    /// Basiq 3.0: the hand-off to Basiq's Consent UI.
    ConsentUi,
}

impl PublicConfig {
    /// True when banks are connected in Basiq's Consent UI.
    pub fn consent_ui(&self) -> bool {
        self.connect_mode == ConnectMode::ConsentUi
    }

    /// The settings from `/api/config`'s object as the browser parsed it; `None` where the
    /// serde derive would refuse it (a field missing or of another type, an unknown mode).
    pub fn from_object(o: &impl JsonObject) -> Option<Self> {
        let connect_mode = match o.string("connectMode") {
            Field::Absent => ConnectMode::default(),
            Field::Is(mode) => match mode.as_str() {
                "credentials" => ConnectMode::Credentials,
                "consent-ui" => ConnectMode::ConsentUi,
                _ => return None,
            },
            Field::Null | Field::Wrong => return None,
        };
        Some(Self {
            basiq_url: o.string("basiqUrl").required()?,
            basiq_version: o.string("basiqVersion").required()?,
            service_types: o.strings("serviceTypes").required()?,
            countries: o.strings("countries").required()?,
            allowed_parent_origins: o.strings("allowedParentOrigins").required()?,
            sandbox: o.boolean("sandbox").required()?,
            min_refresh_interval_secs: o.whole("minRefreshIntervalSecs").or_default(0)?,
            connect_mode,
            consent_ui_origin: o.string("consentUiOrigin").optional()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    fn via_fields(v: &Value) -> Option<PublicConfig> {
        PublicConfig::from_object(v.as_object()?)
    }

    fn via_serde(v: &Value) -> Option<PublicConfig> {
        serde_json::from_value(v.clone()).ok()
    }

    fn full() -> Value {
        json!({
            "basiqUrl": "https://au-api.basiq.io",
            "basiqVersion": "2.1",
            "serviceTypes": ["Personal Banking"],
            "countries": ["Australia", "New Zealand"],
            "allowedParentOrigins": ["https://host.example"],
            "sandbox": true,
            "minRefreshIntervalSecs": 3600,
            "connectMode": "consent-ui",
            "consentUiOrigin": "https://consent.basiq.io",
            "somethingNew": {"ignored": [1, 2]}
        })
    }

    #[test]
    fn reads_what_the_server_writes() {
        let config = PublicConfig {
            basiq_url: "http://127.0.0.1:9/".into(),
            basiq_version: "3.0".into(),
            service_types: vec![],
            countries: vec!["Australia".into()],
            allowed_parent_origins: vec![],
            sandbox: false,
            min_refresh_interval_secs: 0,
            connect_mode: ConnectMode::Credentials,
            consent_ui_origin: None,
        };
        let written = serde_json::to_value(&config).unwrap();
        assert_eq!(via_fields(&written), Some(config));
        let read = via_fields(&full()).unwrap();
        assert!(read.consent_ui());
        assert_eq!(Some(read), via_serde(&full()));
    }

    #[test]
    fn refuses_what_serde_refuses() {
        let mut bad = Vec::new();
        for key in ["basiqUrl", "serviceTypes", "sandbox"] {
            let mut missing = full();
            missing.as_object_mut().unwrap().remove(key);
            bad.push(missing);
        }
        for (key, value) in [
            ("basiqUrl", json!(7)),
            ("basiqVersion", Value::Null),
            ("countries", json!(["Australia", 1])),
            ("countries", json!("Australia")),
            ("sandbox", json!("yes")),
            ("minRefreshIntervalSecs", json!(-1)),
            ("minRefreshIntervalSecs", json!(1.5)),
            ("minRefreshIntervalSecs", Value::Null),
            ("connectMode", json!("carrier-pigeon")),
            ("connectMode", Value::Null),
            ("consentUiOrigin", json!(["x"])),
        ] {
            let mut wrong = full();
            wrong[key] = value;
            bad.push(wrong);
        }
        bad.extend([json!([]), json!("config"), Value::Null]);
        for v in bad {
            assert_eq!(via_serde(&v), None, "{v}");
            assert_eq!(via_fields(&v), None, "{v}");
        }
        // Optional and defaulted fields may be left out or (the origin) null.
        let mut lean = full();
        let o = lean.as_object_mut().unwrap();
        o.remove("minRefreshIntervalSecs");
        o.remove("connectMode");
        o.insert("consentUiOrigin".into(), Value::Null);
        assert_eq!(via_fields(&lean), via_serde(&lean));
        assert!(via_fields(&lean).is_some());
    }

    fn arb_value() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (0u64..5000).prop_map(|n| json!(n)),
            Just(json!(-3)),
            Just(json!(2.5)),
            prop_oneof![
                Just("credentials"),
                Just("consent-ui"),
                Just("2.1"),
                Just("")
            ]
            .prop_map(|s| json!(s)),
            proptest::collection::vec("[a-z]{0,3}", 0..3).prop_map(|v| json!(v)),
            Just(json!(["a", 1])),
        ]
    }

    proptest! {
        #[test]
        fn any_object_reads_as_serde_reads_it(
            changes in proptest::collection::vec(
                (
                    prop_oneof![
                        Just("basiqUrl"), Just("basiqVersion"), Just("serviceTypes"),
                        Just("countries"), Just("allowedParentOrigins"), Just("sandbox"),
                        Just("minRefreshIntervalSecs"), Just("connectMode"),
                        Just("consentUiOrigin"), Just("other")
                    ],
                    proptest::option::of(arb_value()),
                ),
                0..6,
            )
        ) {
            let mut v = full();
            for (key, value) in changes {
                let o = v.as_object_mut().unwrap();
                match value {
                    Some(value) => o.insert(key.into(), value),
                    None => o.remove(key),
                };
            }
            prop_assert_eq!(via_fields(&v), via_serde(&v));
        }
    }
}
