//! Every way a connection can fail — a Basiq job failure code, an HTTP error with Basiq's error
//! envelope, a network failure, an undecodable body — mapped to a user-facing [`ErrorKind`]
//! with a title, a message in plain words and the [`Recovery`] the failure screen offers.
//!
//! Nothing here panics on unexpected input: unknown codes become [`ErrorKind::Unknown`] (which
//! shows Basiq's own `detail`), unknown statuses fall back on their class (4xx, 5xx).

use crate::basiq::{ErrorEnvelope, StepFailure};

/// What went wrong, in the person's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The bank refused the login details.
    InvalidCredentials,
    /// The bank account is locked.
    AccountLocked,
    /// The bank asks for a kind of multi-factor authentication that cannot be handled.
    MfaNotSupported,
    /// The security-check answer was refused too many times.
    MfaRejected,
    /// The security check was not answered in time.
    MfaExpired,
    /// The person must do something at their bank first (accept terms, update details…).
    UserActionRequired,
    /// Basiq's or the bank's service is briefly unavailable.
    ServiceUnavailable,
    /// The bank cannot be reached right now (outage, connector problem).
    InstitutionUnavailable,
    /// The bank is under maintenance.
    Maintenance,
    /// The bank cannot be connected at all (disabled, unknown, unsupported).
    InstitutionNotSupported,
    /// The bank did not grant access (Open Banking consent refused).
    AuthorizationFailed,
    /// The job took too long.
    JobTimedOut,
    /// The access token expired or was refused; renew it once and retry.
    SessionExpired,
    /// The app is not allowed to do this (scope, production access, sandbox limit, API key).
    AccessDenied,
    /// The bank is already connected.
    AlreadyConnected,
    /// A resource was not found.
    NotFound,
    /// The request was refused as malformed.
    InvalidRequest,
    /// Too many requests; wait (the seconds come from `Retry-After` when given).
    RateLimited {
        /// Seconds to wait, from the `Retry-After` header.
        retry_after_secs: Option<u64>,
    },
    /// The server failed (5xx).
    ServerError,
    /// The request never got an answer (offline, DNS, CORS, aborted).
    Network,
    /// The answer could not be understood.
    BadResponse,
    /// The link the host site opened the widget with was already used or has expired.
    LinkExpired,
    /// Our server no longer accepts this browser's session (timed out, forgotten, or the
    /// server's secret changed); only the person may choose to start again as a new visitor.
    SessionEnded,
    /// Anything else; the failure screen shows Basiq's `detail`.
    Unknown,
}

/// The way out a failure screen offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Recovery {
    /// Back to the credential form; the login id is pre-filled when `keep_login`, the password
    /// is always empty.
    BackToForm {
        /// Whether the login id the person typed is put back.
        keep_login: bool,
    },
    /// Back to the picker to choose another bank.
    PickAnotherBank,
    /// Try again later (the app may offer another bank meanwhile).
    RetryLater {
        /// Seconds to wait before retrying, when known.
        after_secs: Option<u64>,
    },
    /// Renew the token once and repeat the request without telling the person.
    ReauthenticateOnce,
    /// The person must sort it out with their bank.
    ContactBank,
    /// Only the app's operator can fix it.
    ContactSupport,
    /// Try again now.
    Retry,
    /// Start a new session, only once the person chooses to (their old one has ended).
    StartAgain,
}

