//! The job engine: a job's plan is decided when it starts (from the institution's status and
//! the persona behind the login), and its steps advance on the simulated clock whenever the
//! store is ticked.

use std::time::Duration;

use super::job::*;
use super::records::{ConnStatus, Connection, Method};
use super::{Ctx, Store, valid_id};
use crate::error::{ApiError, ApiResult};
use crate::filter::Cond;
use crate::personas::{self, MfaKind, PERSONAS, Verdict};
use crate::state::det_hash;

impl Store {
    /// The running job of a connection, if any.
    pub fn running_job(&self, conn_id: &str) -> Option<String> {
        self.connections
            .get(conn_id)
            .and_then(|c| c.active_job.clone())
    }

    /// Starts a job on a connection (plan decided now, steps advance with the clock).
    pub fn start_job(&mut self, ctx: &Ctx, conn_id: &str) -> Option<String> {
        let conn = self.connections.get(conn_id)?.clone();
        let inst = ctx.dir.iter().find(|i| i.id == conn.institution_id)?;
        let id = self.next_id("job");
        let ms = |x: u64, lo: u64, hi: u64| {
            let slow = if inst.status == "degraded-performance" {
                2
            } else {
                1
            };
            Duration::from_millis((x * 2 / 5).clamp(lo, hi) * slow)
        };
        let (v, a, t) = (
            ms(inst.stats_ms[0], 1000, 5000),
            ms(inst.stats_ms[1], 800, 4000),
            ms(inst.stats_ms[2], 1000, 6000),
        );
        let verdict = persona_verdict(&conn);
        let web = conn.method == Method::Web;
        let verify = match inst.status.as_str() {
            "major-outage" => Outcome::Fail(F_OUTAGE),
            "under-maintenance" => Outcome::Fail(F_MAINTENANCE),
            _ if !web && conn.declined => Outcome::Fail(F_DH_DECLINED),
            _ if web && inst.security_code_caption.is_some() && conn.security_code.is_none() => {
                Outcome::Fail(F_NO_SECURITY_CODE)
            }
            _ if web
                && inst.secondary_login_id_caption.is_some()
                && conn.secondary_login_id.is_none() =>
            {
                Outcome::Fail(F_NO_SECONDARY_LOGIN)
            }
            _ => match verdict {
                Verdict::Ok(_) => Outcome::Success,
                Verdict::Locked => Outcome::Fail(F_LOCKED),
                Verdict::ActionRequired => Outcome::Fail(F_ACTION),
                Verdict::Unavailable => Outcome::Fail(F_UNAVAILABLE),
                Verdict::BadCredentials => Outcome::Fail(F_BAD_CREDENTIALS),
            },
        };
        let mut steps = vec![step("verify-credentials", v, verify.clone(), true)];
        if let (Outcome::Success, Verdict::Ok(p)) = (&verify, verdict) {
            let asks = web
                && match inst.authorization.as_str() {
                    "user-mfa" => true,
                    "user-mfa-intermittent" => det_hash(self.seed, &["mfa", &id]).is_multiple_of(2),
                    _ => false,
                };
            if asks {
                steps.push(step(
                    "mfa-challenge",
                    Duration::from_millis(500),
                    Outcome::Mfa(PERSONAS[p].mfa),
                    false,
                ));
            }
        }
        steps.push(step("retrieve-accounts", a, Outcome::Success, true));
        steps.push(step("retrieve-transactions", t, Outcome::Success, true));
        let now_wall = self.wall(ctx.now);
        let job = Job {
            id: id.clone(),
            user_id: conn.user_id.clone(),
            connection_id: conn.id.clone(),
            institution_id: conn.institution_id.clone(),
            short_name: inst.short_name.clone(),
            created: now_wall,
            updated: now_wall,
            steps,
            cursor: 0,
            step_started: ctx.now,
            done: false,
            mfa: None,
            mfa_expiry_ms: u64::try_from(MFA_EXPIRY.div_f64(self.speed).as_millis())
                .unwrap_or(u64::MAX),
            generated: None,
        };
        self.jobs.insert(id.clone(), job);
        if let Some(c) = self.connections.get_mut(conn_id) {
            c.active_job = Some(id.clone());
        }
        if let Some(u) = self.users.get_mut(&conn.user_id) {
            u.jobs.push(id.clone());
        }
        Some(id)
    }

