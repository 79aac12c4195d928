//! A `POST /users` whose answer is lost: the host user's row, written before the call, stays
//! `unconfirmed` in the store (the user may exist at Basiq), and the next mint creates anew.

use std::time::Duration;

use bank_connect_server::store::{Location, Store};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::temp_data_dir;
use crate::upstream::{app_for, server_token_mock};

const HOST_SECRET: &str = "host-secret-of-some-length";

#[tokio::test]
async fn a_lost_post_users_answer_leaves_an_unconfirmed_row_and_the_next_mint_completes() {
    let upstream = MockServer::start().await;
    server_token_mock(&upstream, 1).await;
    let user = json!({"type":"user","id":"u-second","email":"a@b.c","links":{"self":"x"}});
    // The first creation's answer never arrives in time (Basiq may have made the user).
    Mock::given(method("POST"))
        .and(path("/users"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(user.clone())
                .set_delay(Duration::from_secs(2)),
        )
        .up_to_n_times(1)
        .mount(&upstream)
        .await;
    Mock::given(method("POST"))
        .and(path("/users"))
        .respond_with(ResponseTemplate::new(201).set_body_json(user))
        .mount(&upstream)
        .await;
    let dir = temp_data_dir();
    let dir_arg = dir.display().to_string();
    let app = app_for(
        &upstream,
        &[
            "--host-api-secret",
            HOST_SECRET,
            "--upstream-timeout-ms",
            "300",
            "--data-dir",
            &dir_arg,
        ],
    )
    .await;
    let body = json!({"user_ref": "u-lost", "email": "a@b.c"});
    let lost = app.link_tokens(HOST_SECRET, &body).await;
    assert!(lost.status().is_server_error(), "{}", lost.status());
    let store = Store::open(&Location::SqliteFile(dir.join("bank-connect.sqlite3")))
        .await
        .unwrap();
    let row = store
        .host_user("default", "u-lost")
        .await
        .unwrap()
        .expect("the row was written first");
    assert_eq!(
        (row.state.as_str(), row.basiq_user_id),
        ("unconfirmed", None)
    );

    let again = app.link_tokens(HOST_SECRET, &body).await;
    assert_eq!(again.status(), 200);
    let row = store.host_user("default", "u-lost").await.unwrap().unwrap();
    assert_eq!(
        (row.state.as_str(), row.basiq_user_id.as_deref()),
        ("ready", Some("u-second"))
    );
}