impl ErrorKind {
    /// Short heading of the failure screen.
    pub fn title(&self) -> &'static str {
        match self {
            Self::InvalidCredentials => "Those details didn't work",
            Self::AccountLocked => "Your bank account is locked",
            Self::MfaNotSupported => "Your bank's security check isn't supported",
            Self::MfaRejected => "The security check didn't work",
            Self::MfaExpired => "The security check timed out",
            Self::UserActionRequired => "Your bank needs something from you",
            Self::ServiceUnavailable => "The service is busy",
            Self::InstitutionUnavailable => "Your bank isn't available right now",
            Self::Maintenance => "Your bank is under maintenance",
            Self::InstitutionNotSupported => "This bank can't be connected",
            Self::AuthorizationFailed => "Access wasn't granted",
            Self::JobTimedOut => "This took too long",
            Self::SessionExpired => "Your session expired",
            Self::AccessDenied => "Connecting banks isn't available",
            Self::AlreadyConnected => "This bank is already connected",
            Self::NotFound => "We couldn't find that",
            Self::InvalidRequest => "Something went wrong",
            Self::RateLimited { .. } => "Too many attempts",
            Self::ServerError => "Something went wrong on our side",
            Self::Network => "You seem to be offline",
            Self::BadResponse => "We got an answer we didn't understand",
            Self::LinkExpired => "This link has expired",
            Self::SessionEnded => "Your session has ended",
            Self::Unknown => "We couldn't connect your bank",
        }
    }

    /// What happened and what to do, in plain words.
    pub fn message(&self) -> &'static str {
        match self {
            Self::InvalidCredentials => {
                "Your bank didn't accept those login details. Check them and try again."
            }
            Self::AccountLocked => {
                "Your bank has locked this account. Contact your bank to unlock it, then try again."
            }
            Self::MfaNotSupported => {
                "Your bank asks for a kind of security check we can't handle yet. \
                 Ask your bank about other ways to sign in, or connect another bank."
            }
            Self::MfaRejected => {
                "Your bank didn't accept the security check answers. Please start again."
            }
            Self::MfaExpired => {
                "The time to answer your bank's security check ran out. Please start again."
            }
            Self::UserActionRequired => {
                "Log in to your bank's website or app and complete what it asks for \
                 (for example new terms or a security update), then try again."
            }
            Self::ServiceUnavailable => {
                "We couldn't reach your bank's data service just now. Please try again."
            }
            Self::InstitutionUnavailable => {
                "We can't reach your bank at the moment. Try again later or choose another bank."
            }
            Self::Maintenance => {
                "Your bank is doing maintenance. Try again later or choose another bank."
            }
            Self::InstitutionNotSupported => {
                "This bank can't be connected at the moment. Please choose another bank."
            }
            Self::AuthorizationFailed => {
                "Your bank didn't give permission to share your data. Try again and approve \
                 the request at your bank."
            }
            Self::JobTimedOut => "Connecting to your bank took too long. Please try again.",
            Self::SessionExpired => "Your session timed out. Please try again.",
            Self::AccessDenied => {
                "This app isn't allowed to connect banks right now. Please contact the app's support."
            }
            Self::AlreadyConnected => {
                "You have already connected this bank. Choose another bank to add."
            }
            Self::NotFound => "Something we needed is no longer there. Please try again.",
            Self::InvalidRequest => "The request wasn't accepted. Please try again.",
            Self::RateLimited { .. } => "Please wait a moment before trying again.",
            Self::ServerError => "Our server had a problem. Please try again.",
            Self::Network => "We couldn't reach the server. Check your connection and try again.",
            Self::BadResponse => "The server's answer was garbled. Please try again.",
            Self::LinkExpired => {
                "The link that opened this window was already used or is too old. \
                 Close this window and start again from the site you came from."
            }
            Self::SessionEnded => {
                "For your security, this browser's session ended (it was unused for a while, \
                 was signed out, or the service was restarted). Banks you connected are not \
                 shown here any more. Start again to connect a bank as a new visitor."
            }
            Self::Unknown => "Something unexpected happened. Please try again.",
        }
    }

    /// The way out this kind of failure offers.
    pub fn recovery(&self) -> Recovery {
        match *self {
            Self::InvalidCredentials => Recovery::BackToForm { keep_login: true },
            Self::MfaRejected | Self::MfaExpired => Recovery::BackToForm { keep_login: true },
            Self::AccountLocked | Self::UserActionRequired | Self::MfaNotSupported => {
                Recovery::ContactBank
            }
            Self::InstitutionUnavailable | Self::Maintenance => {
                Recovery::RetryLater { after_secs: None }
            }
            Self::RateLimited { retry_after_secs } => Recovery::RetryLater {
                after_secs: retry_after_secs,
            },
            Self::InstitutionNotSupported | Self::AlreadyConnected => Recovery::PickAnotherBank,
            Self::SessionExpired => Recovery::ReauthenticateOnce,
            Self::AccessDenied | Self::LinkExpired => Recovery::ContactSupport,
            Self::SessionEnded => Recovery::StartAgain,
            Self::ServiceUnavailable
            | Self::AuthorizationFailed
            | Self::JobTimedOut
            | Self::NotFound
            | Self::InvalidRequest
            | Self::ServerError
            | Self::Network
            | Self::BadResponse
            | Self::Unknown => Recovery::Retry,
        }
    }

    /// True when Basiq's own `detail` helps the person (generic kinds only).
    pub fn shows_detail(&self) -> bool {
        matches!(self, Self::Unknown | Self::InvalidRequest)
    }
}

