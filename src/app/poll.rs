//! The one poll loop for a Basiq job, shared by the connect flow and the connections view.

use bank_connect_core::basiq::Job;
use bank_connect_core::job::{self, JobFollow};
use leptos::task::spawn_local;

use super::{CallError, Ctx};
use crate::browser::{self, now_ms};

impl Ctx {
    /// Polls the job at core's cadence while `followed()` is this job (the caller's
    /// state stops naming it when the job ends or the person stops following it), skipping a
    /// turn while an MFA answer is on its way. Each answer goes to `on_job` with the time its
    /// poll was sent; a failure that core does not ride out goes to `on_failure`. With Basiq
    /// 3.0 (the Consent UI) the job comes from our server's `GET /api/jobs/{id}` (a 3.0 client
    /// token serves only the Consent UI); with 2.1 from Basiq's `GET /jobs/{id}`.
    pub(crate) fn poll_job(
        &self,
        job_id: String,
        followed: impl Fn() -> Option<JobFollow> + 'static,
        on_job: impl Fn(Job, u64) + 'static,
        on_failure: impl Fn(CallError) + 'static,
    ) {
        let ctx = *self;
        let current = move || followed().filter(|f| f.job_id == job_id);
        spawn_local(async move {
            let mut failures = 0;
            while let Some(f) = current() {
                browser::sleep(job::poll_delay_ms(f.elapsed_ms(now_ms()))).await;
                let Some(f) = current() else { break };
                let Some(job_id) = f.job_to_poll().map(str::to_string) else {
                    continue; // an MFA answer is on its way
                };
                let requested_at_ms = now_ms();
                let answer = if ctx.consent_ui() {
                    crate::api::fetch_job(&job_id)
                        .await
                        .map_err(CallError::Failed)
                } else {
                    ctx.with_token(|basiq| {
                        let job_id = job_id.clone();
                        async move { basiq.job(&job_id).await }
                    })
                    .await
                };
                if current().is_none() {
                    break;
                }
                match answer {
                    Ok(job) => {
                        failures = 0;
                        on_job(job, requested_at_ms);
                    }
                    Err(CallError::Failed(e)) if job::rides_out_poll_failure(&e.kind, failures) => {
                        failures += 1;
                    }
                    Err(e) => on_failure(e),
                }
            }
        });
    }
}
