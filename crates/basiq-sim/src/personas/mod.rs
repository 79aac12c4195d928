//! The sandbox personas (Basiq's documented logins) and their deterministic accounts and
//! transactions.

use chrono::{Duration as Days, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::state::det_hash;

mod table;

use table::MERCHANTS;
pub use table::PERSONAS;

/// How a login ends at verify-credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A happy persona (index into [`PERSONAS`]).
    Ok(usize),
    /// `bighead`: locked account.
    Locked,
    /// `erlich`: user action required.
    ActionRequired,
    /// `jianYang`: service unavailable.
    Unavailable,
    /// Anything else.
    BadCredentials,
}

/// Decides the outcome of a login (same at every institution).
pub fn verdict(login: &str, password: &str) -> Verdict {
    if let Some(i) = PERSONAS
        .iter()
        .position(|p| p.login == login && p.password == password)
    {
        return Verdict::Ok(i);
    }
    match (login, password) {
        ("bighead", "password") => Verdict::Locked,
        ("erlich", "aviato") => Verdict::ActionRequired,
        ("jianYang", "nothotdog") => Verdict::Unavailable,
        _ => Verdict::BadCredentials,
    }
}

/// Hooli OB's mock data holder: the member number it knows.
pub const OB_MEMBER_NUMBER: &str = "374829";
/// Hooli OB's mock data holder: the one-time code it accepts.
pub const OB_ONE_TIME_CODE: &str = "227470";
/// Whose data Hooli OB's member shares (Gavin Belson's four Hooli accounts).
pub const OB_PERSONA_LOGIN: &str = "gavinBelson";

/// The persona behind Hooli OB's member number.
pub fn open_banking_persona() -> usize {
    PERSONAS
        .iter()
        .position(|p| p.login == OB_PERSONA_LOGIN)
        .unwrap_or(0)
}

/// The MFA challenge a persona gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MfaKind {
    /// OTP `["OTP Password"]` → `["1234"]`.
    Token,
    /// `["What's your first company?"]` → `["Hooli"]`.
    OneQuestion,
    /// Two questions → `["Basiq", "<institution id>"]` (AU00000 also accepted).
    TwoQuestions,
}

/// One account of a persona.
#[derive(Debug)]
pub struct AccountSpec {
    /// `accountNo`.
    pub no: &'static str,
    /// Account name.
    pub name: &'static str,
    /// `class.type`.
    pub class: &'static str,
    /// Product suffix (product = `<institution shortName> <suffix>`).
    pub product: &'static str,
    /// Balance in cents.
    pub balance: i64,
    /// Available funds in cents.
    pub available: i64,
    /// Holder override (joint accounts).
    pub holder: Option<&'static str>,
    /// Daily probability of a card/EFTPOS purchase.
    pub spend: f64,
}

/// A recurring transaction.
#[derive(Debug)]
pub struct Flow {
    /// Account number it lands on.
    pub account: &'static str,
    /// Description.
    pub description: &'static str,
    /// Signed cents.
    pub cents: i64,
    /// Every n days.
    pub every: i64,
    /// First occurrence n days ago (counts back from here).
    pub offset: i64,
    /// Transaction class.
    pub class: &'static str,
    /// Only on days younger than this (days ago; 0 = whole history).
    pub since: i64,
    /// Only on days older than this (days ago; 0 = up to today).
    pub until: i64,
    /// Random jitter of the amount, in percent.
    pub jitter: i64,
}

/// A happy-path sandbox persona.
#[derive(Debug)]
pub struct Persona {
    /// Login id.
    pub login: &'static str,
    /// Password.
    pub password: &'static str,
    /// Account holder / full name.
    pub full_name: &'static str,
    /// First name.
    pub first: &'static str,
    /// Last name.
    pub last: &'static str,
    /// Email.
    pub email: &'static str,
    /// Phone.
    pub phone: &'static str,
    /// `(addressLine1, city, state, postcode)`.
    pub address: (&'static str, &'static str, &'static str, &'static str),
    /// MFA challenge at MFA banks.
    pub mfa: MfaKind,
    /// Accounts.
    pub accounts: &'static [AccountSpec],
    /// Recurring transactions.
    pub flows: &'static [Flow],
    /// Extra merchants this persona uses (description, class, min cents, max cents, daily probability, account).
    pub extras: &'static [(&'static str, &'static str, i64, i64, f64, &'static str)],
}

/// One generated account.
#[derive(Debug, Clone, PartialEq)]
pub struct GenAccount {
    /// Spec index in the persona.
    pub spec: usize,
    /// Transactions, newest first: (date, cents, description, class, subclass, balance after, pending).
    pub txns: Vec<GenTxn>,
    /// Earliest transaction date.
    pub from: NaiveDate,
}

/// One generated transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct GenTxn {
    /// Posting (or transaction) date.
    pub date: NaiveDate,
    /// Signed cents.
    pub cents: i64,
    /// Description.
    pub description: String,
    /// Class.
    pub class: &'static str,
    /// ANZSIC `(code, title)`.
    pub sub: Option<(&'static str, &'static str)>,
    /// Balance after this transaction, in cents.
    pub balance: i64,
    /// Pending (not yet posted).
    pub pending: bool,
}

