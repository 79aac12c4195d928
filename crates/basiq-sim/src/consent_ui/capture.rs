//! The launch, consent capture, the institution list, and the ways out (done, cancel).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::IntoResponse;

use super::html::{Page, button_form, esc};
use super::{
    Action, Holder, PageError, PageResult, Session, back_url, go, no_active_consent, session,
    update, with_store,
};
use crate::connectors::{self, OPEN_BANKING_ID};
use crate::routes::Query;
use crate::state::Sim;
use crate::store::Method;
use crate::wire::{self, INITIAL_RETRIEVAL_DAYS, PURPOSE, SCOPES};

type S = State<Arc<Sim>>;

/// Reads a posted form.
pub fn form(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// First value of a form field.
pub fn form_get<'a>(f: &'a [(String, String)], key: &str) -> Option<&'a str> {
    f.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.trim().is_empty())
}

/// `GET /consent/home?token=…&action=…&state=…&institutionId=…&connectionId=…`.
pub async fn home(State(sim): S, q: Query) -> PageResult {
    let (sid, s) = super::start_session(&sim, q.pairs())?;
    let active = with_store(&sim, |st, _| st.active_consent(&s.user_id).is_some())?;
    let needs_consent = || {
        if active {
            Ok(())
        } else {
            Err(no_active_consent(&sim))
        }
    };
    let to = match s.action {
        Action::Create if s.connection.is_some() => {
            needs_consent()?;
            next_after_consent(&sim, &sid, &s)?
        }
        Action::Create => format!("/consent/s/{sid}/terms"),
        Action::Connect => {
            needs_consent()?;
            next_after_consent(&sim, &sid, &s)?
        }
        Action::Manage => format!("/consent/s/{sid}/manage"),
        Action::Extend | Action::Update => {
            needs_consent()?;
            format!("/consent/s/{sid}/extend")
        }
        Action::Reauthorise => {
            needs_consent()?;
            format!("/consent/s/{sid}/reauthorise")
        }
    };
    Ok(go(&to))
}

/// Where to go once there is a consent: the connection to update or re-authorise, the
/// institution asked for, or the list.
fn next_after_consent(sim: &Sim, sid: &str, s: &Session) -> Result<String, PageError> {
    if let Some(c) = &s.connection {
        let (inst, method) = with_store(sim, |st, _| {
            st.connection(&s.user_id, c)
                .map(|c| (c.institution_id.clone(), c.method))
                .ok()
        })?
        .ok_or_else(|| super::not_found(sim, "Requested connection does not exist."))?;
        if method == Method::OpenBanking {
            update(sim, sid, |s| {
                s.holder = Some(Holder {
                    connection: c.clone(),
                    renew: true,
                    ..Holder::default()
                })
            });
            return Ok(format!("/consent/holder/{sid}/login"));
        }
        return Ok(format!("/consent/s/{sid}/connect/{inst}/web"));
    }
    Ok(match &s.institution {
        Some(i) if i == OPEN_BANKING_ID => format!("/consent/s/{sid}/connect/{i}/open-banking"),
        Some(i) => format!("/consent/s/{sid}/connect/{i}/web"),
        None => format!("/consent/s/{sid}/institutions"),
    })
}

/// Consent capture.
pub async fn terms(State(sim): S, Path(sid): Path<String>) -> PageResult {
    session(&sim, &sid)?;
    let d = &sim.cfg.dashboard;
    let days = consent_days(&sim);
    let mut scopes = String::new();
    for (scope, _, required, name, description, attrs) in SCOPES {
        let list: String = attrs
            .iter()
            .map(|a| format!("<li>{}</li>", esc(a)))
            .collect();
        if *required {
            scopes.push_str(&format!(
                "<li><strong>{}</strong> (required)<br>{}<ul>{list}</ul></li>",
                esc(name),
                esc(description)
            ));
        } else {
            scopes.push_str(&format!(
                "<li><input type=\"checkbox\" id=\"scope-{scope}\" name=\"scope\" value=\"{scope}\" checked>\
<label for=\"scope-{scope}\" class=\"inline\">{} (optional)</label>{}<ul>{list}</ul></li>",
                esc(name),
                esc(description)
            ));
        }
    }
    let body = format!(
        "<p><strong>{org}</strong> would like to access your financial data.</p>\
<h2>Why</h2><p><strong>{pt}</strong>: {pd}</p>\
<form method=\"post\" action=\"/consent/s/{sid}/terms\" class=\"block\">\
<h2>What {org} will access</h2><ul class=\"plain\">{scopes}</ul>\
<h2>For how long</h2><p>Your consent lasts {days} days. {org} can collect up to \
{INITIAL_RETRIEVAL_DAYS} days of transaction history.</p>\
<button type=\"submit\" name=\"decision\" value=\"consent\">I consent</button>\
<button type=\"submit\" name=\"decision\" value=\"deny\" class=\"secondary\">Deny</button></form>\
<p><a href=\"/consent/s/{sid}/leave?back=terms\">Cancel</a></p>",
        org = esc(&d.organisation),
        pt = esc(PURPOSE.0),
        pd = esc(PURPOSE.1),
    );
    Ok(Page::new(&d.organisation, "Share your financial data", body).into_response())
}

/// Days a new consent lasts (the test switch overrides the dashboard's duration).
pub fn consent_days(sim: &Sim) -> u64 {
    sim.switches
        .lock()
        .ok()
        .and_then(|s| s.consent_expires_in_days)
        .unwrap_or(sim.cfg.dashboard.consent_days)
}

