//! Basiq's status strings the server acts on, read into enums in one place.

/// A transaction's `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionStatus {
    /// Not yet posted.
    Pending,
    /// Posted (or any other value).
    Posted,
}

impl From<&str> for TransactionStatus {
    fn from(s: &str) -> Self {
        if s == "pending" {
            Self::Pending
        } else {
            Self::Posted
        }
    }
}

/// An institution's `authorization`: how a person signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authorization {
    /// Web credentials.
    User,
    /// Web credentials with MFA every time.
    UserMfa,
    /// Web credentials with MFA sometimes.
    UserMfaIntermittent,
    /// Anything else (e.g. open banking consent), which this widget cannot connect.
    Other,
}

impl From<&str> for Authorization {
    fn from(s: &str) -> Self {
        match s {
            "user" => Self::User,
            "user-mfa" => Self::UserMfa,
            "user-mfa-intermittent" => Self::UserMfaIntermittent,
            _ => Self::Other,
        }
    }
}

impl Authorization {
    /// True for the kinds a web-credential widget can connect.
    pub fn is_web_credentials(self) -> bool {
        !matches!(self, Self::Other)
    }
}

/// An institution's release `stage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Not yet usable by the public.
    Alpha,
    /// Beta, live or anything else.
    Released,
}

impl From<&str> for Stage {
    fn from(s: &str) -> Self {
        if s == "alpha" {
            Self::Alpha
        } else {
            Self::Released
        }
    }
}

/// An institution's `institutionType`, as far as the filter cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstitutionType {
    /// Basiq's test banks.
    TestBank,
    /// Everything else.
    Other,
}

impl From<&str> for InstitutionType {
    fn from(s: &str) -> Self {
        if s == "Test Bank" {
            Self::TestBank
        } else {
            Self::Other
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_map_to_kinds() {
        assert_eq!(
            TransactionStatus::from("pending"),
            TransactionStatus::Pending
        );
        assert_eq!(TransactionStatus::from("posted"), TransactionStatus::Posted);
        assert!(Authorization::from("user-mfa-intermittent").is_web_credentials());
        assert!(!Authorization::from("user-cdr").is_web_credentials());
        assert_eq!(Stage::from("alpha"), Stage::Alpha);
        assert_eq!(Stage::from("live"), Stage::Released);
        assert_eq!(
            InstitutionType::from("Test Bank"),
            InstitutionType::TestBank
        );
    }
}