/// Days of history generated.
pub const HISTORY_DAYS: i64 = 365;

/// Generates a persona's accounts and transactions, deterministic in `seed` and `today`.
pub fn generate(seed: u64, persona: &Persona, today: NaiveDate) -> Vec<GenAccount> {
    persona
        .accounts
        .iter()
        .enumerate()
        .map(|(ai, spec)| {
            let mut rng =
                ChaCha8Rng::seed_from_u64(det_hash(seed, &["txns", persona.login, spec.no]));
            let mut rows: Vec<GenTxn> = Vec::new();
            let push = |rows: &mut Vec<GenTxn>, date, cents, d: &str, class, sub, pending| {
                rows.push(GenTxn {
                    date,
                    cents,
                    description: d.to_string(),
                    class,
                    sub,
                    balance: 0,
                    pending,
                })
            };
            for fl in persona.flows.iter().filter(|fl| fl.account == spec.no) {
                let mut ago = fl.offset;
                while ago < HISTORY_DAYS {
                    let ok_since = fl.since == 0 || ago < fl.since;
                    let ok_until = fl.until == 0 || ago > fl.until;
                    if ok_since && ok_until {
                        let mut cents = fl.cents;
                        if fl.jitter > 0 {
                            let j = rng.random_range(-fl.jitter..=fl.jitter);
                            cents += cents * j / 100;
                        }
                        push(
                            &mut rows,
                            today - Days::days(ago),
                            cents,
                            fl.description,
                            fl.class,
                            None,
                            false,
                        );
                    }
                    ago += fl.every.max(1);
                }
            }
            for ago in 0..HISTORY_DAYS {
                let date = today - Days::days(ago);
                if spec.spend > 0.0 && rng.random_bool(spec.spend.clamp(0.0, 1.0)) {
                    let m = MERCHANTS[rng.random_range(0..MERCHANTS.len())];
                    let cents = -rng.random_range(m.4..=m.5);
                    let pending = ago < 2 && rng.random_bool(0.5);
                    push(&mut rows, date, cents, m.0, m.1, Some((m.2, m.3)), pending);
                }
                for x in persona.extras.iter().filter(|x| x.5 == spec.no) {
                    if rng.random_bool(x.4.clamp(0.0, 1.0)) {
                        let cents = -rng.random_range(x.2..=x.3);
                        push(&mut rows, date, cents, x.0, x.1, None, false);
                    }
                }
            }
            if spec.class == "transaction" {
                let mut ago = 27;
                while ago < HISTORY_DAYS {
                    push(
                        &mut rows,
                        today - Days::days(ago),
                        -500,
                        "MONTHLY ACCOUNT FEE",
                        "bank-fee",
                        None,
                        false,
                    );
                    ago += 30;
                }
            }
            // Pending first, then newest first; stable on description for ties.
            rows.sort_by(|a, b| {
                b.pending
                    .cmp(&a.pending)
                    .then(b.date.cmp(&a.date))
                    .then(a.description.cmp(&b.description))
                    .then(a.cents.cmp(&b.cents))
            });
            let mut bal = spec.balance;
            for r in rows.iter_mut() {
                r.balance = bal;
                if !r.pending {
                    bal -= r.cents;
                }
            }
            let from = rows.last().map(|r| r.date).unwrap_or(today);
            GenAccount {
                spec: ai,
                txns: rows,
                from,
            }
        })
        .collect()
}

/// Cents as Basiq's amount string (`-6081.50`).
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let a = cents.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_formats() {
        assert_eq!(money(-608_150), "-6081.50");
        assert_eq!(money(5), "0.05");
        assert_eq!(money(0), "0.00");
    }

    #[test]
    fn verdicts() {
        assert_eq!(verdict("Wentworth-Smith", "whislter"), Verdict::Ok(0));
        assert_eq!(verdict("bighead", "password"), Verdict::Locked);
        assert_eq!(verdict("erlich", "aviato"), Verdict::ActionRequired);
        assert_eq!(verdict("jianYang", "nothotdog"), Verdict::Unavailable);
        assert_eq!(verdict("jared", "wrong"), Verdict::BadCredentials);
    }

    #[test]
    fn generation_is_deterministic_and_balances_chain() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
        for p in PERSONAS {
            let a = generate(5, p, today);
            assert_eq!(a, generate(5, p, today));
            for (acc, spec) in a.iter().zip(p.accounts) {
                if let Some(first) = acc.txns.first() {
                    assert_eq!(first.balance, spec.balance);
                }
                for w in acc.txns.windows(2) {
                    if !w[0].pending && !w[1].pending {
                        assert_eq!(w[1].balance, w[0].balance - w[0].cents);
                    }
                }
            }
        }
        assert_ne!(
            generate(5, &PERSONAS[0], today),
            generate(6, &PERSONAS[0], today)
        );
    }
}
