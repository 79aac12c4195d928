//! The result screen's account rows from the server's `/api/accounts` answer (numbers already
//! masked by the server), for the connection just made.

use crate::api_types::AccountView;
use crate::flow::{AccountRow, account_kind_label};
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
            let (balance, negative) = money(&a.balance, &a.currency);
            AccountRow {
                id: a.id.clone(),
                name: a.name.clone(),
                number: a.masked_number.clone(),
                kind: account_kind_label(&a.class),
                balance,
                negative,
                available: a
                    .available_funds
                    .as_deref()
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| money(s, &a.currency).0),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
