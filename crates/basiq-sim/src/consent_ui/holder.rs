//! Hooli OB's mock data holder, as Basiq's 2026 open-banking sandbox: log in with the member
//! number, enter the one-time code, choose accounts, review and approve or decline. Then back
//! into the Consent UI with a job.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;

use super::capture::{consent_days, form, form_get};
use super::html::{Page, alert, esc, field};
use super::web::job_started;
use super::{Holder, PageError, PageResult, Session, go, session, update, with_store};
use crate::personas::{OB_MEMBER_NUMBER, OB_ONE_TIME_CODE, PERSONAS, money, open_banking_persona};
use crate::state::Sim;
use crate::wire::SCOPES;

type S = State<Arc<Sim>>;

const BANK: &str = "Hooli OB";

fn holder_of(sim: &Sim, sid: &str) -> Result<(Session, Holder), PageError> {
    let s = session(sim, sid)?;
    let h = s
        .holder
        .clone()
        .ok_or_else(|| super::not_found(sim, "There is no authorisation in progress."))?;
    Ok((s, h))
}

fn bank_page(title: &str, body: String) -> Page {
    Page::bank(BANK, title, body)
}

fn login_page(sid: &str, error: Option<&str>) -> Page {
    bank_page(
        "Log in to Hooli OB",
        format!(
            "<p>You are at Hooli OB, your bank. Basiq asked to access your data.</p>{}\
<form method=\"post\" action=\"/consent/holder/{sid}/login\" class=\"block\">{}\
<button type=\"submit\">Continue</button></form>{}",
            alert(error),
            field("member", "Member number", "text", "", "username"),
            decline_button(sid)
        ),
    )
}

fn code_page(sid: &str, error: Option<&str>) -> Page {
    bank_page(
        "Enter your one-time code",
        format!(
            "<p>We sent a one-time code to your phone.</p>{}\
<form method=\"post\" action=\"/consent/holder/{sid}/code\" class=\"block\">{}\
<button type=\"submit\">Continue</button></form>{}",
            alert(error),
            field("code", "One-time code", "text", "", "one-time-code"),
            decline_button(sid)
        ),
    )
}

fn accounts_page(sid: &str, error: Option<&str>) -> Page {
    let p = &PERSONAS[open_banking_persona()];
    let boxes: String = p
        .accounts
        .iter()
        .map(|a| {
            format!(
                "<li><input type=\"checkbox\" id=\"acc-{no}\" name=\"account\" value=\"{no}\" checked>\
<label for=\"acc-{no}\" class=\"inline\">{} (balance ${})</label></li>",
                esc(a.name),
                money(a.balance),
                no = esc(a.no)
            )
        })
        .collect();
    bank_page(
        "Choose accounts to share",
        format!(
            "{}<form method=\"post\" action=\"/consent/holder/{sid}/accounts\" class=\"block\">\
<fieldset><legend>Accounts</legend><ul class=\"plain\">{boxes}</ul></fieldset>\
<button type=\"submit\">Continue</button></form>{}",
            alert(error),
            decline_button(sid)
        ),
    )
}

fn review_page(sim: &Sim, sid: &str, h: &Holder) -> Page {
    let p = &PERSONAS[open_banking_persona()];
    let accounts: String = p
        .accounts
        .iter()
        .filter(|a| h.accounts.iter().any(|x| x == a.no))
        .map(|a| format!("<li>{}</li>", esc(a.name)))
        .collect();
    let scopes: String = SCOPES
        .iter()
        .map(|(_, _, _, name, ..)| format!("<li>{}</li>", esc(name)))
        .collect();
    bank_page(
        "Review and approve",
        format!(
            "<p>{} will receive this data through Basiq for {} days.</p>\
<h2>Accounts</h2><ul>{accounts}</ul><h2>Data</h2><ul>{scopes}</ul>\
<form method=\"post\" action=\"/consent/holder/{sid}/review\" class=\"block\">\
<button type=\"submit\" name=\"decision\" value=\"approve\">Approve</button>\
<button type=\"submit\" name=\"decision\" value=\"decline\" class=\"secondary\">Decline</button></form>",
            esc(&sim.cfg.dashboard.organisation),
            consent_days(sim)
        ),
    )
}