/// A classified failure: the kind plus what Basiq said, for the screen and for support.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserError {
    /// The user-facing kind.
    pub kind: ErrorKind,
    /// Basiq's code (`invalid-credentials`, `access-denied`…), when there was one.
    pub code: Option<String>,
    /// Basiq's `detail`, when there was one.
    pub detail: Option<String>,
    /// The HTTP status, for HTTP errors.
    pub status: Option<u16>,
    /// Basiq's `correlationId`, for support.
    pub correlation_id: Option<String>,
}

impl UserError {
    /// A failure of this kind with nothing more known.
    pub fn new(kind: ErrorKind) -> Self {
        Self {
            kind,
            code: None,
            detail: None,
            status: None,
            correlation_id: None,
        }
    }

    /// Heading of the failure screen.
    pub fn title(&self) -> &'static str {
        self.kind.title()
    }

    /// The text of the failure screen: the kind's message, plus Basiq's `detail` for the
    /// generic kinds.
    pub fn message(&self) -> String {
        match (&self.detail, self.kind.shows_detail()) {
            (Some(d), true) if !d.trim().is_empty() => {
                format!("{} ({})", self.kind.message(), d.trim())
            }
            _ => self.kind.message().to_string(),
        }
    }

    /// The way out.
    pub fn recovery(&self) -> Recovery {
        self.kind.recovery()
    }

    /// True when the request should be repeated once with a renewed token.
    pub fn needs_new_token(&self) -> bool {
        self.kind == ErrorKind::SessionExpired
    }
}

/// Classifies a failed job step (`result` of a `failed` step).
pub fn from_step_failure(failure: &StepFailure) -> UserError {
    from_job_code(
        &failure.code,
        failure.title.as_deref(),
        failure.detail.as_deref(),
    )
}

/// True when `needle` occurs in `text`: what `str::contains` answers, through the search's byte
/// scan instead of std's searcher, whose slicing can panic with a formatted message (the
/// formatting then comes into the picker's module with the error mapping).
fn has(text: &str, needle: &str) -> bool {
    crate::search::contains(text.as_bytes(), needle.as_bytes())
}

/// Classifies a job failure code with its title and detail.
pub fn from_job_code(code: &str, title: Option<&str>, detail: Option<&str>) -> UserError {
    let mut joined = String::from(title.unwrap_or(""));
    joined.push(' ');
    joined.push_str(detail.unwrap_or(""));
    let text = crate::case::lowercase(&joined);
    let mentions_mfa = has(&text, "multi-factor") || has(&text, "mfa");
    let kind = match code.trim().to_ascii_lowercase().as_str() {
        "invalid-credentials" => {
            if has(&text, "locked") {
                ErrorKind::AccountLocked
            } else if mentions_mfa && has(&text, "not supported") {
                ErrorKind::MfaNotSupported
            } else if mentions_mfa {
                ErrorKind::MfaRejected
            } else {
                ErrorKind::InvalidCredentials
            }
        }
        "invalid-connection" => ErrorKind::InvalidCredentials,
        "user-action-required" | "account-not-accessible-requires-user-action" => {
            if mentions_mfa && (has(&text, "expired") || has(&text, "in time")) {
                ErrorKind::MfaExpired
            } else {
                ErrorKind::UserActionRequired
            }
        }
        "service-unavailable" => ErrorKind::ServiceUnavailable,
        "system-unavailable" | "institution-not-available" | "connector-error" => {
            ErrorKind::InstitutionUnavailable
        }
        "maintenance" | "maintenance-error" => ErrorKind::Maintenance,
        "institution-disabled" | "institution-not-found" | "institution-not-supported" => {
            ErrorKind::InstitutionNotSupported
        }
        "authorization-failed" => ErrorKind::AuthorizationFailed,
        "job-timed-out" => ErrorKind::JobTimedOut,
        _ => ErrorKind::Unknown,
    };
    UserError {
        kind,
        code: Some(code.to_string()),
        detail: detail.map(str::to_string),
        status: None,
        correlation_id: None,
    }
}

