//! The delivery worker: takes the store's events, queues messages, and sends those that are
//! due, each signed with its subscription's secret at the moment it is sent.

use std::sync::Arc;
use std::time::Duration;

use super::{MessageState, signature};
use crate::state::Sim;
use crate::store::Ctx;

/// How often (real time) the worker looks for events and due messages.
const POLL: Duration = Duration::from_millis(50);
/// How long a receiver may take to answer (Svix's limit).
const RECEIVER_TIMEOUT: Duration = Duration::from_secs(15);

/// One due attempt.
struct Due {
    msg_id: String,
    url: String,
    secret: String,
    body: String,
}

/// Runs until the simulator stops.
pub async fn run(sim: Arc<Sim>) {
    let Ok(client) = reqwest::Client::builder()
        .timeout(RECEIVER_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
    else {
        tracing::error!("webhook deliveries are off: no HTTP client");
        return;
    };
    let mut stopping = sim.stopping.clone();
    loop {
        tokio::select! {
            () = tokio::time::sleep(POLL) => {}
            changed = stopping.changed() => if changed.is_err() { return },
        }
        if *stopping.borrow() {
            return;
        }
        for due in pump(&sim) {
            tokio::spawn(attempt(sim.clone(), client.clone(), due));
        }
    }
}

/// Moves events into messages and claims the messages that are due.
fn pump(sim: &Sim) -> Vec<Due> {
    let now = sim.clock.now();
    let subscribed = sim
        .webhooks
        .lock()
        .map(|w| !w.subscriptions.is_empty())
        .unwrap_or(false);
    let events = match sim.store.lock() {
        Ok(mut st) => {
            if subscribed {
                // Jobs move on the clock only when the store is looked at: look, so their
                // events are sent without anyone polling.
                st.tick(&Ctx {
                    dir: &sim.directory,
                    base: &sim.cfg.base_url,
                    now,
                });
            }
            st.take_events()
        }
        Err(_) => return Vec::new(),
    };
    let Ok(mut w) = sim.webhooks.lock() else {
        return Vec::new();
    };
    if !events.is_empty() {
        w.enqueue(events, &sim.cfg.base_url, now);
    }
    let subs = w.subscriptions.clone();
    let mut due = Vec::new();
    for m in w
        .messages
        .iter_mut()
        .filter(|m| m.state == MessageState::Pending && m.next_at <= now)
    {
        match subs.iter().find(|s| s.id == m.webhook_id) {
            Some(s) => {
                m.state = MessageState::Sending;
                due.push(Due {
                    msg_id: m.id.clone(),
                    url: s.url.clone(),
                    secret: s.secret.clone(),
                    body: m.body.clone(),
                });
            }
            None => m.state = MessageState::Failed,
        }
    }
    due
}

/// Sends one attempt and records what came back.
async fn attempt(sim: Arc<Sim>, client: reqwest::Client, due: Due) {
    let now = chrono::Utc::now();
    let ts = now.timestamp();
    let status = match signature(&due.secret, &due.msg_id, ts, due.body.as_bytes()) {
        Some(sig) => client
            .post(&due.url)
            .header("content-type", "application/json")
            .header("webhook-id", &due.msg_id)
            .header("webhook-timestamp", ts.to_string())
            .header("webhook-signature", sig)
            .body(due.body)
            .send()
            .await
            .ok()
            .map(|r| r.status().as_u16()),
        None => None,
    };
    let at = crate::store::ts(now);
    let sim_now = sim.clock.now();
    if let Ok(mut w) = sim.webhooks.lock() {
        w.record(&due.msg_id, status, at, sim_now);
    }
}
