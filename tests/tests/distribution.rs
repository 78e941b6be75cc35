//! The distribution API end to end: a presigned upload bound to size and checksum, publication
//! that verifies the upload, the latest record in SSM (moto), and the download link.

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]

use ccwb_e2e::{Local, error_message, sha256_hex};
use reqwest::Method;
use serde_json::{Value, json};

/// Uploads `body` with the ticket's URL and headers.
async fn upload(ticket: &Value, body: Vec<u8>) -> u16 {
    let mut request = reqwest::Client::new()
        .put(ticket["upload_url"].as_str().unwrap())
        .body(body);
    for (name, value) in ticket["upload_headers"].as_object().unwrap() {
        if name != "content-length" {
            request = request.header(name, value.as_str().unwrap());
        }
    }
    request.send().await.unwrap().status().as_u16()
}

/// Publishing is refused with 409, with a message containing `expected`.
async fn refused_publish(local: &Local, admin: &str, path: &str, expected: &str) {
    let (status, body) = local.post(path, admin, &json!({})).await;
    assert_eq!(status, 409, "{body}");
    assert!(error_message(&body).contains(expected), "{body}");
}

#[tokio::test]
async fn upload_publish_and_download_the_exact_package() {
    let local = Local::start();
    let admin = local.admin_token();
    let package = b"PK\x03\x04 a package".repeat(1000);
    let digest = sha256_hex(&package);

    let latest = "/distributions/latest";
    let (status, body) = local.get(latest, Some(&admin)).await;
    assert_eq!(status, 404, "{body}");

    let declare = json!({"filename": "claude-code-package.zip", "sha256": digest,
        "size": package.len(), "platforms": ["linux-x64"]});
    let (status, ticket) = local.post("/distributions", &admin, &declare).await;
    assert_eq!(status, 201, "{ticket}");
    let id = ticket["id"].as_str().unwrap().to_owned();
    assert!(
        ticket["upload_headers"]["x-amz-checksum-sha256"].is_string(),
        "{ticket}"
    );
    assert!(ticket["expires_at"].as_str().unwrap().ends_with('Z'));

    // Publishing before the upload, or after a wrong one, is refused and publishes nothing.
    let publish = format!("/distributions/{id}/publish");
    refused_publish(&local, &admin, &publish, "nothing was uploaded").await;
    let mut tampered = package.clone();
    tampered[0] = b'X';
    assert_eq!(upload(&ticket, tampered).await, 200);
    refused_publish(&local, &admin, &publish, "SHA-256").await;
    assert_eq!(upload(&ticket, package[..100].to_vec()).await, 200);
    refused_publish(&local, &admin, &publish, "bytes").await;

    // Expiry bounds.
    assert_eq!(upload(&ticket, package.clone()).await, 200);
    for bad in [
        json!({"expires_hours": 0}),
        json!({"expires_hours": 169}),
        json!({"expires_hours": "48"}),
        json!({"expires_hours": -1}),
        json!({"hours": 2}),
    ] {
        let (status, body) = local.post(&publish, &admin, &bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(error_message(&body).contains("hours"), "{body}");
    }
    let (status, body) = local.get(latest, Some(&admin)).await;
    assert_eq!(status, 404, "nothing published by refused requests: {body}");

    let (status, record) = local
        .post(&publish, &admin, &json!({"expires_hours": 2}))
        .await;
    assert_eq!(status, 200, "{record}");
    assert_eq!(record["sha256"], digest.as_str());
    assert_eq!(record["size"], package.len());
    assert_eq!(record["platforms"], json!(["linux-x64"]));
    assert_eq!(record["created_by"], "admin@example.com");
    let expires = time::OffsetDateTime::parse(
        record["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let hours = (expires - time::OffsetDateTime::now_utc()).whole_minutes();
    assert!((115..=120).contains(&hours), "{hours} minutes");
    let url = record["url"].as_str().unwrap();
    assert!(url.contains("X-Amz-Expires=7200"), "{url}");
    assert!(
        url.contains("ccwb-local-signer"),
        "signed by the signer's key: {url}"
    );

    // The link downloads exactly the package.
    let downloaded = reqwest::get(url).await.unwrap().bytes().await.unwrap();
    assert_eq!(sha256_hex(&downloaded), digest);

    // The latest record round-trips through SSM; the audit trail has the event, without the link.
    let (status, latest_record) = local.get(latest, Some(&admin)).await;
    assert_eq!(status, 200);
    assert_eq!(latest_record, record);
    let (_, page) = local.get("/audit", Some(&admin)).await;
    let event = &page["events"][0];
    assert_eq!(event["action"], "distribution.publish");
    assert_eq!(event["target"], format!("distribution/{id}"));
    assert!(event["after"].get("url").is_none(), "{event}");
    assert_eq!(event["after"]["sha256"], digest.as_str());

    // Once its link has expired, the latest record answers 410 and says what to do.
    let mut expired = record.clone();
    expired["expires_at"] = json!("2026-01-01T00:00:00Z");
    ccwb_e2e::aws::call(
        &local.aws_endpoint,
        "AmazonSSM.PutParameter",
        "ssm",
        json!({"Name": format!("/ccwb/{}/distribution/latest", local.stack),
            "Value": expired.to_string(), "Type": "SecureString", "Overwrite": true}),
    )
    .await;
    let (status, body) = local.get(latest, Some(&admin)).await;
    assert_eq!(status, 410, "{body}");
    assert!(
        error_message(&body).contains("expired at 2026-01-01T00:00:00Z"),
        "{body}"
    );
}

#[tokio::test]
async fn declarations_are_checked_and_non_admins_refused() {
    let local = Local::start();
    let admin = local.admin_token();
    let good = json!({"filename": "p.zip", "sha256": "a".repeat(64), "size": 10,
        "platforms": ["linux-x64"]});
    let cases = [
        ("filename", json!("../p.zip")),
        ("sha256", json!("abc")),
        ("size", json!(0)),
        ("platforms", json!(["amiga"])),
        ("platforms", json!([])),
        ("allowed_ips", json!(["10.0.0.0/8"])),
    ];
    for (field, value) in cases {
        let mut body = good.clone();
        body[field] = value;
        let (status, answer) = local.post("/distributions", &admin, &body).await;
        assert_eq!(status, 400, "{field}: {answer}");
        assert!(error_message(&answer).contains(field), "{answer}");
    }
    // A restriction the deployment does not enforce is refused, saying why.
    let mut body = good.clone();
    body["allowed_ips"] = json!(["203.0.113.0/24"]);
    let (_, answer) = local.post("/distributions", &admin, &body).await;
    assert!(
        error_message(&answer).contains("does not restrict"),
        "{answer}"
    );

    let user = local.token("dev@example.com", &[]);
    for (method, path) in [
        (Method::POST, "/distributions"),
        (Method::POST, "/distributions/x/publish"),
        (Method::GET, "/distributions/latest"),
    ] {
        let (status, _, _) = local.send(method, path, &user, &[], Some(&good)).await;
        assert_eq!(status, 403, "{path}");
    }
    let unknown = "/distributions/20260101T000000Z-abc/publish";
    let (status, _, answer) = local.send(Method::POST, unknown, &admin, &[], None).await;
    assert_eq!(status, 404, "{answer}");
}