/// Reads a `Retry-After` header given in seconds (an HTTP date needs a clock: `None`).
pub fn parse_retry_after(value: &str) -> Option<u64> {
    value.trim().parse().ok()
}

/// Classifies an HTTP error answer from Basiq or our server: the status, the raw body (Basiq's
/// error envelope when it decodes) and the `Retry-After` header.
pub fn from_http(status: u16, body: &str, retry_after: Option<&str>) -> UserError {
    let object = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(body).ok();
    from_http_object(status, object.as_ref(), retry_after)
}

/// [`from_http`] of a body the browser parsed (`None` when it was not a JSON object).
pub fn from_http_object<O: crate::fields::JsonObject>(
    status: u16,
    body: Option<&O>,
    retry_after: Option<&str>,
) -> UserError {
    if let Some(ours) = body.and_then(crate::api_types::ApiErrorBody::from_object) {
        return from_server(status, &ours, retry_after);
    }
    match body.and_then(ErrorEnvelope::from_object) {
        Some(envelope) => from_envelope(status, &envelope, retry_after),
        None => {
            let mut e = UserError::new(kind_from_status(status, retry_after));
            e.status = Some(status);
            e
        }
    }
}

/// Classifies an error answer of our own server (`{"code","message"}`).
pub fn from_server(
    status: u16,
    body: &crate::api_types::ApiErrorBody,
    retry_after: Option<&str>,
) -> UserError {
    let kind = match body.code.as_str() {
        // Embedded without a link token or a session: only the host site can start one.
        "link-token-invalid" | "link-token-required" => ErrorKind::LinkExpired,
        "no-session" => ErrorKind::SessionExpired,
        "session-expired" => ErrorKind::SessionEnded,
        "origin-not-allowed" | "misconfigured" => ErrorKind::AccessDenied,
        "rate-limited" | "refresh-too-soon" => ErrorKind::RateLimited {
            retry_after_secs: retry_after.and_then(parse_retry_after),
        },
        "not-found" => ErrorKind::NotFound,
        "upstream-unavailable" => ErrorKind::ServiceUnavailable,
        _ => kind_from_status(status, retry_after),
    };
    let mut e = UserError::new(kind);
    e.status = Some(status);
    e.code = Some(body.code.clone());
    e.detail = Some(body.message.clone());
    e
}