fn decline_button(sid: &str) -> String {
    format!(
        "<form method=\"post\" action=\"/consent/holder/{sid}/review\" class=\"block\">\
<button type=\"submit\" name=\"decision\" value=\"decline\" class=\"secondary\">Cancel</button></form>"
    )
}

/// `GET /consent/holder/{sid}/{login|code|accounts|review}`.
pub async fn page(State(sim): S, Path((sid, step)): Path<(String, String)>) -> PageResult {
    let (_, h) = holder_of(&sim, &sid)?;
    let page = match step.as_str() {
        "login" => login_page(&sid, None),
        "code" if h.member_ok => code_page(&sid, None),
        "accounts" if h.code_ok => accounts_page(&sid, None),
        "review" if h.code_ok && !h.accounts.is_empty() => review_page(&sim, &sid, &h),
        _ => return Ok(go(&format!("/consent/holder/{sid}/login"))),
    };
    Ok(page.into_response())
}

/// The person's answers at the data holder.
pub async fn post(
    State(sim): S,
    Path((sid, step)): Path<(String, String)>,
    body: Bytes,
) -> PageResult {
    let (s, h) = holder_of(&sim, &sid)?;
    let f = form(&body);
    let again = |p: Page| Ok(p.status(StatusCode::BAD_REQUEST).into_response());
    match step.as_str() {
        "login" => {
            if form_get(&f, "member").map(str::trim) != Some(OB_MEMBER_NUMBER) {
                return again(login_page(
                    &sid,
                    Some("We don't recognise that member number."),
                ));
            }
            if sim.switches.lock().is_ok_and(|sw| sw.abandon_at_bank) {
                return Ok(abandoned().into_response());
            }
            update(&sim, &sid, |s| {
                if let Some(h) = &mut s.holder {
                    h.member_ok = true;
                }
            });
            Ok(go(&format!("/consent/holder/{sid}/code")))
        }
        "code" if h.member_ok => {
            if form_get(&f, "code").map(str::trim) != Some(OB_ONE_TIME_CODE) {
                return again(code_page(
                    &sid,
                    Some("That code is not right. Check it and try again."),
                ));
            }
            update(&sim, &sid, |s| {
                if let Some(h) = &mut s.holder {
                    h.code_ok = true;
                }
            });
            Ok(go(&format!("/consent/holder/{sid}/accounts")))
        }
        "accounts" if h.code_ok => {
            let chosen: Vec<String> = f
                .iter()
                .filter(|(k, _)| k == "account")
                .map(|(_, v)| v.clone())
                .collect();
            if chosen.is_empty() {
                return again(accounts_page(
                    &sid,
                    Some("Choose at least one account to share."),
                ));
            }
            update(&sim, &sid, |s| {
                if let Some(h) = &mut s.holder {
                    h.accounts = chosen;
                }
            });
            Ok(go(&format!("/consent/holder/{sid}/review")))
        }
        "review" => decide(
            &sim,
            &sid,
            &s,
            &h,
            form_get(&f, "decision") == Some("approve"),
        ),
        _ => Ok(go(&format!("/consent/holder/{sid}/login"))),
    }
}

/// Approve (when the person got this far) or decline; either way a job reports the outcome.
fn decide(sim: &Sim, sid: &str, s: &Session, h: &Holder, approve: bool) -> PageResult {
    let declines = sim.switches.lock().is_ok_and(|sw| sw.holder_declines);
    let approved = approve && h.code_ok && !h.accounts.is_empty() && !declines;
    let days = consent_days(sim);
    let job = with_store(sim, |st, ctx| {
        if st.connection(&s.user_id, &h.connection).is_err() {
            return None;
        }
        match (approved, h.renew) {
            (true, true) => st.renew_open_banking(ctx, &h.connection, days),
            (true, false) => {
                st.authorise_open_banking(ctx, &h.connection, Some(h.accounts.clone()))
            }
            (false, _) => st.authorise_open_banking(ctx, &h.connection, None),
        }
    })?
    .ok_or_else(|| super::not_found(sim, "Requested connection does not exist."))?;
    Ok(go(&job_started(sim, sid, &job)))
}

fn abandoned() -> Page {
    bank_page(
        "You have left Hooli OB",
        "<p>Your session at the bank has ended. You can close this window.</p>".to_string(),
    )
}
