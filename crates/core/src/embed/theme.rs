//! The host's theme, validated so every field is safe in a CSS custom property.

use serde_json::{Map, Value};

/// Font families a host may pick (values outside the list are ignored).
pub const SAFE_FONTS: &[&str] = &[
    "system-ui",
    "sans-serif",
    "serif",
    "monospace",
    "Inter",
    "Roboto",
    "Helvetica",
    "Arial",
    "Georgia",
];

/// Light, dark, or follow the person's system setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ThemeMode {
    /// Light colours.
    Light,
    /// Dark colours.
    Dark,
    /// `prefers-color-scheme`.
    #[default]
    Auto,
}

/// A validated theme: every field is safe to put into a CSS custom property.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Theme {
    /// Colour scheme.
    pub mode: ThemeMode,
    /// Accent colour as `#rgb` or `#rrggbb`.
    pub accent: Option<String>,
    /// Corner radius in pixels (0–24).
    pub radius_px: Option<u8>,
    /// One of [`SAFE_FONTS`].
    pub font: Option<String>,
}

impl Theme {
    /// Reads a host-supplied theme; unknown keys and invalid values are ignored, never fatal.
    pub fn from_value(v: &Value) -> Theme {
        let Some(o) = v.as_object() else {
            return Theme::default();
        };
        let mode = match o.get("mode").and_then(Value::as_str) {
            Some("light") => ThemeMode::Light,
            Some("dark") => ThemeMode::Dark,
            _ => ThemeMode::Auto,
        };
        let accent = o
            .get("accent")
            .and_then(Value::as_str)
            .filter(|c| is_hex_colour(c))
            .map(str::to_owned);
        let radius_px = o
            .get("radius")
            .and_then(Value::as_u64)
            .filter(|r| *r <= 24)
            .map(|r| r as u8);
        let font = o
            .get("font")
            .and_then(Value::as_str)
            .filter(|f| SAFE_FONTS.contains(f))
            .map(str::to_owned);
        Theme {
            mode,
            accent,
            radius_px,
            font,
        }
    }

    /// The theme as JSON, in the shape [`Theme::from_value`] reads.
    pub fn to_value(&self) -> Value {
        let mut o = Map::new();
        o.insert(
            "mode".into(),
            match self.mode {
                ThemeMode::Light => "light",
                ThemeMode::Dark => "dark",
                ThemeMode::Auto => "auto",
            }
            .into(),
        );
        if let Some(a) = &self.accent {
            o.insert("accent".into(), a.clone().into());
        }
        if let Some(r) = self.radius_px {
            o.insert("radius".into(), r.into());
        }
        if let Some(f) = &self.font {
            o.insert("font".into(), f.clone().into());
        }
        Value::Object(o)
    }

    /// CSS custom properties to set on the document root: (name, value).
    pub fn css_properties(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(a) = &self.accent {
            out.push(("--bc-accent", a.clone()));
        }
        if let Some(r) = self.radius_px {
            out.push(("--bc-radius", format!("{r}px")));
        }
        if let Some(f) = &self.font {
            out.push(("--bc-font", format!("{f}, system-ui, sans-serif")));
        }
        out
    }
}

/// `#rgb` or `#rrggbb`.
pub fn is_hex_colour(s: &str) -> bool {
    s.strip_prefix('#')
        .is_some_and(|h| (h.len() == 3 || h.len() == 6) && h.bytes().all(|b| b.is_ascii_hexdigit()))
}
