//! Our server's routes for Basiq 3.0's Consent UI: starting a hand-off, the relay that says
//! how it ended, and the jobs of the visit (polled through our server, with its token).

use bank_connect_core::api_types::ConsentView;
use bank_connect_core::basiq::Job;
use bank_connect_core::errors::UserError;
use bank_connect_core::handoff::{ConsentResult, ConsentStarted};
use gloo_net::http::Request;

use super::{decode_list, decode_object, ok, segment, send};

/// `POST /api/consent/start`: the Consent UI URL (with its one-use token) and the hand-off's
/// nonce. The URL is used at once and never stored.
pub async fn start_consent(body: &serde_json::Value) -> Result<ConsentStarted, UserError> {
    decode_object(
        send(Request::post("/api/consent/start").json(body)).await?,
        ConsentStarted::from_object,
    )
    .await
}

/// `GET /api/consent/result?nonce=`: `None` while the person is still at Basiq (204), the
/// visit's jobs once they are back.
pub async fn consent_result(nonce: &str) -> Result<Option<ConsentResult>, UserError> {
    let url = format!("/api/consent/result?nonce={}", segment(nonce));
    let response = send(
        Request::get(&url)
            .header("Accept", "application/json")
            .build(),
    )
    .await?;
    if response.status() == 204 {
        return Ok(None);
    }
    decode_object(response, ConsentResult::from_object)
        .await
        .map(Some)
}

/// `GET /api/jobs/{id}`: a job of the session's user, polled with our server's token.
pub async fn fetch_job(job_id: &str) -> Result<Job, UserError> {
    let request = Request::get(&format!("/api/jobs/{}", segment(job_id)))
        .header("Accept", "application/json")
        .build();
    decode_object(send(request).await?, Job::from_object).await
}

/// `GET /api/consents`: the session user's consents.
pub async fn list_consents() -> Result<Vec<ConsentView>, UserError> {
    let request = Request::get("/api/consents")
        .header("Accept", "application/json")
        .build();
    decode_list(send(request).await?, ConsentView::from_object).await
}

/// `DELETE /api/consents/{id}`: revokes the consent (Basiq deletes every connection under it).
pub async fn revoke_consent(consent_id: &str) -> Result<(), UserError> {
    ok(Request::delete(&format!("/api/consents/{}", segment(consent_id))).build())
        .await
        .map(|_| ())
}