/// Classifies an HTTP error whose body decoded as Basiq's error envelope.
pub fn from_envelope(
    status: u16,
    envelope: &ErrorEnvelope,
    retry_after: Option<&str>,
) -> UserError {
    let first = envelope.data.first();
    let code = first.map(|e| e.code.trim().to_ascii_lowercase());
    let detail = first.and_then(|e| e.detail.clone());
    let title = first.map(|e| e.title.as_str());
    let kind = match code.as_deref() {
        _ if envelope.is_token_expired() => ErrorKind::SessionExpired,
        Some("access-denied")
            if detail
                .as_deref()
                .is_some_and(|d| has(&d.to_ascii_lowercase(), "expired")) =>
        {
            ErrorKind::SessionExpired
        }
        Some(
            "invalid-authorization-token" | "unauthorized-access" | "invalid-authorization-request",
        ) => ErrorKind::SessionExpired,
        Some(
            "access-denied"
            | "forbidden-access"
            | "no-production-access"
            | "too-many-sandbox-connections",
        ) => ErrorKind::AccessDenied,
        // A bad API key at /token is a 404 parameter-not-valid.
        Some("parameter-not-valid") if status == 404 => ErrorKind::AccessDenied,
        Some("resource-already-exists") => ErrorKind::AlreadyConnected,
        Some("resource-not-found") => ErrorKind::NotFound,
        Some("too-many-requests") => ErrorKind::RateLimited {
            retry_after_secs: retry_after.and_then(parse_retry_after),
        },
        Some("request-not-valid") if status == 403 || status == 429 => ErrorKind::RateLimited {
            retry_after_secs: retry_after.and_then(parse_retry_after),
        },
        Some("service-unavailable") if status == 503 && retry_after.is_some() => {
            ErrorKind::RateLimited {
                retry_after_secs: retry_after.and_then(parse_retry_after),
            }
        }
        Some("internal-server-error") => ErrorKind::ServerError,
        Some(
            c @ ("invalid-credentials"
            | "institution-not-supported"
            | "institution-not-available"
            | "institution-disabled"
            | "institution-not-found"
            | "service-unavailable"
            | "maintenance"
            | "maintenance-error"
            | "account-not-accessible-requires-user-action"
            | "user-action-required"),
        ) => from_job_code(c, title, detail.as_deref()).kind,
        _ => kind_from_status(status, retry_after),
    };
    UserError {
        kind,
        code: first.map(|e| e.code.clone()),
        detail,
        status: Some(status),
        correlation_id: envelope.correlation_id.clone(),
    }
}

/// The kind an HTTP status means on its own (no usable body).
pub fn kind_from_status(status: u16, retry_after: Option<&str>) -> ErrorKind {
    match status {
        401 => ErrorKind::SessionExpired,
        403 => ErrorKind::AccessDenied,
        404 | 410 => ErrorKind::NotFound,
        409 => ErrorKind::AlreadyConnected,
        429 => ErrorKind::RateLimited {
            retry_after_secs: retry_after.and_then(parse_retry_after),
        },
        503 if retry_after.is_some() => ErrorKind::RateLimited {
            retry_after_secs: retry_after.and_then(parse_retry_after),
        },
        503 => ErrorKind::ServiceUnavailable,
        400..=499 => ErrorKind::InvalidRequest,
        500..=599 => ErrorKind::ServerError,
        // A "failure" with a success or odd status: the body was not what we expected.
        _ => ErrorKind::BadResponse,
    }
}

/// The request got no answer at all.
pub fn network_failure() -> UserError {
    UserError::new(ErrorKind::Network)
}

/// A success answer whose body could not be decoded.
pub fn undecodable_body(status: u16) -> UserError {
    let mut e = UserError::new(ErrorKind::BadResponse);
    e.status = Some(status);
    e
}

