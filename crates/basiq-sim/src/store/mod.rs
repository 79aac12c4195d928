//! The simulator's data: the records (users, connections, accounts, transactions), the job
//! engine that moves jobs along on the simulated clock, and paging cursors. The store returns
//! records; `wire` renders them as Basiq's JSON.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;

use crate::error::{ApiError, ApiResult};
use crate::filter::{self, Cond};
use crate::institutions::Institution;
use crate::state::det_uuid;

mod consents;
pub use consents::EXPIRING_SOON_DAYS;
mod engine;
mod events;
mod fields;
mod import;
mod job;
mod records;

pub use events::SimEvent;
pub use fields::*;
pub use job::*;
pub use records::*;

/// What the request handlers pass to the store: directory, base URL and simulated time.
pub struct Ctx<'a> {
    /// Institution directory.
    pub dir: &'a [Institution],
    /// `http://host:port`.
    pub base: &'a str,
    /// Simulated time since start.
    pub now: Duration,
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
    consents: HashMap<String, Consent>,
    cursors: HashMap<String, Cursor>,
    cursor_order: VecDeque<String>,
    cursor_counter: u64,
    /// Money that arrived at the bank per login id since the persona data was generated
    /// (test switch): shows in the first account after the next connection job or refresh.
    deposits: HashMap<String, i64>,
    /// What happened since the webhook worker last looked (oldest first, capped).
    events: VecDeque<SimEvent>,
}

/// Paging cursors kept (oldest dropped first).
pub const MAX_CURSORS: usize = 10_000;

/// A time as Basiq writes it (`2026-11-25T10:00:00Z`).
pub fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Whether a path id looks like one of Basiq's ids.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

fn bad_path_id(what: &str, param: &str) -> ApiError {
    ApiError::not_valid(format!("{what} ID value is not valid"))
        .with_source(json!({"parameter": param, "pointer": format!("path/{param}")}))
}

/// A page of transactions: the rows, the size of the whole filtered list, the next cursor.
pub type TxnPage = (Vec<Txn>, usize, Option<String>);

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
            consents: HashMap::new(),
            cursors: HashMap::new(),
            cursor_order: VecDeque::new(),
            cursor_counter: 0,
            deposits: HashMap::new(),
            events: VecDeque::new(),
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
                consents: Vec::new(),
            },
        );
        self.emit("user.created", &id, format!("/users/{id}"));
        id
    }

    /// Every user's id, sorted (for tests: who exists).
    pub fn user_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.users.keys().cloned().collect();
        ids.sort();
        ids
    }

    /// A user, or Basiq's 400/404.
    pub fn user(&self, id: &str) -> ApiResult<&User> {
        if !valid_id(id) {
            return Err(bad_path_id("User", "userId"));
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
            for c in &u.consents {
                self.consents.remove(c);
            }
            self.emit("user.deleted", id, format!("/users/{id}"));
        }
        Ok(())
    }

    // ---------------------------------------------------------------- connections

    /// A connection of a user, or Basiq's 400/404.
    pub fn connection(&self, user_id: &str, id: &str) -> ApiResult<&Connection> {
        self.user(user_id)?;
        if !valid_id(id) {
            return Err(bad_path_id("Connection", "connectionId"));
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
                method: Method::Web,
                expiry: None,
                consent_id: None,
                shared_accounts: None,
                declined: false,
            },
        );
        if let Some(u) = self.users.get_mut(user_id) {
            u.connections.push(id.clone());
        }
        self.emit_connection("connection.created", user_id, &id);
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

    /// Marks connections made with this login invalid (for tests of re-authentication).
    pub fn invalidate_login(&mut self, login: &str) -> usize {
        let mut n = 0;
        let mut newly = Vec::new();
        for c in self
            .connections
            .values_mut()
            .filter(|c| c.login_id == login)
        {
            if c.status != ConnStatus::Invalid {
                newly.push((c.user_id.clone(), c.id.clone()));
            }
            c.status = ConnStatus::Invalid;
            n += 1;
        }
        for (user, conn) in newly {
            self.emit_connection("connection.invalidated", &user, &conn);
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
        self.emit_connection("connection.deleted", user_id, id);
        Ok(())
    }

    /// Connection ids of a user.
    pub fn connection_ids(&self, user_id: &str) -> ApiResult<Vec<String>> {
        Ok(self.user(user_id)?.connections.clone())
    }

    /// The connections of a user in creation order, filtered.
    pub fn connections_of(&self, user_id: &str, conds: &[Cond]) -> ApiResult<Vec<&Connection>> {
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
            .collect())
    }

    /// Connection status (for refresh checks).
    pub fn connection_status(&self, id: &str) -> Option<ConnStatus> {
        self.connections.get(id).map(|c| c.status)
    }

    // ---------------------------------------------------------------- accounts and transactions

    /// The accounts a connection brought in.
    pub fn accounts_of_connection(&self, c: &Connection) -> Vec<&Account> {
        self.users
            .get(&c.user_id)
            .map(|u| {
                u.accounts
                    .iter()
                    .filter(|a| a.connection_id == c.id)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Accounts of a user, filtered.
    pub fn accounts(&self, user_id: &str, filter: &str) -> ApiResult<Vec<&Account>> {
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
            .collect())
    }

    /// One account of a user.
    pub fn account(&self, user_id: &str, id: &str) -> ApiResult<&Account> {
        let u = self.user(user_id)?;
        if !valid_id(id) {
            return Err(bad_path_id("Account", "accountId"));
        }
        u.accounts
            .iter()
            .find(|a| a.id == id)
            .ok_or_else(|| ApiError::not_found("Requested account does not exist."))
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
    ) -> ApiResult<TxnPage> {
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
        let page: Vec<Txn> = all
            .iter()
            .skip(offset)
            .take(limit)
            .map(|t| (*t).clone())
            .collect();
        let next_cursor = if offset + limit < size {
            Some(self.new_cursor(user_id, filter, limit, offset + limit))
        } else {
            None
        };
        Ok((page, size, next_cursor))
    }

    fn new_cursor(&mut self, user_id: &str, filter: String, limit: usize, offset: usize) -> String {
        self.cursor_counter += 1;
        let id = det_uuid(self.seed, &["cursor", &self.cursor_counter.to_string()]);
        self.cursors.insert(
            id.clone(),
            Cursor {
                user_id: user_id.into(),
                filter,
                limit,
                offset,
            },
        );
        self.cursor_order.push_back(id.clone());
        while self.cursor_order.len() > MAX_CURSORS {
            if let Some(old) = self.cursor_order.pop_front() {
                self.cursors.remove(&old);
            }
        }
        id
    }

    /// One transaction of a user.
    pub fn transaction(&self, user_id: &str, id: &str) -> ApiResult<&Txn> {
        let u = self.user(user_id)?;
        if !valid_id(id) {
            return Err(bad_path_id("Transaction", "transactionId"));
        }
        u.transactions
            .iter()
            .find(|t| t.id == id)
            .ok_or_else(|| ApiError::not_found("Requested transaction does not exist."))
    }
}