    /// Advances every running job to the current simulated time, and expires what is due.
    pub fn tick(&mut self, ctx: &Ctx) {
        self.expire_due(ctx.now);
        let running: Vec<String> = self
            .jobs
            .values()
            .filter(|j| !j.done)
            .map(|j| j.id.clone())
            .collect();
        for id in running {
            if let Some(mut job) = self.jobs.remove(&id) {
                self.advance(&mut job, ctx);
                self.jobs.insert(id, job);
            }
        }
    }

    fn advance(&mut self, job: &mut Job, ctx: &Ctx) {
        let now = ctx.now;
        while !job.done {
            let i = job.cursor;
            if i >= job.steps.len() {
                self.finish(job);
                break;
            }
            match job.steps[i].outcome.clone() {
                Outcome::Mfa(kind) => {
                    job.steps[i].visible = true;
                    if job.steps[i].status == StepStatus::Pending {
                        let issue_at = job.step_started.saturating_add(job.steps[i].dur);
                        if now < issue_at {
                            break;
                        }
                        job.steps[i].status = StepStatus::InProgress;
                        job.steps[i].result = Some(StepResult::Challenge(kind));
                        job.mfa = Some(MfaState {
                            expires: issue_at.saturating_add(MFA_EXPIRY),
                            attempts: 0,
                        });
                        job.updated = self.wall(issue_at);
                    }
                    if let Some(m) = &job.mfa
                        && now >= m.expires
                    {
                        let at = m.expires;
                        self.fail(job, i, F_MFA_EXPIRED, at);
                    }
                    break;
                }
                outcome => {
                    let first_wait = if i == 0 {
                        Duration::from_millis(300)
                    } else {
                        Duration::ZERO
                    };
                    let pending_until = job.step_started.saturating_add(first_wait);
                    if now < pending_until {
                        break;
                    }
                    if job.steps[i].status == StepStatus::Pending {
                        job.steps[i].status = StepStatus::InProgress;
                        job.updated = self.wall(pending_until);
                    }
                    let end = pending_until.saturating_add(job.steps[i].dur);
                    if now < end {
                        break;
                    }
                    match outcome {
                        Outcome::Fail(f) => {
                            self.fail(job, i, f, end);
                        }
                        _ => {
                            self.succeed(job, i, end);
                            job.cursor += 1;
                            job.step_started = end;
                        }
                    }
                }
            }
        }
    }

    fn finish(&mut self, job: &mut Job) {
        job.done = true;
        job.mfa = None;
        if let Some(c) = self.connections.get_mut(&job.connection_id)
            && c.active_job.as_deref() == Some(job.id.as_str())
        {
            c.active_job = None;
        }
    }

    fn fail(&mut self, job: &mut Job, i: usize, f: Failure, at: Duration) {
        job.steps[i].status = StepStatus::Failed;
        job.steps[i].result = Some(StepResult::Failed(f));
        job.updated = self.wall(at);
        if matches!(
            f.0,
            "invalid-credentials" | "account-not-accessible-requires-user-action"
        ) && job.steps[i].title == "verify-credentials"
            && let Some(c) = self.connections.get_mut(&job.connection_id)
            && c.status != ConnStatus::Invalid
        {
            c.status = ConnStatus::Invalid;
            self.emit_connection("connection.invalidated", &job.user_id, &job.connection_id);
        }
        self.finish(job);
    }

    fn succeed(&mut self, job: &mut Job, i: usize, at: Duration) {
        let wall = self.wall(at);
        job.updated = wall;
        job.steps[i].status = StepStatus::Success;
        let u = &job.user_id;
        let inst_filter = format!("filter=institution.id.eq('{}')", job.institution_id);
        let title = job.steps[i].title;
        job.steps[i].result = Some(StepResult::Link(match title {
            "verify-credentials" => format!("/users/{u}/connections/{}", job.connection_id),
            "retrieve-accounts" => format!("/users/{u}/accounts?{inst_filter}"),
            _ => format!("/users/{u}/transactions?{inst_filter}"),
        }));
        match title {
            "verify-credentials" => {
                let mfa = job.steps.iter().any(|s| s.title == "mfa-challenge");
                let mut persona = None;
                let mut activated = false;
                if let Some(c) = self.connections.get_mut(&job.connection_id) {
                    activated = c.status != ConnStatus::Active;
                    c.status = ConnStatus::Active;
                    c.last_used = Some(wall);
                    c.declined = false;
                    c.mfa_enabled = mfa;
                    if let Verdict::Ok(p) = persona_verdict(c) {
                        c.persona = Some(p);
                        persona = Some(p);
                    }
                }
                if activated {
                    self.emit_connection("connection.activated", u, &job.connection_id);
                }
                if let Some(p) = persona {
                    job.generated =
                        Some((p, personas::generate(self.seed, &PERSONAS[p], self.today)));
                }
            }
            "retrieve-accounts" => self.store_accounts(job, &super::ts(wall)),
            "retrieve-transactions" => {
                self.store_transactions(job);
                let entity = format!(
                    "/users/{u}/transactions?filter=connection.id.eq('{}')",
                    job.connection_id
                );
                self.emit("transactions.updated", u, entity);
            }
            _ => {}
        }
    }

