//! `action=manage` (the consent, its connections, delete one, revoke all, history),
//! `action=extend` / `action=update`, and `action=reauthorise` (renew open-banking
//! connections that expire within seven days).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::IntoResponse;

use super::capture::{close_button, consent_days, label, post_button};
use super::html::{Page, esc};
use super::{Holder, PageResult, go, no_active_consent, session, update, with_store};
use crate::institutions;
use crate::state::Sim;
use crate::store::{ConnStatus, Consent, EXPIRING_SOON_DAYS, Method, ts};

type S = State<Arc<Sim>>;

fn bank_name(sim: &Sim, inst: &str, m: Method) -> String {
    institutions::find(&sim.directory, inst)
        .map(|i| label(i, m))
        .unwrap_or_else(|_| inst.to_string())
}

fn consent_terms(c: &Consent) -> String {
    format!(
        "<dl><dt>Status</dt><dd>{}</dd><dt>Given</dt><dd>{}</dd><dt>Expires</dt><dd>{}</dd></dl>",
        c.status.as_str(),
        ts(c.created),
        ts(c.expiry.date)
    )
}

/// `GET …/manage`.
pub async fn manage(State(sim): S, Path(sid): Path<String>) -> PageResult {
    let s = session(&sim, &sid)?;
    let (active, history, conns) = with_store(&sim, |st, _| {
        let active = st.active_consent(&s.user_id).cloned();
        let history: Vec<Consent> = st
            .consents_of(&s.user_id)
            .map(|l| {
                l.into_iter()
                    .filter(|c| c.status.as_str() != "active")
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let conns: Vec<(String, String, Method, ConnStatus)> = active
            .as_ref()
            .and_then(|a| {
                st.connections_of(&s.user_id, &[]).ok().map(|l| {
                    l.into_iter()
                        .filter(|c| c.consent_id.as_deref() == Some(a.id.as_str()))
                        .map(|c| (c.id.clone(), c.institution_id.clone(), c.method, c.status))
                        .collect()
                })
            })
            .unwrap_or_default();
        (active, history, conns)
    })?;
    let mut body = String::new();
    match &active {
        Some(c) => {
            body.push_str("<h2>Your consent</h2>");
            body.push_str(&consent_terms(c));
            body.push_str("<h2>Connected banks</h2><ul class=\"plain\">");
            if conns.is_empty() {
                body.push_str("<li>None yet.</li>");
            }
            for (id, inst, m, status) in &conns {
                let name = bank_name(&sim, inst, *m);
                body.push_str(&format!(
                    "<li>{} ({}) {}</li>",
                    esc(&name),
                    status.as_str(),
                    post_button(
                        &sid,
                        &format!("manage/delete/{id}"),
                        &format!("Delete {name}"),
                        true
                    )
                ));
            }
            body.push_str("</ul><h2>Stop sharing</h2><p>Revoking deletes every connection made under this consent.</p>");
            body.push_str(&post_button(&sid, "manage/revoke", "Revoke consent", false));
        }
        None => body.push_str("<p role=\"status\">You have no active consent.</p>"),
    }
    if !history.is_empty() {
        body.push_str("<h2>Consent history</h2><ul>");
        for c in &history {
            body.push_str(&format!("<li>{}</li>", consent_terms(c)));
        }
        body.push_str("</ul>");
    }
    body.push_str(&format!("<p>{}</p>", close_button(&sid, "Close")));
    Ok(Page::new(&sim.cfg.dashboard.organisation, "Manage your consent", body).into_response())
}

/// Deletes one connection of the active consent.
pub async fn delete_connection(
    State(sim): S,
    Path((sid, conn)): Path<(String, String)>,
) -> PageResult {
    let s = session(&sim, &sid)?;
    with_store(&sim, |st, _| {
        let ok = st
            .connection(&s.user_id, &conn)
            .is_ok_and(|c| c.consent_id.is_some());
        if ok {
            let _ = st.delete_connection(&s.user_id, &conn);
        }
    })?;
    Ok(go(&format!("/consent/s/{sid}/manage")))
}

/// Revokes the active consent (its connections are deleted).
pub async fn revoke(State(sim): S, Path(sid): Path<String>) -> PageResult {
    let s = session(&sim, &sid)?;
    let done = with_store(&sim, |st, ctx| {
        let id = st.active_consent(&s.user_id).map(|c| c.id.clone())?;
        st.revoke_consent(ctx, &s.user_id, &id).ok()
    })?;
    if done.is_none() {
        return Err(no_active_consent(&sim));
    }
    let body = format!(
        "<p role=\"status\">Your consent is revoked and its connections are deleted.</p><p>{}</p>",
        close_button(&sid, "Close")
    );
    Ok(Page::new(&sim.cfg.dashboard.organisation, "Consent revoked", body).into_response())
}

/// `GET …/extend`: the current terms first, then "Extend consent".
pub async fn extend(State(sim): S, Path(sid): Path<String>) -> PageResult {
    let s = session(&sim, &sid)?;
    let c = with_store(&sim, |st, _| st.active_consent(&s.user_id).cloned())?
        .ok_or_else(|| no_active_consent(&sim))?;
    let body = format!(
        "<h2>Your consent today</h2>{}<p>Extending keeps sharing for another {} days from today.</p>\
{}<p><a href=\"/consent/s/{sid}/cancel\">Cancel</a></p>",
        consent_terms(&c),
        consent_days(&sim),
        post_button(&sid, "extend", "Extend consent", false)
    );
    Ok(Page::new(&sim.cfg.dashboard.organisation, "Extend your consent", body).into_response())
}

/// `POST …/extend`: extends, then back to the Redirect URL.
pub async fn extend_post(State(sim): S, Path(sid): Path<String>) -> PageResult {
    let s = session(&sim, &sid)?;
    let days = consent_days(&sim);
    if !with_store(&sim, |st, ctx| st.extend_consent(ctx, &s.user_id, days))? {
        return Err(no_active_consent(&sim));
    }
    Ok(go(&super::back_url(&sim, &sid, &s)))
}

/// `GET …/reauthorise`: open-banking connections expiring within seven days, with Renew.
pub async fn reauthorise(State(sim): S, Path(sid): Path<String>) -> PageResult {
    let s = session(&sim, &sid)?;
    let soon = std::time::Duration::from_secs(EXPIRING_SOON_DAYS * 86_400);
    let rows = with_store(&sim, |st, ctx| {
        st.connections_of(&s.user_id, &[])
            .map(|l| {
                l.into_iter()
                    .filter(|c| c.method == Method::OpenBanking)
                    .filter_map(|c| {
                        let e = c.expiry?;
                        (e.at <= ctx.now.saturating_add(soon))
                            .then(|| (c.id.clone(), c.institution_id.clone(), ts(e.date)))
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    })?;
    let mut body = String::from("<h2>Expiring soon</h2><ul class=\"plain\">");
    if rows.is_empty() {
        body.push_str("<li>Nothing expires in the next 7 days.</li>");
    }
    for (id, inst, date) in &rows {
        let name = bank_name(&sim, inst, Method::OpenBanking);
        body.push_str(&format!(
            "<li>{} — expires {} {}</li>",
            esc(&name),
            esc(date),
            post_button(
                &sid,
                &format!("reauthorise/{id}"),
                &format!("Renew {name}"),
                false
            )
        ));
    }
    body.push_str("</ul>");
    if sim.cfg.dashboard.redirect_url.is_some() {
        body.push_str(&format!("<p>{}</p>", close_button(&sid, "Close")));
    }
    Ok(Page::new(
        &sim.cfg.dashboard.organisation,
        "Renew your connections",
        body,
    )
    .into_response())
}

/// Renew: to the data holder for a new arrangement.
pub async fn renew(State(sim): S, Path((sid, conn)): Path<(String, String)>) -> PageResult {
    let s = session(&sim, &sid)?;
    let ok = with_store(&sim, |st, _| {
        st.connection(&s.user_id, &conn)
            .is_ok_and(|c| c.method == Method::OpenBanking)
    })?;
    if !ok {
        return Err(super::not_found(
            &sim,
            "Requested connection does not exist.",
        ));
    }
    update(&sim, &sid, |s| {
        s.holder = Some(Holder {
            connection: conn.clone(),
            renew: true,
            ..Holder::default()
        })
    });
    Ok(go(&format!("/consent/holder/{sid}/login")))
}
