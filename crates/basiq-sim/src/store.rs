//! Users, connections, jobs (steps advancing on the simulated clock), accounts and transactions.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::filter::{self, Cond};
use crate::institutions::Institution;
use crate::personas::{self, GenAccount, MfaKind, PERSONAS, Verdict, money};
use crate::state::{det_hash, det_uuid};

/// What the request handlers pass to the store: directory, base URL and simulated time.
pub struct Ctx<'a> {
    /// Institution directory.
    pub dir: &'a [Institution],
    /// `http://host:port`.
    pub base: &'a str,
    /// Simulated time since start.
    pub now: Duration,
}

/// A Basiq user.
#[derive(Debug, Clone)]
pub struct User {
    /// Id.
    pub id: String,
    /// Email.
    pub email: Option<String>,
    /// Mobile.
    pub mobile: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Connection ids in creation order.
    pub connections: Vec<String>,
    /// Job ids in creation order.
    pub jobs: Vec<String>,
    /// Accounts (kept after a connection is deleted).
    pub accounts: Vec<Account>,
    /// Transactions in Basiq's order.
    pub transactions: Vec<Txn>,
}

/// Connection status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnStatus {
    /// Credentials not verified yet.
    Pending,
    /// Working.
    Active,
    /// Needs new credentials.
    Invalid,
}

impl ConnStatus {
    fn as_str(self) -> &'static str {
        match self {
            ConnStatus::Pending => "pending",
            ConnStatus::Active => "active",
            ConnStatus::Invalid => "invalid",
        }
    }
}

/// A connection to an institution.
#[derive(Debug, Clone)]
pub struct Connection {
    /// Id.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// Institution id.
    pub institution_id: String,
    /// Login id.
    pub login_id: String,
    /// Password (never returned).
    pub password: String,
    /// Security code, when the institution asks for one (never returned).
    pub security_code: Option<String>,
    /// Secondary login id, when the institution asks for one (never returned).
    pub secondary_login_id: Option<String>,
    /// Status.
    pub status: ConnStatus,
    /// Created.
    pub created: DateTime<Utc>,
    /// Last successful login.
    pub last_used: Option<DateTime<Utc>>,
    /// Whether the last login met MFA.
    pub mfa_enabled: bool,
    /// Running job.
    pub active_job: Option<String>,
    /// Persona behind a verified login.
    pub persona: Option<usize>,
}

/// An account.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    /// Id.
    pub id: String,
    /// Connection id.
    pub connection_id: String,
    /// Institution id.
    pub institution_id: String,
    /// accountNo.
    pub no: String,
    /// Name.
    pub name: String,
    /// class.type.
    pub class: String,
    /// class.product.
    pub product: String,
    /// Balance (cents).
    pub balance: i64,
    /// Available funds (cents).
    pub available: i64,
    /// Account holder.
    pub holder: String,
    /// lastUpdated.
    pub last_updated: String,
    /// Transaction interval start.
    pub from: NaiveDate,
    /// Transaction interval end.
    pub to: NaiveDate,
}

/// A transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Txn {
    /// Id.
    pub id: String,
    /// Account id.
    pub account_id: String,
    /// Connection id.
    pub connection_id: String,
    /// Institution id.
    pub institution_id: String,
    /// Pending or posted.
    pub pending: bool,
    /// Description.
    pub description: String,
    /// Signed cents.
    pub cents: i64,
    /// Balance after (cents).
    pub balance: i64,
    /// Class.
    pub class: String,
    /// ANZSIC sub class.
    pub sub: Option<(String, String)>,
    /// Date.
    pub date: NaiveDate,
}

/// Credentials posted for a connection.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    /// Login id (required on create, optional on update).
    pub login_id: Option<String>,
    /// Password.
    pub password: String,
    /// Security code.
    pub security_code: Option<String>,
    /// Secondary login id.
    pub secondary_login_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StepStatus {
    Pending,
    InProgress,
    Success,
    Failed,
}

impl StepStatus {
    fn as_str(self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::InProgress => "in-progress",
            StepStatus::Success => "success",
            StepStatus::Failed => "failed",
        }
    }
}

