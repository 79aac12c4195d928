//! Accounts as the result screen and the connections view list them: [`AccountRow`], from the
//! server's `/api/accounts` answer (numbers already masked by the server) or from Basiq's
//! accounts, and account-number masking.

use crate::api_types::AccountView;
use crate::basiq::Account;
use crate::job::{StepKind, step_label};
use crate::money::{format_amount, parse_minor_units};

/// An amount with its currency ("-$6,081.50") and whether it is below zero; Basiq's text as is
/// when it is not a plain amount.
pub fn money(text: &str, currency: &str) -> (String, bool) {
    match parse_minor_units(text) {
        Ok(cents) => (format_amount(cents, currency), cents < 0),
        Err(_) => (text.trim().to_string(), text.trim_start().starts_with('-')),
    }
}

/// The rows for the accounts of one connection (by connection id when known, else by
/// institution id), in the server's order.
pub fn rows_for_connection(
    accounts: &[AccountView],
    connection_id: Option<&str>,
    institution_id: &str,
) -> Vec<AccountRow> {
    let by_connection = connection_id.filter(|c| {
        accounts
            .iter()
            .any(|a| a.connection_id == *c && !c.is_empty())
    });
    accounts
        .iter()
        .filter(|a| match by_connection {
            Some(c) => a.connection_id == c,
            None => a.institution_id == institution_id,
        })
        .map(|a| {
            AccountRow::new(
                &a.id,
                &a.name,
                a.masked_number.clone(),
                &a.class,
                (&a.balance, a.available_funds.as_deref()),
                &a.currency,
            )
        })
        .collect()
}

/// An account number for display: the last four characters behind dots ("•••• 6789"); short
/// numbers are shown as they are.
pub fn mask_account_number(number: &str) -> String {
    let chars: Vec<char> = number.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.len() <= 4 {
        return chars.into_iter().collect();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("•••• {tail}")
}

/// One account as the result screen lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    /// Account id.
    pub id: String,
    /// Account name.
    pub name: String,
    /// Masked account number ("•••• 6789").
    pub number: String,
    /// Readable account type ("Credit card").
    pub kind: String,
    /// Balance with currency ("-$6,081.50"); Basiq's text as is when it is not a plain amount.
    pub balance: String,
    /// True when the balance is below zero (owed).
    pub negative: bool,
    /// Available funds with currency, when given.
    pub available: Option<String>,
}

impl AccountRow {
    /// A row from an account's parts: `number` already masked, `kind` Basiq's `class.type`,
    /// `amounts` the balance and the available funds as Basiq writes them.
    fn new(
        id: &str,
        name: &str,
        number: String,
        kind: &str,
        amounts: (&str, Option<&str>),
        currency: &str,
    ) -> Self {
        let (balance, negative) = money(amounts.0, currency);
        Self {
            id: id.into(),
            name: name.into(),
            number,
            kind: account_kind_label(kind),
            balance,
            negative,
            available: amounts
                .1
                .filter(|s| !s.trim().is_empty())
                .map(|s| money(s, currency).0),
        }
    }
}

/// A readable name for Basiq's `class.type`.
pub fn account_kind_label(kind: &str) -> String {
    match kind {
        "transaction" => "Transaction account".into(),
        "savings" => "Savings account".into(),
        "credit-card" => "Credit card".into(),
        "mortgage" => "Home loan".into(),
        "loan" => "Loan".into(),
        "term-deposit" => "Term deposit".into(),
        "investment" => "Investment".into(),
        "insurance" => "Insurance".into(),
        "foreign" => "Foreign currency account".into(),
        "" => "Account".into(),
        other => step_label(StepKind::Other, other),
    }
}

/// The result screen's rows for the connected accounts.
pub fn account_rows(accounts: &[Account]) -> Vec<AccountRow> {
    accounts
        .iter()
        .map(|a| {
            AccountRow::new(
                &a.id,
                &a.name,
                mask_account_number(&a.account_no),
                &a.class.kind,
                (&a.balance, a.available_funds.as_deref()),
                &a.currency,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_recorded_accounts_become_rows() {
        let list: crate::basiq::List<Account> =
            serde_json::from_str(&crate::reference("recorded/accounts/getAccounts.json")).unwrap();
        let rows = account_rows(&list.data);
        assert_eq!(rows.len(), list.data.len());
        let card = rows
            .iter()
            .find(|r| r.kind == "Credit card")
            .expect("a credit card");
        assert!(card.negative);
        assert!(card.balance.starts_with("-$"), "{}", card.balance);
        assert!(
            card.available
                .as_deref()
                .is_some_and(|a| a.starts_with('$'))
        );
        assert_eq!(account_kind_label("home-equity"), "Home equity");
        let mut odd = list.data[0].clone();
        odd.balance = "n/a".into();
        odd.available_funds = Some(" ".into());
        let row = &account_rows(&[odd])[0];
        assert_eq!(
            (row.balance.as_str(), row.negative, row.available.is_none()),
            ("n/a", false, true)
        );
    }

    #[test]
    fn account_numbers_are_masked() {
        assert_eq!(mask_account_number("123 456 789"), "•••• 6789");
        assert_eq!(mask_account_number("12"), "12");
    }

    fn view(id: &str, conn: &str, inst: &str, balance: &str, avail: Option<&str>) -> AccountView {
        AccountView {
            id: id.into(),
            connection_id: conn.into(),
            institution_id: inst.into(),
            name: format!("Account {id}"),
            masked_number: "•••• 1234".into(),
            balance: balance.into(),
            available_funds: avail.map(Into::into),
            currency: "AUD".into(),
            class: "credit-card".into(),
            last_updated: None,
        }
    }

    #[test]
    fn rows_keep_the_connection_accounts_with_formatted_money() {
        let all = [
            view("a", "c1", "AU00000", "-6081.50", Some("13918.50")),
            view("b", "c2", "AU00000", "10", None),
            view("c", "c1", "AU00000", "34076.00", Some(" ")),
        ];
        let rows = rows_for_connection(&all, Some("c1"), "AU00000");
        let ids: Vec<_> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["a", "c"]);
        assert!(rows[0].negative);
        assert!(rows[0].balance.contains("6,081.50"), "{}", rows[0].balance);
        assert!(rows[0].available.as_deref().unwrap().contains("13,918.50"));
        assert_eq!(rows[0].kind, "Credit card");
        assert_eq!(rows[0].number, "•••• 1234");
        assert!(!rows[1].negative);
        assert_eq!(rows[1].available, None);
    }

    #[test]
    fn without_a_known_connection_the_institution_decides() {
        let all = [
            view("a", "c1", "AU00000", "1", None),
            view("b", "c2", "AU00002", "2", None),
        ];
        let rows = rows_for_connection(&all, None, "AU00002");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].id, "b");
        let rows = rows_for_connection(&all, Some("unknown"), "AU00000");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].id, "a");
    }

    #[test]
    fn odd_amounts_are_shown_as_given() {
        let (text, negative) = money(" -n/a", "AUD");
        assert_eq!(text, "-n/a");
        assert!(negative);
    }
}