/// "I consent" / "Deny".
pub async fn terms_post(State(sim): S, Path(sid): Path<String>, body: Bytes) -> PageResult {
    let s = session(&sim, &sid)?;
    let f = form(&body);
    if form_get(&f, "decision") != Some("consent") {
        return Ok(go(&back_url(&sim, &sid, &s)));
    }
    let declined: Vec<String> = SCOPES
        .iter()
        .filter(|(scope, _, required, ..)| {
            !required && !f.iter().any(|(k, v)| k == "scope" && v == scope)
        })
        .map(|(scope, ..)| scope.to_string())
        .collect();
    let days = consent_days(&sim);
    with_store(&sim, |st, ctx| {
        st.give_consent(ctx, &s.user_id, days, declined)
    })?
    .map_err(|_| super::not_found(&sim, "The user this link was made for does not exist."))?;
    Ok(go(&next_after_consent(&sim, &sid, &s)?))
}

/// The institution list (`?q=` searches by name).
pub async fn institutions(State(sim): S, Path(sid): Path<String>, q: Query) -> PageResult {
    let s = session(&sim, &sid)?;
    let active = with_store(&sim, |st, _| st.active_consent(&s.user_id).is_some())?;
    if !active {
        return Err(no_active_consent(&sim));
    }
    let search = q.get("q").unwrap_or_default().trim().to_lowercase();
    let rows = connectors::connectors(&sim.directory);
    let items: String = rows
        .iter()
        .map(|(i, m)| (*i, *m, label(i, *m)))
        .filter(|(_, _, l)| search.is_empty() || l.to_lowercase().contains(&search))
        .map(|(i, m, l)| {
            let how = if m == Method::OpenBanking {
                "Open banking"
            } else {
                "Web login"
            };
            format!(
                "<li><a href=\"/consent/s/{sid}/connect/{}/{}\">{} <small>({how})</small></a></li>",
                esc(&i.id),
                m.as_str(),
                esc(&l)
            )
        })
        .collect();
    let body = format!(
        "<form method=\"get\" action=\"/consent/s/{sid}/institutions\" role=\"search\" class=\"block\">\
<p class=\"field\"><label for=\"q\">Search for your bank</label>\
<input id=\"q\" name=\"q\" type=\"search\" value=\"{}\"></p><button type=\"submit\">Search</button></form>\
<nav aria-label=\"Institutions\"><ul class=\"plain banks\">{items}</ul></nav>\
<p><a href=\"/consent/s/{sid}/leave?back=institutions\">Cancel</a></p>",
        esc(&search)
    );
    Ok(Page::new(&sim.cfg.dashboard.organisation, "Choose your bank", body).into_response())
}

/// How a connector is named in the list: `Hooli OB` for open banking, else the name.
pub fn label(i: &crate::institutions::Institution, m: Method) -> String {
    let v = wire::connector(i, m, "");
    v["institution"]["name"]
        .as_str()
        .unwrap_or(&i.name)
        .to_string()
}

/// "Are you sure you want to leave?"
pub async fn leave(State(sim): S, Path(sid): Path<String>, q: Query) -> PageResult {
    session(&sim, &sid)?;
    let back = match q.get("back") {
        Some("terms") => "terms",
        _ => "institutions",
    };
    let org = esc(&sim.cfg.dashboard.organisation);
    let body = format!(
        "<p>You will be taken back to {org}. Nothing is shared until you finish.</p>\
<p><a class=\"button\" href=\"/consent/s/{sid}/cancel\">Leave</a>\
<a class=\"button secondary\" href=\"/consent/s/{sid}/{back}\">Stay</a></p>"
    );
    Ok(Page::new(
        &sim.cfg.dashboard.organisation,
        "Are you sure you want to leave?",
        body,
    )
    .into_response())
}

/// Leave: back to the Redirect URL with `state` (and the jobs of this visit, if any).
pub async fn cancel(State(sim): S, Path(sid): Path<String>) -> PageResult {
    let s = session(&sim, &sid)?;
    Ok(go(&back_url(&sim, &sid, &s)))
}

/// Finish: back to the Redirect URL with `jobId`, `jobIds` and `state`.
pub async fn done(State(sim): S, Path(sid): Path<String>) -> PageResult {
    let s = session(&sim, &sid)?;
    Ok(go(&back_url(&sim, &sid, &s)))
}

/// Where a visit ends when no Redirect URL is configured.
pub async fn finished(State(sim): S, Path(sid): Path<String>) -> PageResult {
    let s = session(&sim, &sid)?;
    let jobs: String = s
        .jobs
        .iter()
        .map(|j| format!("<li><code>{}</code></li>", esc(j)))
        .collect();
    let body = format!(
        "<p>You can close this window and go back to {}.</p><h2>Jobs</h2><ul>{jobs}</ul>",
        esc(&sim.cfg.dashboard.organisation)
    );
    Ok(Page::new(&sim.cfg.dashboard.organisation, "All done", body).into_response())
}

/// Buttons shared by end pages.
pub fn close_button(sid: &str, label: &str) -> String {
    format!(
        "<a class=\"button\" href=\"/consent/s/{sid}/done\">{}</a>",
        esc(label)
    )
}

/// A POST button to a page of this session.
pub fn post_button(sid: &str, path: &str, label: &str, secondary: bool) -> String {
    button_form(
        &format!("/consent/s/{sid}/{path}"),
        label,
        &[],
        if secondary { "secondary" } else { "" },
    )
}
