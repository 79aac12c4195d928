//! Someone else's connection is a 404 before anything else happens; the refresh slot is per
//! (user, connection) and taken atomically — against the real simulator.

use crate::support::{app_with, cookie_client};

#[tokio::test]
async fn parallel_refreshes_start_one_job_and_another_users_id_is_a_404_not_a_429() {
    let app = app_with(&[]).await;
    let me = cookie_client();
    let g = app.grant(&me).await;
    app.connect(&g, "gavinBelson", "hooli2016", "AU00000").await;
    let cid = app.connections(&me).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let statuses: Vec<u16> = futures::future::join_all(
        (0..20).map(|_| async { app.refresh(&me, &cid).await.status().as_u16() }),
    )
    .await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 202).count(),
        1,
        "one refresh starts: {statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 202 || *s == 429),
        "{statuses:?}"
    );

    let other = cookie_client();
    app.grant(&other).await;
    assert_eq!(
        app.refresh(&other, &cid).await.status(),
        404,
        "another user's connection is not found, even while it is throttled"
    );
    assert_eq!(app.delete_connection(&other, &cid).await.status(), 404);
    assert_eq!(app.connections(&me).await.len(), 1, "still there");
}
