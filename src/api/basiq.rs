//! Basiq, called from the browser with the CLIENT token of one Basiq user: the client holds the
//! token it is authorised by (in memory only) and the user it acts for.

use bank_connect_core::basiq::{Institution, Job, ResourceRef};
use bank_connect_core::errors::UserError;
use gloo_net::http::{Request, RequestBuilder};

use super::{decode_object, ok, segment, send};

/// A client for Basiq acting for one user with a client token.
#[derive(Clone, PartialEq, Eq)]
pub struct Basiq {
    base: String,
    token: String,
    user_id: String,
}

impl std::fmt::Debug for Basiq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the token.
        f.debug_struct("Basiq")
            .field("base", &self.base)
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

impl Basiq {
    /// The client for `base` (from `/api/config`), authorised by `token` for `user_id`.
    pub fn new(base: &str, token: String, user_id: String) -> Self {
        Self {
            base: base.trim_end_matches('/').to_string(),
            token,
            user_id,
        }
    }

    fn get(&self, path: &str) -> RequestBuilder {
        Request::get(&format!("{}{path}", self.base))
            .header("Authorization", &format!("Bearer {}", self.token))
            .header("Accept", "application/json")
    }

    fn post(&self, path: &str) -> RequestBuilder {
        Request::post(&format!("{}{path}", self.base))
            .header("Authorization", &format!("Bearer {}", self.token))
            .header("Accept", "application/json")
            .header("Content-Type", "application/json")
    }

    /// `GET /institutions/{id}`: fresh captions and status.
    pub async fn institution(&self, id: &str) -> Result<Institution, UserError> {
        let request = self.get(&format!("/institutions/{}", segment(id))).build();
        decode_object(send(request).await?, Institution::from_object).await
    }

    /// `POST /users/{id}/connections` with the credentials body (built by core at the moment of
    /// sending); Basiq answers with the job to follow, by reference (`{"type": "job", "id": …}`:
    /// the form's module reads no job steps).
    pub async fn create_connection(&self, body: &str) -> Result<ResourceRef, UserError> {
        let path = format!("/users/{}/connections", segment(&self.user_id));
        let request = self.post(&path).body(body.to_string());
        decode_object(send(request).await?, ResourceRef::from_object).await
    }

    /// `GET /jobs/{id}`.
    pub async fn job(&self, job_id: &str) -> Result<Job, UserError> {
        let request = self.get(&format!("/jobs/{}", segment(job_id))).build();
        decode_object(send(request).await?, Job::from_object).await
    }

    /// `POST /jobs/{id}/mfa` with `{"mfa-response": […]}`.
    pub async fn answer_mfa(&self, job_id: &str, body: &str) -> Result<(), UserError> {
        let request = self
            .post(&format!("/jobs/{}/mfa", segment(job_id)))
            .body(body.to_string());
        ok(request).await.map(|_| ())
    }

    /// `POST /users/{id}/connections/{connectionId}` (Basiq 2.x credential update) with the
    /// credentials body built by the form at the moment of sending; Basiq answers with a job.
    pub async fn update_connection(
        &self,
        connection_id: &str,
        body: &str,
    ) -> Result<Job, UserError> {
        let path = format!(
            "/users/{}/connections/{}",
            segment(&self.user_id),
            segment(connection_id)
        );
        let request = self.post(&path).body(body.to_string());
        decode_object(send(request).await?, Job::from_object).await
    }
}
