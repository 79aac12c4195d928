//! The Consent UI's page frame, escaping, and its style sheet: plain HTML forms and links,
//! no script.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A page: `<title>` and `<h1>` from `title`, `body` as given (already escaped).
#[derive(Debug)]
pub struct Page {
    /// Heading and title.
    pub title: String,
    /// Organisation shown in the banner.
    pub organisation: String,
    /// Inner HTML of `<main>` after the heading.
    pub body: String,
    /// Reload after this many seconds (progress pages).
    pub refresh: Option<u32>,
    /// HTTP status.
    pub status: StatusCode,
    /// The banner's second part ("uses Basiq to connect your bank", or the bank's own).
    pub tagline: &'static str,
}

impl Page {
    /// A 200 page.
    pub fn new(organisation: &str, title: impl Into<String>, body: impl Into<String>) -> Self {
        Page {
            title: title.into(),
            organisation: organisation.into(),
            body: body.into(),
            refresh: None,
            status: StatusCode::OK,
            tagline: "uses Basiq to connect your bank",
        }
    }

    /// A page of the bank itself (the mock data holder), not of the Consent UI.
    pub fn bank(bank: &str, title: impl Into<String>, body: impl Into<String>) -> Self {
        Page {
            tagline: "· your bank's secure login",
            ..Page::new(bank, title, body)
        }
    }

    /// Reloads itself after `secs`.
    #[must_use]
    pub fn refresh(mut self, secs: u32) -> Self {
        self.refresh = Some(secs);
        self
    }

    /// With another status.
    #[must_use]
    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let refresh = self
            .refresh
            .map(|s| format!("<meta http-equiv=\"refresh\" content=\"{s}\">"))
            .unwrap_or_default();
        let html = format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">{refresh}\
<title>{title} – {org}</title><link rel=\"stylesheet\" href=\"/consent/style.css\"></head>\
<body><header><p class=\"brand\">{org} <span>{tagline}</span></p></header>\
<main><h1>{title}</h1>{body}</main></body></html>",
            title = esc(&self.title),
            org = esc(&self.organisation),
            tagline = self.tagline,
            body = self.body,
        );
        (
            self.status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            )],
            html,
        )
            .into_response()
    }
}

/// A POST form with one submit button and hidden fields.
pub fn button_form(action: &str, label: &str, hidden: &[(&str, &str)], class: &str) -> String {
    let fields: String = hidden
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                esc(k),
                esc(v)
            )
        })
        .collect();
    format!(
        "<form method=\"post\" action=\"{}\">{fields}<button type=\"submit\" class=\"{class}\">{}</button></form>",
        esc(action),
        esc(label)
    )
}

/// A labelled text input.
pub fn field(id: &str, label: &str, kind: &str, value: &str, autocomplete: &str) -> String {
    format!(
        "<p class=\"field\"><label for=\"{id}\">{}</label>\
<input id=\"{id}\" name=\"{id}\" type=\"{kind}\" value=\"{}\" autocomplete=\"{autocomplete}\" required></p>",
        esc(label),
        esc(value)
    )
}

/// An alert paragraph (`role="alert"`), or nothing.
pub fn alert(message: Option<&str>) -> String {
    message
        .map(|m| format!("<p role=\"alert\" class=\"alert\">{}</p>", esc(m)))
        .unwrap_or_default()
}

/// `GET /consent/style.css`.
pub async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/css")),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        CSS,
    )
        .into_response()
}

const CSS: &str = "body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#f4f5f7}\
header{background:#1b3a5c;color:#fff;padding:.75rem 1rem}.brand{margin:0;font-weight:600}\
.brand span{font-weight:400}main{max-width:34rem;margin:1rem auto;background:#fff;padding:1rem 1.25rem;\
border-radius:8px}h1{font-size:1.4rem;margin:.25rem 0 1rem}h2{font-size:1.1rem}\
label{display:block;font-weight:600;margin-bottom:.25rem}input[type=text],input[type=password],\
input[type=search]{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem;border:1px solid #767676;\
border-radius:4px}.field{margin:0 0 1rem}button,.button{display:inline-block;padding:.55rem 1rem;\
font-size:1rem;border-radius:4px;border:1px solid #1b3a5c;background:#1b3a5c;color:#fff;cursor:pointer;\
text-decoration:none;margin:.25rem .5rem .25rem 0}button.secondary,.button.secondary{background:#fff;\
color:#1b3a5c}form{display:inline}form.block{display:block}.alert{background:#fdecea;color:#8a1c1c;\
padding:.5rem .75rem;border-radius:4px}ul.plain{list-style:none;padding:0}ul.plain li{margin:.35rem 0}\
ul.banks a{display:block;padding:.6rem;border:1px solid #ccd;border-radius:4px;color:#1b3a5c;\
text-decoration:none}ul.banks a:hover,ul.banks a:focus{background:#eef3f9}\
:focus-visible{outline:3px solid #f0a500;outline-offset:2px}dl dt{font-weight:600}dl dd{margin:0 0 .5rem}";
