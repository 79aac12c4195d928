//! What happened in the store, as Basiq's event types: the webhook worker takes these and
//! turns them into signed deliveries for the subscriptions that asked for them.

use super::Store;

/// Events kept for the worker before the oldest are dropped (nobody is taking them).
pub const MAX_PENDING_EVENTS: usize = 10_000;

/// One event: its Basiq type, whose it is, and the path of the entity it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimEvent {
    /// Basiq's event type id, e.g. `connection.invalidated`.
    pub type_id: &'static str,
    /// The user the entity belongs to.
    pub user_id: String,
    /// The entity's path below the base URL, e.g. `/users/{u}/connections/{c}`.
    pub entity: String,
}

impl Store {
    /// Records an event.
    pub(super) fn emit(&mut self, type_id: &'static str, user_id: &str, entity: String) {
        if self.events.len() >= MAX_PENDING_EVENTS {
            self.events.pop_front();
        }
        self.events.push_back(SimEvent {
            type_id,
            user_id: user_id.to_string(),
            entity,
        });
    }

    /// A connection event (`connection.created`, `…activated`, `…invalidated`, `…deleted`).
    pub(super) fn emit_connection(&mut self, type_id: &'static str, user_id: &str, conn: &str) {
        self.emit(
            type_id,
            user_id,
            format!("/users/{user_id}/connections/{conn}"),
        );
    }

    /// A consent event (`consent.created`, `…updated`, `…revoked`, `…expired`).
    pub(super) fn emit_consent(&mut self, type_id: &'static str, user_id: &str, consent: &str) {
        self.emit(
            type_id,
            user_id,
            format!("/users/{user_id}/consents/{consent}"),
        );
    }

    /// The events recorded since the last call, oldest first.
    pub fn take_events(&mut self) -> Vec<SimEvent> {
        self.events.drain(..).collect()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::{Ctx, Store};

    fn types(st: &mut Store) -> Vec<&'static str> {
        st.take_events().into_iter().map(|e| e.type_id).collect()
    }

    #[test]
    fn consents_revoked_and_expired_are_events() {
        let mut st = Store::new(1, 1.0);
        let ctx = Ctx {
            dir: &[],
            base: "http://sim",
            now: Duration::ZERO,
        };
        let user = st.create_user(None, None, None, None);
        let consent = st
            .give_consent(&ctx, &user, 365, Vec::new())
            .expect("consent");
        st.revoke_consent(&ctx, &user, &consent).expect("revoke");
        let evs = st.take_events();
        let got: Vec<(&str, &str)> = evs.iter().map(|e| (e.type_id, e.entity.as_str())).collect();
        let c = format!("/users/{user}/consents/{consent}");
        let u = format!("/users/{user}");
        assert_eq!(
            got,
            [
                ("user.created", u.as_str()),
                ("consent.created", c.as_str()),
                ("consent.revoked", c.as_str())
            ]
        );
        st.give_consent(&ctx, &user, 1, Vec::new())
            .expect("consent");
        assert_eq!(types(&mut st), ["consent.created"]);
        st.expire_due(Duration::from_secs(2 * 86_400));
        assert_eq!(types(&mut st), ["consent.expired"]);
        st.expire_due(Duration::from_secs(3 * 86_400));
        assert!(types(&mut st).is_empty(), "expired once");
    }

    #[test]
    fn invalidating_and_deleting_connections_are_events() {
        let mut st = Store::new(1, 1.0);
        let ctx = Ctx {
            dir: &[],
            base: "http://sim",
            now: Duration::ZERO,
        };
        let user = st.create_user(None, None, None, None);
        let creds = super::super::Credentials {
            login_id: Some("gavinBelson".into()),
            ..Default::default()
        };
        let conn = st.create_connection(&ctx, &user, "AU00000", &creds);
        assert_eq!(st.invalidate_login("gavinBelson"), 1);
        assert_eq!(st.invalidate_login("gavinBelson"), 1);
        st.delete_connection(&user, &conn).expect("delete");
        assert_eq!(
            types(&mut st),
            [
                "user.created",
                "connection.created",
                "connection.invalidated",
                "connection.deleted"
            ]
        );
    }
}