#[cfg(test)]
mod tests {
    #[test]
    fn has_is_contains() {
        for (text, needle) in [
            ("", ""),
            ("", "a"),
            ("a", ""),
            ("mfa", "mfa"),
            ("the mfa code", "mfa"),
            ("mf", "mfa"),
            ("ümfa", "mfa"),
            ("naïve", "ïv"),
            ("naïve", "i"),
        ] {
            assert_eq!(
                super::has(text, needle),
                text.contains(needle),
                "{text:?} {needle:?}"
            );
        }
    }

    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn has_agrees_with_contains(text in "[a-zé ]{0,12}", needle in "[a-zé ]{0,3}") {
            prop_assert_eq!(has(&text, &needle), text.contains(needle.as_str()));
        }
    }

    fn envelope(code: &str, detail: Option<&str>) -> String {
        serde_json::json!({
            "type": "list",
            "correlationId": "corr-1",
            "data": [{"type": "error", "code": code, "title": "T", "detail": detail, "source": null}]
        })
        .to_string()
    }

    fn job(code: &str, title: &str, detail: &str) -> ErrorKind {
        from_job_code(code, Some(title), Some(detail)).kind
    }

    #[test]
    fn invalid_credentials_variants_are_told_apart() {
        let generic = job(
            "invalid-credentials",
            "Cannot login to target institution, check credentials.",
            "Cannot login to target institution using supplied credentials. Please check credentials and try again.",
        );
        assert_eq!(generic, ErrorKind::InvalidCredentials);
        assert_eq!(
            generic.recovery(),
            Recovery::BackToForm { keep_login: true }
        );
        let locked = job(
            "invalid-credentials",
            "Cannot login to target institution, check credentials: this account is locked.",
            "Account is locked. Cannot login to target institution using supplied credentials. Please contact institution directly.",
        );
        assert_eq!(locked, ErrorKind::AccountLocked);
        assert_eq!(locked.recovery(), Recovery::ContactBank);
        assert_eq!(
            job(
                "invalid-credentials",
                "Cannot login to target institution, check credentials: invalid username or password.",
                ""
            ),
            ErrorKind::InvalidCredentials
        );
        assert_eq!(
            job(
                "invalid-credentials",
                "Cannot login to target institution, check credentials: multi-factor authentication is not supported.",
                ""
            ),
            ErrorKind::MfaNotSupported
        );
        assert_eq!(
            job(
                "invalid-credentials",
                "Cannot login to target institution, check credentials.",
                "The multi-factor authentication response was incorrect too many times. Please try again."
            ),
            ErrorKind::MfaRejected
        );
    }

    #[test]
    fn every_known_job_code_has_its_kind_and_recovery() {
        use ErrorKind::*;
        for (code, kind, recovery) in [
            (
                "account-not-accessible-requires-user-action",
                UserActionRequired,
                Recovery::ContactBank,
            ),
            (
                "user-action-required",
                UserActionRequired,
                Recovery::ContactBank,
            ),
            ("service-unavailable", ServiceUnavailable, Recovery::Retry),
            (
                "system-unavailable",
                InstitutionUnavailable,
                Recovery::RetryLater { after_secs: None },
            ),
            (
                "connector-error",
                InstitutionUnavailable,
                Recovery::RetryLater { after_secs: None },
            ),
            (
                "institution-not-available",
                InstitutionUnavailable,
                Recovery::RetryLater { after_secs: None },
            ),
            (
                "maintenance",
                Maintenance,
                Recovery::RetryLater { after_secs: None },
            ),
            (
                "maintenance-error",
                Maintenance,
                Recovery::RetryLater { after_secs: None },
            ),
            (
                "institution-disabled",
                InstitutionNotSupported,
                Recovery::PickAnotherBank,
            ),
            (
                "institution-not-found",
                InstitutionNotSupported,
                Recovery::PickAnotherBank,
            ),
            ("job-timed-out", JobTimedOut, Recovery::Retry),
            ("authorization-failed", AuthorizationFailed, Recovery::Retry),
            (
                "invalid-connection",
                InvalidCredentials,
                Recovery::BackToForm { keep_login: true },
            ),
            ("unknown-error", Unknown, Recovery::Retry),
            ("bank-statement-parsing-error", Unknown, Recovery::Retry),
            ("SERVICE-UNAVAILABLE", ServiceUnavailable, Recovery::Retry),
        ] {
            let e = from_job_code(code, Some("t"), Some("d"));
            assert_eq!(e.kind, kind, "{code}");
            assert_eq!(e.recovery(), recovery, "{code}");
            assert_eq!(e.code.as_deref(), Some(code));
        }
    }

    #[test]
    fn mfa_expiry_is_not_a_generic_user_action() {
        assert_eq!(
            job(
                "user-action-required",
                "MFA challenge expired.",
                "The multi-factor authentication challenge was not answered in time. Please try again."
            ),
            ErrorKind::MfaExpired
        );
    }

    #[test]
    fn unknown_codes_show_basiqs_detail() {
        let e = from_job_code("brand-new-code", None, Some("Bank says no."));
        assert_eq!(e.kind, ErrorKind::Unknown);
        assert!(e.message().contains("Bank says no."), "{}", e.message());
        let known = from_job_code("maintenance", None, Some("Internal text"));
        assert!(!known.message().contains("Internal text"));
    }

    #[test]
    fn token_errors_ask_for_one_renewal() {
        let expired = from_http(
            403,
            &envelope("access-denied", Some("Token has expired")),
            None,
        );
        assert_eq!(expired.kind, ErrorKind::SessionExpired);
        assert!(expired.needs_new_token());
        assert_eq!(expired.recovery(), Recovery::ReauthenticateOnce);
        assert_eq!(expired.correlation_id.as_deref(), Some("corr-1"));
        for code in ["invalid-authorization-token", "unauthorized-access"] {
            assert_eq!(
                from_http(401, &envelope(code, None), None).kind,
                ErrorKind::SessionExpired
            );
        }
        assert_eq!(from_http(401, "", None).kind, ErrorKind::SessionExpired);
    }

    #[test]
    fn contract_recorded_basiq_errors_classify() {
        let forbidden = &crate::reference("recorded/user/getUserForbidden.json");
        assert_eq!(
            from_http(403, forbidden, None).kind,
            ErrorKind::SessionExpired
        );
        let unauthorized =
            &crate::reference("recorded/institutions/getInstitutionsUnauthorized.json");
        assert_eq!(
            from_http(401, unauthorized, None).kind,
            ErrorKind::SessionExpired
        );
        let not_found = &crate::reference("recorded/institutions/getInstitutionNotFound.json");
        assert_eq!(from_http(404, not_found, None).kind, ErrorKind::NotFound);
        let bad_key = &crate::reference("recorded/token/postTokenNotFound.json");
        assert_eq!(from_http(404, bad_key, None).kind, ErrorKind::AccessDenied);
        let bad = &crate::reference("recorded/token/postTokenBadRequest.json");
        let e = from_http(400, bad, None);
        assert_eq!(e.kind, ErrorKind::InvalidRequest);
        assert!(e.message().contains("Basiq-version"), "{}", e.message());
    }

    #[test]
    fn other_403s_are_access_problems() {
        for code in [
            "forbidden-access",
            "no-production-access",
            "too-many-sandbox-connections",
        ] {
            let e = from_http(403, &envelope(code, Some("x")), None);
            assert_eq!(e.kind, ErrorKind::AccessDenied, "{code}");
            assert_eq!(e.recovery(), Recovery::ContactSupport);
        }
        let not_enabled = from_http(
            403,
            &envelope(
                "access-denied",
                Some("Please contact us to have your API key enabled for Connections."),
            ),
            None,
        );
        assert_eq!(not_enabled.kind, ErrorKind::AccessDenied);
    }

    #[test]
    fn statuses_and_retry_after() {
        let limited = from_http(429, &envelope("too-many-requests", None), Some("30"));
        assert_eq!(
            limited.recovery(),
            Recovery::RetryLater {
                after_secs: Some(30)
            }
        );
        assert_eq!(
            from_http(429, "", Some("soon")).recovery(),
            Recovery::RetryLater { after_secs: None }
        );
        assert_eq!(
            from_http(409, &envelope("resource-already-exists", None), None).recovery(),
            Recovery::PickAnotherBank
        );
        assert_eq!(from_http(409, "", None).kind, ErrorKind::AlreadyConnected);
        assert_eq!(from_http(404, "<html>", None).kind, ErrorKind::NotFound);
        assert_eq!(from_http(500, "oops", None).kind, ErrorKind::ServerError);
        assert_eq!(from_http(502, "", None).kind, ErrorKind::ServerError);
        assert_eq!(from_http(503, "", None).kind, ErrorKind::ServiceUnavailable);
        assert_eq!(
            from_http(503, "", Some("120")).recovery(),
            Recovery::RetryLater {
                after_secs: Some(120)
            }
        );
        assert_eq!(
            from_http(
                400,
                &envelope(
                    "parameter-not-supplied",
                    Some("Institution ID parameter is required.")
                ),
                None
            )
            .kind,
            ErrorKind::InvalidRequest
        );
        assert_eq!(
            from_http(400, &envelope("invalid-credentials", None), None).kind,
            ErrorKind::InvalidCredentials
        );
        assert_eq!(
            from_http(400, &envelope("institution-not-supported", None), None).recovery(),
            Recovery::PickAnotherBank
        );
        assert_eq!(from_http(418, "", None).kind, ErrorKind::InvalidRequest);
        assert_eq!(from_http(200, "", None).kind, ErrorKind::BadResponse);
        assert_eq!(network_failure().recovery(), Recovery::Retry);
        assert_eq!(undecodable_body(200).kind, ErrorKind::BadResponse);
        assert_eq!(undecodable_body(200).status, Some(200));
    }

    #[test]
    fn every_kind_has_words() {
        use ErrorKind::*;
        for kind in [
            InvalidCredentials,
            AccountLocked,
            MfaNotSupported,
            MfaRejected,
            MfaExpired,
            UserActionRequired,
            ServiceUnavailable,
            InstitutionUnavailable,
            Maintenance,
            InstitutionNotSupported,
            AuthorizationFailed,
            JobTimedOut,
            SessionExpired,
            AccessDenied,
            AlreadyConnected,
            NotFound,
            InvalidRequest,
            RateLimited {
                retry_after_secs: None,
            },
            ServerError,
            Network,
            BadResponse,
            Unknown,
        ] {
            assert!(
                kind.title().len() > 5 && kind.message().ends_with('.'),
                "{kind:?}"
            );
            assert!(!kind.message().contains('-'), "codes leak into {kind:?}");
        }
    }

    proptest! {
        #[test]
        fn http_classification_never_panics(status in 0u16..1000, body in "\\PC{0,200}", ra in proptest::option::of("\\PC{0,8}")) {
            let e = from_http(status, &body, ra.as_deref());
            prop_assert_eq!(e.status, Some(status));
            prop_assert!(!e.message().is_empty());
        }

        #[test]
        fn any_job_code_classifies(code in "\\PC{0,40}", detail in proptest::option::of("\\PC{0,80}")) {
            let e = from_job_code(&code, None, detail.as_deref());
            prop_assert!(!e.title().is_empty());
        }

        #[test]
        fn any_envelope_code_classifies(code in "[a-z-]{0,30}", status in 400u16..600) {
            let e = from_http(status, &envelope(&code, None), None);
            prop_assert_eq!(e.code.as_deref(), Some(code.as_str()));
        }
    }
}

