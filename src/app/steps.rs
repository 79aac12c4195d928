//! The credential form and what submitting it needs: fresh captions, creating the connection.
//! All of it lives in the `flow` split module (the picker fetches it once its list is up); the
//! steps after the form are `job.rs`'s.

use bank_connect_core::InstitutionSummary;
use bank_connect_core::flow::{Attempt, FlowEffect, FlowEvent, FlowState, Form};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Ctx;
#[cfg(feature = "split")]
use super::job::preload_job;
use crate::browser::now_ms;
use crate::components::{CredentialForm, CredentialSubmit};
use crate::split::ChunkError;
#[cfg(feature = "split")]
use crate::split::preload;

impl Ctx {
    /// Fresh captions and status for the chosen institution (the cached ones stay on failure).
    pub(super) fn refresh_institution(&self, id: String) {
        let ctx = *self;
        spawn_local(async move {
            let answer = ctx
                .with_token(|basiq| {
                    let id = id.clone();
                    async move { basiq.institution(&id).await }
                })
                .await;
            if let Ok(inst) = answer {
                let mut fresh = InstitutionSummary::from_institution(&inst);
                // Keep the directory's logo when the detail has none.
                if fresh.logo.is_none() {
                    fresh.logo = ctx
                        .flow
                        .with_untracked(|f| f.institution().and_then(|i| i.logo.clone()));
                }
                ctx.dispatch_in_form(FlowEvent::InstitutionDetails(fresh));
            }
        });
    }

    pub(super) fn submit_credentials(&self, submit: CredentialSubmit) {
        let CredentialSubmit {
            login_id,
            check,
            body,
        } = submit;
        self.dispatch_in_form(FlowEvent::Submit { login_id, check });
        let Some(body) = body else { return };
        let sending = self.flow.with_untracked(|f| {
            matches!(
                f,
                FlowState::EnteringCredentials(Form {
                    submitting: true,
                    ..
                })
            )
        });
        if !sending {
            return;
        }
        let ctx = *self;
        spawn_local(async move {
            let result = ctx
                .with_token(|basiq| {
                    let body = body.clone();
                    async move { basiq.create_connection(&body).await }
                })
                .await;
            drop(body);
            match result {
                Ok(job) => ctx.dispatch_in_form(FlowEvent::ConnectionCreated {
                    job_id: job.id,
                    now_ms: now_ms(),
                }),
                Err(e) => ctx.dispatch_in_form(e.into_event()),
            }
        });
    }
}

/// The I/O the form asks for (in the `flow` module, beside it).
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(flow, wasm_split_path = ::leptos::wasm_split, fallible)
)]
pub(super) fn flow_effect(ctx: Ctx, effect: FlowEffect) -> Result<(), ChunkError> {
    if let FlowEffect::FetchInstitution(id) = effect {
        ctx.refresh_institution(id);
    }
    Ok(())
}

/// The credential form (split point `flow`).
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(
        flow,
        wasm_split_path = ::leptos::wasm_split,
        fallible,
        preload(preload_flow)
    )
)]
pub(super) fn flow_screen(ctx: Ctx, state: FlowState) -> Result<AnyView, ChunkError> {
    Ok(match state {
        FlowState::EnteringCredentials(Form { attempt, .. }) => {
            preload_the_job();
            credentials_screen(ctx, attempt)
        }
        _ => ().into_any(),
    })
}

/// Starts downloading the job's module (progress, MFA, accounts, failure) once the form is on
/// screen and the page is idle, so it is there by the time the person submits.
fn preload_the_job() {
    #[cfg(feature = "split")]
    crate::schedule::idle_after_next_paint(|| preload!(preload_job));
}

fn credentials_screen(ctx: Ctx, attempt: Attempt) -> AnyView {
    let flow = ctx.flow;
    let institution = attempt.institution;
    let inst = Signal::derive(move || {
        flow.with(|f| f.institution().cloned())
            .unwrap_or_else(|| institution.clone())
    });
    let form = move |f: &FlowState| match f {
        FlowState::EnteringCredentials(form) => Some(form.clone()),
        _ => None,
    };
    let check = Signal::derive(move || flow.with(form).map(|f| f.check).unwrap_or_default());
    let submitting = Signal::derive(move || flow.with(form).is_some_and(|f| f.submitting));
    let notice = Signal::derive(move || flow.with(form).and_then(|f| f.notice));
    view! {
        <CredentialForm
            institution=inst
            login_prefill=attempt.login_id.unwrap_or_default()
            check=check
            submitting=submitting
            notice=notice
            on_submit=move |s| ctx.submit_credentials(s)
            on_back=move |_| ctx.dispatch_in_form(FlowEvent::Back)
        />
    }
    .into_any()
}
