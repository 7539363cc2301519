//! A lead decides for their own team: assigning and unassigning through `/v1/cases/{id}/assignees/{user}`
//! works on the lead's team's cases and only with the lead's team's workers, whatever else the lead can see.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::fixtures::{World, Writer};
use crate::helpers::{Backend, TestApp};

both_backends!(
    a_lead_manages_only_their_own_teams_cases,
    a_lead_assigns_only_their_own_teams_workers,
    a_lead_lists_their_team_and_an_admin_the_tenant,
);

async fn a_lead_manages_only_their_own_teams_cases(backend: Backend) {
    let w = World::new(backend).await;
    // A Syd case that Nord's lead can see, because it is assigned to her.
    let mut syd_case = Writer::new(1, &w.north, &w.syd, &w.cy);
    syd_case.create(w.store(), &[&w.cy, &w.lea]).await;
    let lea = w.token(&w.lea).await;
    let dan = w.token(&w.dan).await;

    let path = format!("/v1/cases/{}/assignees/{}", syd_case.doc_id, w.cy.id);
    assert_eq!(send(&w.app, "DELETE", &path, &lea).await, StatusCode::NOT_FOUND);
    assert!(
        w.store()
            .case_assignees(&syd_case.doc_id)
            .await
            .expect("store")
            .contains(&w.cy.id)
    );
    // Syd's own lead may.
    assert_eq!(send(&w.app, "DELETE", &path, &dan).await, StatusCode::NO_CONTENT);
    assert!(
        !w.store()
            .case_assignees(&syd_case.doc_id)
            .await
            .expect("store")
            .contains(&w.cy.id)
    );
}

async fn a_lead_assigns_only_their_own_teams_workers(backend: Backend) {
    let w = World::new(backend).await;
    let mut nord_case = Writer::new(1, &w.north, &w.nord, &w.anna);
    nord_case.create(w.store(), &[&w.anna]).await;
    let lea = w.token(&w.lea).await;
    let admin = w.token(&w.admin).await;

    let to_cy = format!("/v1/cases/{}/assignees/{}", nord_case.doc_id, w.cy.id);
    assert_eq!(send(&w.app, "PUT", &to_cy, &lea).await, StatusCode::FORBIDDEN);
    let to_bo = format!("/v1/cases/{}/assignees/{}", nord_case.doc_id, w.bo.id);
    assert_eq!(send(&w.app, "PUT", &to_bo, &lea).await, StatusCode::NO_CONTENT);
    // Handing a case across teams is the admin's decision.
    assert_eq!(send(&w.app, "PUT", &to_cy, &admin).await, StatusCode::NO_CONTENT);
    let assignees = w.store().case_assignees(&nord_case.doc_id).await.expect("store");
    assert!(assignees.contains(&w.bo.id) && assignees.contains(&w.cy.id));
}

async fn a_lead_lists_their_team_and_an_admin_the_tenant(backend: Backend) {
    let w = World::new(backend).await;
    let names = |body: &serde_json::Value| -> Vec<String> {
        body["users"]
            .as_array()
            .expect("users")
            .iter()
            .map(|u| u["username"].as_str().expect("name").to_owned())
            .collect()
    };
    let lea = w.token(&w.lea).await;
    let team = w.app.get("/v1/users", Some(&lea)).await;
    assert_eq!(team.status, StatusCode::OK);
    assert_eq!(names(&team.body), ["anna", "bo", "lea"]);
    let admin = w.token(&w.admin).await;
    let tenant = w.app.get("/v1/users", Some(&admin)).await;
    assert_eq!(
        names(&tenant.body),
        ["admin", "anna", "bo", "cy", "dan", "lea"],
        "not west's mads"
    );
    assert!(tenant.body["users"][0]["blocked_at"].is_null());
    let anna = w.token(&w.anna).await;
    assert_eq!(
        w.app.get("/v1/users", Some(&anna)).await.status,
        StatusCode::FORBIDDEN
    );
    // A worker lists their own team's members (to put a colleague on a case), with no lockout state.
    let own = w.app.get("/v1/team", Some(&anna)).await;
    assert_eq!(own.status, StatusCode::OK);
    let members: Vec<&str> = own.body["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["username"].as_str().expect("name"))
        .collect();
    assert_eq!(members, ["anna", "bo", "lea"]);
    assert!(own.body["members"][0].get("blocked_at").is_none());
    let cy = w.token(&w.cy).await;
    assert_eq!(
        w.app.get("/v1/team", Some(&cy)).await.body["members"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    assert_eq!(
        w.app.get("/v1/team", Some(&admin)).await.status,
        StatusCode::FORBIDDEN,
        "an admin is in no team"
    );
}

async fn send(app: &TestApp, method: &str, path: &str, token: &str) -> StatusCode {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .expect("a valid request");
    app.send(request).await.status
}