#[cfg(test)]
mod server_answer_tests {
    use super::*;

    #[test]
    fn our_servers_answers_are_classified() {
        let used = from_http(
            401,
            r#"{"code":"link-token-invalid","message":"This link has already been used."}"#,
            None,
        );
        assert_eq!(used.kind, ErrorKind::LinkExpired);
        assert_eq!(used.recovery(), Recovery::ContactSupport);
        let required = from_http(
            401,
            r#"{"code":"link-token-required","message":"Open this page from the site you came from."}"#,
            None,
        );
        assert_eq!(required.kind, ErrorKind::LinkExpired);
        let soon = from_http(
            429,
            r#"{"code":"refresh-too-soon","message":"later"}"#,
            Some("120"),
        );
        assert_eq!(
            soon.kind,
            ErrorKind::RateLimited {
                retry_after_secs: Some(120)
            }
        );
        let gone = from_http(401, r#"{"code":"no-session","message":"Reload."}"#, None);
        assert_eq!(gone.kind, ErrorKind::SessionExpired);
        // A session the server no longer accepts: the person chooses; no silent renewal.
        let ended = from_http(
            401,
            r#"{"code":"session-expired","message":"Your session has ended."}"#,
            None,
        );
        assert_eq!(ended.kind, ErrorKind::SessionEnded);
        assert_eq!(ended.recovery(), Recovery::StartAgain);
        assert!(!ended.needs_new_token());
        // A Basiq envelope is still read as Basiq's.
        let basiq = from_http(
            403,
            r#"{"type":"list","data":[{"type":"error","code":"access-denied","title":"Access denied.","detail":"Token has expired"}]}"#,
            None,
        );
        assert_eq!(basiq.kind, ErrorKind::SessionExpired);
    }
}