/// A job failure: `(code, title, detail)`.
pub type Failure = (&'static str, &'static str, &'static str);

/// Invalid credentials (generic).
pub const F_BAD_CREDENTIALS: Failure = (
    "invalid-credentials",
    "Cannot login to target institution, check credentials.",
    "Cannot login to target institution using supplied credentials. Please check credentials and try again.",
);
/// Locked account (bighead).
pub const F_LOCKED: Failure = (
    "invalid-credentials",
    "Cannot login to target institution, check credentials: this account is locked.",
    "Account is locked. Cannot login to target institution using supplied credentials. Please contact institution directly.",
);
/// User action required (erlich).
pub const F_ACTION: Failure = (
    "account-not-accessible-requires-user-action",
    "Account not accessible, user action required.",
    "An action is required from end-user before account details can be returned.",
);
/// Service unavailable (jianYang).
pub const F_UNAVAILABLE: Failure = (
    "service-unavailable",
    "Service unavailable.",
    "Service is currently unavailable. Please try again later.",
);
/// Institution in major outage.
pub const F_OUTAGE: Failure = (
    "institution-not-available",
    "Institution not available.",
    "The institution is currently not available. Please try again later.",
);
/// Institution under maintenance.
pub const F_MAINTENANCE: Failure = (
    "maintenance",
    "Institution under maintenance.",
    "The institution is undergoing scheduled maintenance. Please try again later.",
);
/// The institution needs a security code and none was given.
pub const F_NO_SECURITY_CODE: Failure = (
    "invalid-credentials",
    "Cannot login to target institution, check credentials.",
    "Cannot login to target institution: a security code is required. Please check credentials and try again.",
);
/// The institution needs a secondary login id and none was given.
pub const F_NO_SECONDARY_LOGIN: Failure = (
    "invalid-credentials",
    "Cannot login to target institution, check credentials.",
    "Cannot login to target institution: a secondary login id is required. Please check credentials and try again.",
);
/// MFA not answered in time.
pub const F_MFA_EXPIRED: Failure = (
    "user-action-required",
    "MFA challenge expired.",
    "The multi-factor authentication challenge was not answered in time. Please try again.",
);
/// MFA answered wrongly three times.
pub const F_MFA_WRONG: Failure = (
    "invalid-credentials",
    "Cannot login to target institution, check credentials.",
    "The multi-factor authentication response was incorrect too many times. Please try again.",
);

#[derive(Debug, Clone)]
enum Outcome {
    Success,
    Fail(Failure),
    Mfa(MfaKind),
}

#[derive(Debug, Clone)]
struct JobStep {
    title: &'static str,
    status: StepStatus,
    result: Option<Value>,
    dur: Duration,
    outcome: Outcome,
    visible: bool,
}

#[derive(Debug, Clone)]
struct MfaState {
    expires: Duration,
    attempts: u32,
}

/// How long an MFA challenge stays open (simulated time).
pub const MFA_EXPIRY: Duration = Duration::from_secs(120);
/// Wrong MFA answers before the job fails.
pub const MFA_TRIES: u32 = 3;

/// A job.
#[derive(Debug, Clone)]
pub struct Job {
    /// Id.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// Connection id.
    pub connection_id: String,
    /// Institution id.
    pub institution_id: String,
    short_name: String,
    created: DateTime<Utc>,
    updated: DateTime<Utc>,
    steps: Vec<JobStep>,
    cursor: usize,
    step_started: Duration,
    done: bool,
    mfa: Option<MfaState>,
    generated: Option<(usize, Vec<GenAccount>)>,
}

#[derive(Debug, Clone)]
struct Cursor {
    user_id: String,
    filter: String,
    limit: usize,
    offset: usize,
}

/// In-memory data of the simulator.
#[derive(Debug)]
pub struct Store {
    seed: u64,
    counter: u64,
    speed: f64,
    start: DateTime<Utc>,
    today: NaiveDate,
    users: HashMap<String, User>,
    connections: HashMap<String, Connection>,
    jobs: HashMap<String, Job>,
    cursors: HashMap<String, Cursor>,
    cursor_order: VecDeque<String>,
    cursor_counter: u64,
    /// Money that arrived at the bank per login id since the persona data was generated
    /// (test switch): shows in the first account after the next connection job or refresh.
    deposits: HashMap<String, i64>,
}

/// Paging cursors kept (oldest dropped first).
pub const MAX_CURSORS: usize = 10_000;

fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Whether a path id looks like one of Basiq's ids.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

fn step(title: &'static str, dur: Duration, outcome: Outcome, visible: bool) -> JobStep {
    JobStep {
        title,
        status: StepStatus::Pending,
        result: None,
        dur,
        outcome,
        visible,
    }
}

fn failure_json(f: Failure) -> Value {
    json!({"code": f.0, "title": f.1, "detail": f.2})
}

impl Store {
    /// An empty store.
    pub fn new(seed: u64, speed: f64) -> Self {
        let start = Utc::now();
        Store {
            seed,
            counter: 0,
            speed: if speed.is_finite() && speed > 0.0 {
                speed
            } else {
                1.0
            },
            start,
            today: start.date_naive(),
            users: HashMap::new(),
            connections: HashMap::new(),
            jobs: HashMap::new(),
            cursors: HashMap::new(),
            cursor_order: VecDeque::new(),
            cursor_counter: 0,
            deposits: HashMap::new(),
        }
    }

    /// Test switch: `cents` arrive at the bank in the first account of every connection made
    /// with this login id. Like real bank activity it is seen only after the next refresh (the
    /// first account's balance moves and a "Deposit" transaction dated today appears).
    pub fn bank_deposit(&mut self, login: &str, cents: i64) {
        *self.deposits.entry(login.to_string()).or_insert(0) += cents;
    }

    fn deposit_for(&self, connection_id: &str) -> i64 {
        self.connections
            .get(connection_id)
            .and_then(|c| self.deposits.get(&c.login_id))
            .copied()
            .unwrap_or(0)
    }

    fn next_id(&mut self, kind: &str) -> String {
        self.counter += 1;
        det_uuid(self.seed, &[kind, &self.counter.to_string()])
    }

    fn wall(&self, t: Duration) -> DateTime<Utc> {
        let real = t.div_f64(self.speed);
        self.start + chrono::Duration::from_std(real).unwrap_or_default()
    }

    // ---------------------------------------------------------------- users

    /// Creates a user.
    pub fn create_user(
        &mut self,
        email: Option<String>,
        mobile: Option<String>,
        first: Option<String>,
        last: Option<String>,
    ) -> String {
        let id = self.next_id("user");
        self.users.insert(
            id.clone(),
            User {
                id: id.clone(),
                email,
                mobile,
                first_name: first,
                last_name: last,
                connections: Vec::new(),
                jobs: Vec::new(),
                accounts: Vec::new(),
                transactions: Vec::new(),
            },
        );
        id
    }

    /// A user, or Basiq's 400/404.
    pub fn user(&self, id: &str) -> ApiResult<&User> {
        if !valid_id(id) {
            return Err(ApiError::not_valid("User ID value is not valid")
                .with_source(json!({"parameter": "userId", "pointer": "path/userId"})));
        }
        self.users
            .get(id)
            .ok_or_else(|| ApiError::not_found("Requested user does not exist."))
    }

    /// A mutable user, or Basiq's 400/404.
    pub fn user_mut(&mut self, id: &str) -> ApiResult<&mut User> {
        self.user(id)?;
        self.users
            .get_mut(id)
            .ok_or_else(|| ApiError::not_found("Requested user does not exist."))
    }

    /// Deletes a user and everything under it.
    pub fn delete_user(&mut self, id: &str) -> ApiResult<()> {
        self.user(id)?;
        if let Some(u) = self.users.remove(id) {
            for c in &u.connections {
                self.connections.remove(c);
            }
            for j in &u.jobs {
                self.jobs.remove(j);
            }
        }
        Ok(())
    }

    /// Basiq's short user representation (POST answers).
    pub fn user_short_json(&self, u: &User, base: &str) -> Value {
        json!({"type": "user", "id": u.id, "email": u.email.clone().unwrap_or_default(),
            "mobile": u.mobile.clone().unwrap_or_default(),
            "links": {"self": format!("{base}/users/{}", u.id)}})
    }

    /// Basiq's full user representation (`GET /users/{id}`).
    pub fn user_json(&self, u: &User, base: &str) -> Value {
        let name = [u.first_name.as_deref(), u.last_name.as_deref()]
            .iter()
            .flatten()
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        let uu = format!("{base}/users/{}", u.id);
        let accounts: Vec<Value> = u
            .accounts
            .iter()
            .map(|a| json!({"type": "account", "id": a.id, "links": {"self": format!("{uu}/accounts/{}", a.id)}}))
            .collect();
        let conns: Vec<Value> = u
            .connections
            .iter()
            .map(|c| json!({"type": "connection", "id": c, "links": {"self": format!("{uu}/connections/{c}")}}))
            .collect();
        let mut v = json!({"type": "user", "id": u.id, "email": u.email.clone().unwrap_or_default(),
            "mobile": u.mobile.clone().unwrap_or_default(), "name": name,
            "accounts": {"type": "list", "count": accounts.len(), "data": accounts},
            "connections": {"type": "list", "count": conns.len(), "data": conns},
            "links": {"self": uu, "accounts": format!("{uu}/accounts"), "connections": format!("{uu}/connections"),
                "transactions": format!("{uu}/transactions"), "auth_link": null}});
        if let Some(f) = &u.first_name {
            v["firstName"] = json!(f);
        }
        if let Some(l) = &u.last_name {
            v["lastName"] = json!(l);
        }
        v
    }

    // ---------------------------------------------------------------- connections and jobs

    /// A connection of a user, or Basiq's 400/404.
    pub fn connection(&self, user_id: &str, id: &str) -> ApiResult<&Connection> {
        self.user(user_id)?;
        if !valid_id(id) {
            return Err(
                ApiError::not_valid("Connection ID value is not valid").with_source(
                    json!({"parameter": "connectionId", "pointer": "path/connectionId"}),
                ),
            );
        }
        self.connections
            .get(id)
            .filter(|c| c.user_id == user_id)
            .ok_or_else(|| ApiError::not_found("Requested connection does not exist."))
    }

    /// Finds a connection of the user at this institution with this login id.
    pub fn find_connection(&self, user_id: &str, institution: &str, login: &str) -> Option<String> {
        let u = self.users.get(user_id)?;
        u.connections
            .iter()
            .find(|c| {
                self.connections
                    .get(*c)
                    .is_some_and(|c| c.institution_id == institution && c.login_id == login)
            })
            .cloned()
    }

    /// Creates a pending connection.
    pub fn create_connection(
        &mut self,
        ctx: &Ctx,
        user_id: &str,
        institution: &str,
        creds: &Credentials,
    ) -> String {
        let id = self.next_id("connection");
        let created = self.wall(ctx.now);
        self.connections.insert(
            id.clone(),
            Connection {
                id: id.clone(),
                user_id: user_id.into(),
                institution_id: institution.into(),
                login_id: creds.login_id.clone().unwrap_or_default(),
                password: creds.password.clone(),
                security_code: creds.security_code.clone(),
                secondary_login_id: creds.secondary_login_id.clone(),
                status: ConnStatus::Pending,
                created,
                last_used: Some(created),
                mfa_enabled: false,
                active_job: None,
                persona: None,
            },
        );
        if let Some(u) = self.users.get_mut(user_id) {
            u.connections.push(id.clone());
        }
        id
    }

    /// Replaces stored credentials (absent optional parts are kept).
    pub fn set_credentials(&mut self, conn_id: &str, creds: &Credentials) {
        if let Some(c) = self.connections.get_mut(conn_id) {
            if let Some(l) = &creds.login_id {
                c.login_id = l.clone();
            }
            c.password = creds.password.clone();
            if creds.security_code.is_some() {
                c.security_code = creds.security_code.clone();
            }
            if creds.secondary_login_id.is_some() {
                c.secondary_login_id = creds.secondary_login_id.clone();
            }
        }
    }

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
        let verdict = personas::verdict(&conn.login_id, &conn.password);
        let verify = match inst.status.as_str() {
            "major-outage" => Outcome::Fail(F_OUTAGE),
            "under-maintenance" => Outcome::Fail(F_MAINTENANCE),
            _ if inst.security_code_caption.is_some() && conn.security_code.is_none() => {
                Outcome::Fail(F_NO_SECURITY_CODE)
            }
            _ if inst.secondary_login_id_caption.is_some() && conn.secondary_login_id.is_none() => {
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
            let asks = match inst.authorization.as_str() {
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

    /// Advances every running job to the current simulated time.
    pub fn tick(&mut self, ctx: &Ctx) {
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
                        job.steps[i].result =
                            Some(challenge_json(kind, &job.id, &job.institution_id, ctx.base));
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
        job.steps[i].result = Some(failure_json(f));
        job.updated = self.wall(at);
        if matches!(
            f.0,
            "invalid-credentials" | "account-not-accessible-requires-user-action"
        ) && job.steps[i].title == "verify-credentials"
            && let Some(c) = self.connections.get_mut(&job.connection_id)
        {
            c.status = ConnStatus::Invalid;
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
        job.steps[i].result = Some(match title {
            "verify-credentials" => {
                json!({"type": "link", "url": format!("/users/{u}/connections/{}", job.connection_id)})
            }
            "retrieve-accounts" => {
                json!({"type": "link", "url": format!("/users/{u}/accounts?{inst_filter}")})
            }
            _ => json!({"type": "link", "url": format!("/users/{u}/transactions?{inst_filter}")}),
        });
        match title {
            "verify-credentials" => {
                let mfa = job.steps.iter().any(|s| s.title == "mfa-challenge");
                let mut persona = None;
                if let Some(c) = self.connections.get_mut(&job.connection_id) {
                    c.status = ConnStatus::Active;
                    c.last_used = Some(wall);
                    c.mfa_enabled = mfa;
                    if let Verdict::Ok(p) = personas::verdict(&c.login_id, &c.password) {
                        c.persona = Some(p);
                        persona = Some(p);
                    }
                }
                if let Some(p) = persona {
                    job.generated =
                        Some((p, personas::generate(self.seed, &PERSONAS[p], self.today)));
                }
            }
            "retrieve-accounts" => self.store_accounts(job, &ts(wall)),
            "retrieve-transactions" => self.store_transactions(job),
            _ => {}
        }
    }

    fn account_id(&self, conn: &str, no: &str) -> String {
        det_uuid(self.seed, &["account", conn, no])
    }

    fn store_accounts(&mut self, job: &Job, last_updated: &str) {
        let Some((p, gen_accounts)) = &job.generated else {
            return;
        };
        if !self.connections.contains_key(&job.connection_id) {
            return;
        }
        let persona = &PERSONAS[*p];
        let deposit = self.deposit_for(&job.connection_id);
        let accounts: Vec<Account> = gen_accounts
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let spec = &persona.accounts[g.spec];
                let extra = if i == 0 { deposit } else { 0 };
                Account {
                    id: self.account_id(&job.connection_id, spec.no),
                    connection_id: job.connection_id.clone(),
                    institution_id: job.institution_id.clone(),
                    no: spec.no.into(),
                    name: spec.name.into(),
                    class: spec.class.into(),
                    product: format!("{} {}", job.short_name, spec.product),
                    balance: spec.balance + extra,
                    available: spec.available + extra,
                    holder: spec.holder.unwrap_or(persona.full_name).into(),
                    last_updated: last_updated.into(),
                    from: g.from,
                    to: self.today,
                }
            })
            .collect();
        if let Some(u) = self.users.get_mut(&job.user_id) {
            // Refresh keeps the account ids (and their place); new accounts go after the others.
            for a in accounts {
                if let Some(old) = u.accounts.iter_mut().find(|o| o.id == a.id) {
                    *old = a;
                } else {
                    u.accounts.push(a);
                }
            }
        }
    }

    fn store_transactions(&mut self, job: &Job) {
        let Some((p, gen_accounts)) = &job.generated else {
            return;
        };
        if !self.connections.contains_key(&job.connection_id) {
            return;
        }
        let persona = &PERSONAS[*p];
        let deposit = self.deposit_for(&job.connection_id);
        let mut rows = Vec::new();
        for (i, g) in gen_accounts.iter().enumerate() {
            let spec = &persona.accounts[g.spec];
            let account_id = self.account_id(&job.connection_id, spec.no);
            if i == 0 && deposit != 0 {
                rows.push(Txn {
                    id: det_uuid(self.seed, &["txn", &job.connection_id, spec.no, "deposit"]),
                    account_id: account_id.clone(),
                    connection_id: job.connection_id.clone(),
                    institution_id: job.institution_id.clone(),
                    pending: false,
                    description: "Deposit".into(),
                    cents: deposit,
                    balance: spec.balance + deposit,
                    class: if deposit < 0 {
                        "payment"
                    } else {
                        "direct-credit"
                    }
                    .into(),
                    sub: None,
                    date: self.today,
                });
            }
            for (k, t) in g.txns.iter().enumerate() {
                rows.push(Txn {
                    id: det_uuid(
                        self.seed,
                        &["txn", &job.connection_id, spec.no, &k.to_string()],
                    ),
                    account_id: account_id.clone(),
                    connection_id: job.connection_id.clone(),
                    institution_id: job.institution_id.clone(),
                    pending: t.pending,
                    description: t.description.clone(),
                    cents: t.cents,
                    balance: t.balance,
                    class: t.class.into(),
                    sub: t.sub.map(|(c, s)| (c.to_string(), s.to_string())),
                    date: t.date,
                });
            }
        }
        if let Some(u) = self.users.get_mut(&job.user_id) {
            let keep: Vec<Txn> = u
                .transactions
                .drain(..)
                .filter(|t| t.connection_id != job.connection_id)
                .collect();
            u.transactions = keep;
            u.transactions.extend(rows);
            let order: Vec<String> = u.accounts.iter().map(|a| a.id.clone()).collect();
            let pos = |id: &str| order.iter().position(|x| x == id).unwrap_or(usize::MAX);
            u.transactions.sort_by_key(|t| pos(&t.account_id));
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
                    json!({"parameter": "mfa-response", "pointer": "body/mfa-response"}),
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
            job.steps[i].result =
                Some(challenge_json(kind, &job.id, &job.institution_id, ctx.base));
            job.updated = self.wall(now);
        }
        Ok(())
    }

    /// A job, or Basiq's 400/404.
    pub fn job(&self, id: &str) -> ApiResult<&Job> {
        if !valid_id(id) {
            return Err(ApiError::not_valid("Job ID value is not valid")
                .with_source(json!({"parameter": "jobId", "pointer": "path/jobId"})));
        }
        self.jobs
            .get(id)
            .ok_or_else(|| ApiError::not_found("Requested job does not exist."))
    }

    /// Basiq's job representation.
    pub fn job_json(&self, j: &Job, base: &str, with_institution: bool) -> Value {
        let steps: Vec<Value> = j
            .steps
            .iter()
            .filter(|s| s.visible)
            .map(|s| json!({"title": s.title, "status": s.status.as_str(), "result": s.result.clone()}))
            .collect();
        let mut v = json!({"type": "job", "id": j.id, "created": ts(j.created), "updated": ts(j.updated),
            "steps": steps,
            "links": {"self": format!("{base}/jobs/{}", j.id),
                "source": format!("{base}/users/{}/connections/{}", j.user_id, j.connection_id)}});
        if with_institution {
            v["institution"] = json!({"type": "institution", "id": j.institution_id,
                "links": {"self": format!("{base}/institutions/{}", j.institution_id)}});
        }
        v
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

    /// Marks connections made with this login invalid (for tests of re-authentication).
    pub fn invalidate_login(&mut self, login: &str) -> usize {
        let mut n = 0;
        for c in self
            .connections
            .values_mut()
            .filter(|c| c.login_id == login)
        {
            c.status = ConnStatus::Invalid;
            n += 1;
        }
        n
    }

    /// Deletes a connection (accounts and transactions stay).
    pub fn delete_connection(&mut self, user_id: &str, id: &str) -> ApiResult<()> {
        self.connection(user_id, id)?;
        self.connections.remove(id);
        if let Some(u) = self.users.get_mut(user_id) {
            u.connections.retain(|c| c != id);
        }
        Ok(())
    }

    /// Connection ids of a user.
    pub fn connection_ids(&self, user_id: &str) -> ApiResult<Vec<String>> {
        Ok(self.user(user_id)?.connections.clone())
    }

    /// Basiq's connection representation (list item, or the single GET with profile/accounts).
    pub fn connection_json(&self, c: &Connection, base: &str, detailed: bool) -> Value {
        let uu = format!("{base}/users/{}", c.user_id);
        let f = format!("filter=institution.id.eq('{}')", c.institution_id);
        let mut v = json!({"type": "connection", "id": c.id, "status": c.status.as_str(),
            "createdDate": ts(c.created), "mfaEnabled": c.mfa_enabled,
            "institution": {"type": "institution", "id": c.institution_id,
                "links": {"self": format!("{base}/institutions/{}", c.institution_id)}},
            "links": {"self": format!("{uu}/connections/{}", c.id),
                "accounts": format!("{uu}/accounts?{f}"), "transactions": format!("{uu}/transactions?{f}"),
                "institution": format!("{base}/institutions/{}", c.institution_id)}});
        if let Some(l) = c.last_used {
            v["lastUsed"] = json!(ts(l));
        }
        if detailed {
            v["links"]["user"] = json!(uu);
            if let Some(p) = c.persona {
                let p = &PERSONAS[p];
                let (line1, city, state, postcode) = p.address;
                v["profile"] = json!({"fullName": p.full_name, "firstName": p.first, "lastName": p.last,
                    "middleName": "", "phoneNumbers": [p.phone], "emailAddresses": [p.email],
                    "physicalAddresses": [{"addressLine1": line1, "addressLine2": null, "addressLine3": null,
                        "postcode": postcode, "city": city, "state": state, "country": "Australia", "countryCode": "AU",
                        "formattedAddress": format!("{line1}, {city} {state} {postcode}, Australia")}]});
            }
            let accounts: Vec<Value> = self
                .users
                .get(&c.user_id)
                .map(|u| {
                    u.accounts
                        .iter()
                        .filter(|a| a.connection_id == c.id)
                        .map(|a| {
                            json!({"type": "account", "id": a.id, "accountNo": a.no, "name": a.name, "currency": "AUD",
                                "class": {"type": a.class, "product": a.product}, "balance": money(a.balance),
                                "availableFunds": money(a.available), "lastUpdated": a.last_updated, "status": "available",
                                "links": {"self": format!("{uu}/accounts/{}", a.id),
                                    "transactions": format!("{uu}/transactions?filter=account.id.eq('{}')", a.id)}})
                        })
                        .collect()
                })
                .unwrap_or_default();
            v["accounts"] = json!({"type": "list", "data": accounts});
        }
        v
    }

    /// All connections of a user as values, filtered.
    pub fn connections_json(
        &self,
        user_id: &str,
        conds: &[Cond],
        base: &str,
    ) -> ApiResult<Vec<Value>> {
        let u = self.user(user_id)?;
        Ok(u.connections
            .iter()
            .filter_map(|id| self.connections.get(id))
            .filter(|c| {
                conds.iter().all(|k| match k.field.as_str() {
                    "id" | "connection.id" => k.matches(&c.id),
                    "status" | "connection.status" => k.matches(c.status.as_str()),
                    "institution.id" => k.matches(&c.institution_id),
                    _ => false,
                })
            })
            .map(|c| self.connection_json(c, base, false))
            .collect())
    }

    /// Connection status (for refresh checks).
    pub fn connection_status(&self, id: &str) -> Option<ConnStatus> {
        self.connections.get(id).map(|c| c.status)
    }

    // ---------------------------------------------------------------- accounts and transactions

    /// Basiq's account representation.
    pub fn account_json(&self, user_id: &str, a: &Account, base: &str) -> Value {
        let uu = format!("{base}/users/{user_id}");
        json!({"type": "account", "id": a.id, "accountNo": a.no, "name": a.name, "currency": "AUD",
            "class": {"type": a.class, "product": a.product}, "balance": money(a.balance),
            "availableFunds": money(a.available), "lastUpdated": a.last_updated,
            "transactionIntervals": [{"from": a.from.to_string(), "to": a.to.to_string()}],
            "institution": a.institution_id, "accountHolder": a.holder, "connection": a.connection_id,
            "status": "available",
            "links": {"self": format!("{uu}/accounts/{}", a.id),
                "transactions": format!("{uu}/transactions?filter=account.id.eq('{}')", a.id),
                "connection": null, "institution": format!("{base}/institutions/{}", a.institution_id)}})
    }

    /// Accounts of a user, filtered.
    pub fn accounts_json(&self, user_id: &str, filter: &str, base: &str) -> ApiResult<Vec<Value>> {
        let conds = filter::parse(filter, ACCOUNT_FIELDS)?;
        let u = self.user(user_id)?;
        Ok(u.accounts
            .iter()
            .filter(|a| {
                conds.iter().all(|k| match k.field.as_str() {
                    "account.id" | "id" => k.matches(&a.id),
                    "connection.id" => k.matches(&a.connection_id),
                    "institution.id" => k.matches(&a.institution_id),
                    "account.class.type" => k.matches(&a.class),
                    "account.status" => k.matches("available"),
                    _ => false,
                })
            })
            .map(|a| self.account_json(user_id, a, base))
            .collect())
    }

    /// One account of a user.
    pub fn account(&self, user_id: &str, id: &str, base: &str) -> ApiResult<Value> {
        let u = self.user(user_id)?;
        if !valid_id(id) {
            return Err(ApiError::not_valid("Account ID value is not valid")
                .with_source(json!({"parameter": "accountId", "pointer": "path/accountId"})));
        }
        let a = u
            .accounts
            .iter()
            .find(|a| a.id == id)
            .ok_or_else(|| ApiError::not_found("Requested account does not exist."))?;
        Ok(self.account_json(user_id, a, base))
    }

    /// Basiq's transaction representation.
    pub fn txn_json(&self, user_id: &str, t: &Txn, base: &str) -> Value {
        let uu = format!("{base}/users/{user_id}");
        let day = format!("{}T00:00:00Z", t.date);
        let (post, tdate) = if t.pending {
            (Value::Null, json!(day))
        } else {
            (json!(day), json!(""))
        };
        json!({"type": "transaction", "id": t.id, "status": if t.pending { "pending" } else { "posted" },
            "description": t.description, "amount": money(t.cents), "account": t.account_id,
            "balance": money(t.balance), "direction": if t.cents < 0 { "debit" } else { "credit" },
            "class": t.class,
            "subClass": t.sub.as_ref().map(|(c, s)| json!({"code": c, "title": s})),
            "enrich": {"category": null, "location": null, "merchant": null},
            "institution": t.institution_id, "connection": t.connection_id,
            "transactionDate": tdate, "postDate": post,
            "links": {"self": format!("{uu}/transactions/{}", t.id), "account": format!("{uu}/accounts/{}", t.account_id),
                "institution": format!("{base}/institutions/{}", t.institution_id), "connection": null}})
    }

    fn txn_matches(t: &Txn, conds: &[Cond]) -> bool {
        conds.iter().all(|k| match k.field.as_str() {
            "account.id" => k.matches(&t.account_id),
            "connection.id" => k.matches(&t.connection_id),
            "institution.id" => k.matches(&t.institution_id),
            "transaction.id" => k.matches(&t.id),
            "transaction.status" => k.matches(if t.pending { "pending" } else { "posted" }),
            "transaction.direction" => k.matches(if t.cents < 0 { "debit" } else { "credit" }),
            "transaction.class" => k.matches(&t.class),
            "transaction.postDate" => !t.pending && k.matches(&t.date.to_string()),
            _ => false,
        })
    }

    /// A page of transactions: `(page, total size, next cursor)`.
    pub fn transactions_page(
        &mut self,
        user_id: &str,
        filter: &str,
        limit: usize,
        next: Option<&str>,
        base: &str,
    ) -> ApiResult<(Vec<Value>, usize, Option<String>)> {
        let (filter, limit, offset) = match next {
            Some(n) => {
                let c = self
                    .cursors
                    .get(n)
                    .filter(|c| c.user_id == user_id)
                    .ok_or_else(|| {
                        ApiError::not_valid("Next value is not valid")
                            .with_source(json!({"parameter": "next"}))
                    })?;
                (c.filter.clone(), c.limit, c.offset)
            }
            None => (filter.to_string(), limit, 0),
        };
        let conds = filter::parse(&filter, TXN_FIELDS)?;
        let u = self.user(user_id)?;
        let all: Vec<&Txn> = u
            .transactions
            .iter()
            .filter(|t| Self::txn_matches(t, &conds))
            .collect();
        let size = all.len();
        let page: Vec<Value> = all
            .iter()
            .skip(offset)
            .take(limit)
            .map(|t| self.txn_json(user_id, t, base))
            .collect();
        let next_cursor = if offset + limit < size {
            self.cursor_counter += 1;
            let id = det_uuid(self.seed, &["cursor", &self.cursor_counter.to_string()]);
            self.cursors.insert(
                id.clone(),
                Cursor {
                    user_id: user_id.into(),
                    filter,
                    limit,
                    offset: offset + limit,
                },
            );
            self.cursor_order.push_back(id.clone());
            while self.cursor_order.len() > MAX_CURSORS {
                if let Some(old) = self.cursor_order.pop_front() {
                    self.cursors.remove(&old);
                }
            }
            Some(id)
        } else {
            None
        };
        Ok((page, size, next_cursor))
    }

    /// One transaction of a user.
    pub fn transaction(&self, user_id: &str, id: &str, base: &str) -> ApiResult<Value> {
        let u = self.user(user_id)?;
        if !valid_id(id) {
            return Err(
                ApiError::not_valid("Transaction ID value is not valid").with_source(
                    json!({"parameter": "transactionId", "pointer": "path/transactionId"}),
                ),
            );
        }
        let t = u
            .transactions
            .iter()
            .find(|t| t.id == id)
            .ok_or_else(|| ApiError::not_found("Requested transaction does not exist."))?;
        Ok(self.txn_json(user_id, t, base))
    }
}

/// Filter fields of `/users/{id}/accounts`.
pub const ACCOUNT_FIELDS: &[&str] = &[
    "account.id",
    "id",
    "connection.id",
    "institution.id",
    "account.class.type",
    "account.status",
];
/// Filter fields of `/users/{id}/transactions`.
pub const TXN_FIELDS: &[&str] = &[
    "account.id",
    "connection.id",
    "institution.id",
    "transaction.id",
    "transaction.status",
    "transaction.direction",
    "transaction.class",
    "transaction.postDate",
];
/// Filter fields of `/users/{id}/connections`.
pub const CONNECTION_FIELDS: &[&str] = &[
    "id",
    "connection.id",
    "status",
    "connection.status",
    "institution.id",
];
/// Filter fields of `/users/{id}/jobs`.
pub const JOB_FIELDS: &[&str] = &["connection.id", "institution.id", "job.id", "id"];

fn challenge_json(kind: MfaKind, job_id: &str, _institution: &str, base: &str) -> Value {
    let (method, description, input): (&str, &str, Vec<&str>) = match kind {
        MfaKind::Token => (
            "token",
            "A SMS code has been sent to your device, please enter valid number.",
            vec!["OTP Password"],
        ),
        MfaKind::OneQuestion => (
            "security-questions",
            "To continue with the process, please answer the following security questions.",
            vec!["What's your first company?"],
        ),
        MfaKind::TwoQuestions => (
            "security-questions",
            "To continue with the process, please answer the following security questions.",
            vec![
                "What's your favourite company?",
                "What's the ID of this institution?",
            ],
        ),
    };
    json!({"type": "mfa", "method": method, "description": description, "input": input,
        "expiryMs": MFA_EXPIRY.as_millis() as u64,
        "links": {"response": format!("{base}/jobs/{job_id}/mfa")}})
}
