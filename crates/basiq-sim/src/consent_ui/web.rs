//! Connecting in the Consent UI: the web credential form (the institution's captions, the
//! sandbox personas, MFA exactly as in 2.1), the step into the data holder for open banking,
//! and the job's progress, success and error screens.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;

use super::capture::{close_button, form, form_get, label};
use super::html::{Page, alert, esc, field};
use super::{
    Holder, PageError, PageResult, Session, back_url, go, no_active_consent, session, update,
    with_store,
};
use crate::institutions::{self, Institution};
use crate::state::Sim;
use crate::store::{Credentials, Job, Method, StepResult, StepStatus};
use crate::wire::challenge_text;

type S = State<Arc<Sim>>;

fn connector(sim: &Sim, inst: &str, method: &str) -> Result<(Institution, Method), PageError> {
    crate::connectors::find_connector(&sim.directory, inst, method)
        .map(|(i, m)| (i.clone(), m))
        .map_err(|_| super::not_found(sim, "Requested institution does not exist."))
}

fn require_consent(sim: &Sim, s: &Session) -> Result<(), PageError> {
    if with_store(sim, |st, _| st.active_consent(&s.user_id).is_some())? {
        Ok(())
    } else {
        Err(no_active_consent(sim))
    }
}

/// The connection being updated (`connectionId`) when it is at this institution.
fn updating(sim: &Sim, s: &Session, inst: &str) -> Result<Option<(String, String)>, PageError> {
    let Some(c) = &s.connection else {
        return Ok(None);
    };
    with_store(sim, |st, _| {
        st.connection(&s.user_id, c)
            .ok()
            .filter(|c| c.institution_id == inst && c.method == Method::Web)
            .map(|c| (c.id.clone(), c.login_id.clone()))
    })
}

/// `GET …/connect/{inst}/{method}`: the credential form, or (open banking) off to the bank.
pub async fn connect(
    State(sim): S,
    Path((sid, inst, method)): Path<(String, String, String)>,
) -> PageResult {
    let s = session(&sim, &sid)?;
    require_consent(&sim, &s)?;
    let (i, m) = connector(&sim, &inst, &method)?;
    if m == Method::OpenBanking {
        let conn = with_store(&sim, |st, ctx| {
            st.create_consented_connection(ctx, &s.user_id, &i.id, m, &Credentials::default())
        })?;
        update(&sim, &sid, |s| {
            s.holder = Some(Holder {
                connection: conn,
                ..Holder::default()
            })
        });
        return Ok(go(&format!("/consent/holder/{sid}/login")));
    }
    let login = updating(&sim, &s, &i.id)?.map(|(_, l)| l);
    Ok(credential_form(&sim, &sid, &i, login.as_deref(), None).into_response())
}