    /// Answers an MFA challenge (`POST /jobs/{id}/mfa`).
    pub fn answer_mfa(&mut self, ctx: &Ctx, job_id: &str, answers: &[String]) -> ApiResult<()> {
        let mut job = self
            .jobs
            .remove(job_id)
            .ok_or_else(|| ApiError::not_found("Requested job does not exist."))?;
        let r = self.answer_inner(ctx, &mut job, answers);
        self.jobs.insert(job_id.into(), job);
        r
    }

    fn answer_inner(&mut self, ctx: &Ctx, job: &mut Job, answers: &[String]) -> ApiResult<()> {
        let i = job.cursor;
        let awaiting = !job.done
            && job.mfa.is_some()
            && job.steps.get(i).is_some_and(|s| {
                s.status == StepStatus::InProgress && matches!(s.outcome, Outcome::Mfa(_))
            });
        if !awaiting {
            return Err(
                ApiError::not_valid("Job is not awaiting an MFA response.").with_source(
                    serde_json::json!({"parameter": "mfa-response", "pointer": "body/mfa-response"}),
                ),
            );
        }
        let Outcome::Mfa(kind) = job.steps[i].outcome else {
            return Ok(());
        };
        let given: Vec<&str> = answers.iter().map(|a| a.trim()).collect();
        let correct = match kind {
            MfaKind::Token => given == ["1234"],
            MfaKind::OneQuestion => given == ["Hooli"],
            MfaKind::TwoQuestions => {
                given.len() == 2
                    && given[0] == "Basiq"
                    && (given[1] == "AU00000" || given[1] == job.institution_id)
            }
        };
        let now = ctx.now;
        if correct {
            job.steps[i].status = StepStatus::Success;
            job.mfa = None;
            job.cursor += 1;
            job.step_started = now;
            job.updated = self.wall(now);
            return Ok(());
        }
        let attempts = job.mfa.as_ref().map(|m| m.attempts + 1).unwrap_or(1);
        if attempts >= MFA_TRIES {
            self.fail(job, i, F_MFA_WRONG, now);
        } else {
            job.mfa = Some(MfaState {
                expires: now.saturating_add(MFA_EXPIRY),
                attempts,
            });
            job.steps[i].result = Some(StepResult::Challenge(kind));
            job.updated = self.wall(now);
        }
        Ok(())
    }

    /// A job, or Basiq's 400/404.
    pub fn job(&self, id: &str) -> ApiResult<&Job> {
        if !valid_id(id) {
            return Err(ApiError::not_valid("Job ID value is not valid")
                .with_source(serde_json::json!({"parameter": "jobId", "pointer": "path/jobId"})));
        }
        self.jobs
            .get(id)
            .ok_or_else(|| ApiError::not_found("Requested job does not exist."))
    }

    /// `GET /users/{id}/jobs` items (newest first), optionally filtered.
    pub fn user_jobs(&self, user_id: &str, conds: &[Cond]) -> ApiResult<Vec<&Job>> {
        let u = self.user(user_id)?;
        Ok(u.jobs
            .iter()
            .rev()
            .filter_map(|id| self.jobs.get(id))
            .filter(|j| {
                conds.iter().all(|c| match c.field.as_str() {
                    "connection.id" => c.matches(&j.connection_id),
                    "institution.id" => c.matches(&j.institution_id),
                    "job.id" | "id" => c.matches(&j.id),
                    _ => false,
                })
            })
            .collect())
    }
}

/// Who is behind a connection: the persona of a web login, or Hooli OB's member.
fn persona_verdict(c: &Connection) -> Verdict {
    match c.method {
        Method::Web => personas::verdict(&c.login_id, &c.password),
        Method::OpenBanking => Verdict::Ok(personas::open_banking_persona()),
    }
}
