//! What successful `retrieve-accounts` and `retrieve-transactions` steps bring in: the
//! persona's generated accounts and transactions, stored under the user.

use super::Store;
use super::job::Job;
use super::records::{Account, Txn};
use crate::personas::PERSONAS;
use crate::state::det_uuid;

impl Store {
    /// Which account numbers the connection brings in (open banking: the ones shared).
    fn shared_of(&self, conn_id: &str) -> impl Fn(&str) -> bool + use<> {
        let shared = self
            .connections
            .get(conn_id)
            .and_then(|c| c.shared_accounts.clone());
        move |no: &str| shared.as_ref().is_none_or(|s| s.iter().any(|x| x == no))
    }

    fn account_id(&self, conn: &str, no: &str) -> String {
        det_uuid(self.seed, &["account", conn, no])
    }

    pub(super) fn store_accounts(&mut self, job: &Job, last_updated: &str) {
        let Some((p, gen_accounts)) = &job.generated else {
            return;
        };
        if !self.connections.contains_key(&job.connection_id) {
            return;
        }
        let persona = &PERSONAS[*p];
        let deposit = self.deposit_for(&job.connection_id);
        let shared = self.shared_of(&job.connection_id);
        let accounts: Vec<Account> = gen_accounts
            .iter()
            .filter(|g| shared(persona.accounts[g.spec].no))
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

    pub(super) fn store_transactions(&mut self, job: &Job) {
        let Some((p, gen_accounts)) = &job.generated else {
            return;
        };
        if !self.connections.contains_key(&job.connection_id) {
            return;
        }
        let persona = &PERSONAS[*p];
        let deposit = self.deposit_for(&job.connection_id);
        let shared = self.shared_of(&job.connection_id);
        let mut rows = Vec::new();
        for (i, g) in gen_accounts
            .iter()
            .filter(|g| shared(persona.accounts[g.spec].no))
            .enumerate()
        {
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
}