fn credential_form(
    sim: &Sim,
    sid: &str,
    i: &Institution,
    login: Option<&str>,
    error: Option<&str>,
) -> Page {
    let mut fields = field(
        "loginId",
        &i.login_id_caption,
        "text",
        login.unwrap_or_default(),
        "username",
    );
    fields.push_str(&field(
        "password",
        &i.password_caption,
        "password",
        "",
        "current-password",
    ));
    if let Some(c) = &i.security_code_caption {
        fields.push_str(&field("securityCode", c, "password", "", "off"));
    }
    if let Some(c) = &i.secondary_login_id_caption {
        fields.push_str(&field("secondaryLoginId", c, "text", "", "off"));
    }
    let forgot = if i.forgotten_password {
        format!(
            "<p><a href=\"/forgotten-password/{}\">Forgotten your password?</a></p>",
            esc(&i.id)
        )
    } else {
        String::new()
    };
    let body = format!(
        "{}<form method=\"post\" action=\"/consent/s/{sid}/connect/{}/web\" class=\"block\">{fields}\
<button type=\"submit\">Connect</button></form>{forgot}\
<p><a href=\"/consent/s/{sid}/leave\">Cancel</a></p>",
        alert(error),
        esc(&i.id)
    );
    let title = if login.is_some() {
        format!("Update your login to {}", i.name)
    } else {
        format!("Log in to {}", i.name)
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Page::new(&sim.cfg.dashboard.organisation, title, body).status(status)
}

/// `POST …/connect/{inst}/web`: creates (or updates) the connection and starts its job.
pub async fn connect_post(
    State(sim): S,
    Path((sid, inst, method)): Path<(String, String, String)>,
    body: Bytes,
) -> PageResult {
    let s = session(&sim, &sid)?;
    require_consent(&sim, &s)?;
    let (i, m) = connector(&sim, &inst, &method)?;
    if m != Method::Web {
        return Err(super::not_found(
            &sim,
            "Requested institution does not exist.",
        ));
    }
    let f = form(&body);
    let (Some(login), Some(password)) = (form_get(&f, "loginId"), form_get(&f, "password")) else {
        let msg = format!(
            "Enter your {} and {}.",
            i.login_id_caption, i.password_caption
        );
        return Ok(
            credential_form(&sim, &sid, &i, form_get(&f, "loginId"), Some(&msg)).into_response(),
        );
    };
    let creds = Credentials {
        login_id: Some(login.to_string()),
        password: password.to_string(),
        security_code: form_get(&f, "securityCode").map(String::from),
        secondary_login_id: form_get(&f, "secondaryLoginId").map(String::from),
    };
    let existing = updating(&sim, &s, &i.id)?.map(|(c, _)| c);
    let job = with_store(&sim, |st, ctx| {
        let conn = match existing.or_else(|| st.find_connection(&s.user_id, &i.id, login)) {
            Some(c) => {
                if let Some(j) = st.running_job(&c) {
                    return Some(j);
                }
                st.set_credentials(&c, &creds);
                c
            }
            None => st.create_consented_connection(ctx, &s.user_id, &i.id, Method::Web, &creds),
        };
        st.start_job(ctx, &conn)
    })?
    .ok_or_else(|| super::not_found(&sim, "Requested institution does not exist."))?;
    Ok(go(&job_started(&sim, &sid, &job)))
}

/// Records a job of this visit; returns its page.
pub fn job_started(sim: &Sim, sid: &str, job: &str) -> String {
    update(sim, sid, |s| {
        if !s.jobs.iter().any(|j| j == job) {
            s.jobs.push(job.to_string());
        }
        s.holder = None;
    });
    format!("/consent/s/{sid}/job/{job}")
}

/// What the person sees of a job.
enum Screen {
    Working,
    Mfa(crate::personas::MfaKind, bool),
    Connected,
    Failed(&'static str, &'static str),
}

fn screen(j: &Job) -> Screen {
    for s in &j.steps {
        match (&s.status, &s.result) {
            (StepStatus::Failed, Some(StepResult::Failed(f))) => return Screen::Failed(f.1, f.2),
            (StepStatus::InProgress, Some(StepResult::Challenge(k))) => {
                let retry = j.mfa.as_ref().is_some_and(|m| m.attempts > 0);
                return Screen::Mfa(*k, retry);
            }
            _ => {}
        }
    }
    let verified = j
        .steps
        .iter()
        .filter(|s| s.title == "verify-credentials" || s.title == "mfa-challenge")
        .all(|s| s.status == StepStatus::Success);
    if verified {
        Screen::Connected
    } else {
        Screen::Working
    }
}

/// `GET …/job/{job}`: progress (reloads every second), MFA, success or error.
pub async fn job(State(sim): S, Path((sid, job)): Path<(String, String)>) -> PageResult {
    let s = session(&sim, &sid)?;
    let found = with_store(&sim, |st, _| {
        st.job(&job)
            .ok()
            .filter(|j| j.user_id == s.user_id)
            .map(|j| (screen(j), j.institution_id.clone(), j.connection_id.clone()))
    })?;
    let (screen, inst, conn) =
        found.ok_or_else(|| super::not_found(&sim, "Requested job does not exist."))?;
    let method = with_store(&sim, |st, _| {
        st.connection(&s.user_id, &conn).map(|c| c.method).ok()
    })?
    .unwrap_or(Method::Web);
    let name = institutions::find(&sim.directory, &inst)
        .map(|i| label(i, method))
        .unwrap_or(inst.clone());
    let d = &sim.cfg.dashboard;
    let org = &d.organisation;
    let page = match screen {
        Screen::Working => Page::new(
            org,
            format!("Connecting to {name}…"),
            "<p role=\"status\">Checking your details with your bank. This takes a few seconds.</p>",
        )
        .refresh(1),
        Screen::Mfa(kind, retry) => mfa_page(&sim, &sid, &job, kind, retry),
        Screen::Connected if d.skip_success => return Ok(go(&back_url(&sim, &sid, &s))),
        Screen::Connected => {
            let another = if d.allow_multiple {
                format!(
                    "<a class=\"button secondary\" href=\"/consent/s/{sid}/institutions\">Connect another bank</a>"
                )
            } else {
                String::new()
            };
            Page::new(
                org,
                "Connected",
                format!(
                    "<p role=\"status\">{} is connected. Your data is being retrieved.</p><p>{}{another}</p>",
                    esc(&name),
                    close_button(&sid, "Done")
                ),
            )
        }
        Screen::Failed(..) if d.skip_error => return Ok(go(&back_url(&sim, &sid, &s))),
        Screen::Failed(title, detail) => {
            let retry = format!("/consent/s/{sid}/connect/{}/{}", esc(&inst), method.as_str());
            Page::new(
                org,
                title,
                format!(
                    "<p role=\"alert\" class=\"alert\">{}</p><p><a class=\"button\" href=\"{retry}\">Try again</a>\
<a class=\"button secondary\" href=\"/consent/s/{sid}/done\">Back to {}</a></p>",
                    esc(detail),
                    esc(org)
                ),
            )
        }
    };
    Ok(page.into_response())
}

fn mfa_page(sim: &Sim, sid: &str, job: &str, kind: crate::personas::MfaKind, retry: bool) -> Page {
    let (_, description, questions) = challenge_text(kind);
    let fields: String = questions
        .iter()
        .enumerate()
        .map(|(n, q)| field(&format!("answer{n}"), q, "text", "", "off"))
        .collect();
    let warn = retry.then_some("That answer wasn't accepted. Try again.");
    let body = format!(
        "{}<p>{}</p><form method=\"post\" action=\"/consent/s/{sid}/job/{job}/mfa\" class=\"block\">{fields}\
<button type=\"submit\">Submit</button></form>",
        alert(warn),
        esc(description)
    );
    Page::new(&sim.cfg.dashboard.organisation, "Confirm it's you", body)
}

/// `POST …/job/{job}/mfa`: the answers, then back to the job's page.
pub async fn mfa_post(
    State(sim): S,
    Path((sid, job)): Path<(String, String)>,
    body: Bytes,
) -> PageResult {
    let s = session(&sim, &sid)?;
    let f = form(&body);
    let answers: Vec<String> = (0..2)
        .filter_map(|n| {
            f.iter()
                .find(|(k, _)| *k == format!("answer{n}"))
                .map(|(_, v)| v.clone())
        })
        .collect();
    with_store(&sim, |st, ctx| {
        if st.job(&job).is_ok_and(|j| j.user_id == s.user_id) {
            let _ = st.answer_mfa(ctx, &job, &answers);
        }
    })?;
    Ok(go(&format!("/consent/s/{sid}/job/{job}")))
}
