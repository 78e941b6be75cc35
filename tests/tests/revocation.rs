//! Revocation within a minute: a developer whose usage crosses a block limit has the role
//! sessions their credentials belong to denied Bedrock on the federated role (moto IAM, the
//! role `--stacks` creates as the access stack defines it); an unblock, and the period's reset,
//! take them out; 500 blocked users fit; a failed IAM write is retried by the next reconcile.

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]

use std::time::{Duration, Instant};

use ccwb_core::{Group, Identity, SessionName};
use ccwb_e2e::otlp::{int_point, now_nanos, request, sum};
use ccwb_e2e::{Local, LocalOptions, decision};
use ccwb_lambda::revocation::{DENY, LIFT, reconcile};
use ccwb_store::{RevocationStore, RoleDenies};
use serde_json::json;
use time::OffsetDateTime;

/// The bound the issue sets: the deny in place within a minute of the crossing usage.
const BOUND: Duration = Duration::from_secs(60);

fn local(revocation_seconds: &str) -> Local {
    Local::start_with(
        LocalOptions::default()
            .with_args(&["--dev-issuer", "--stacks"])
            .with_env("CCWB_REVOCATION_SECONDS", revocation_seconds),
    )
}

/// Waits (at most [`BOUND`]) until the role's deny patterns satisfy `done`; how long it took.
async fn until_denies(local: &Local, done: impl Fn(&[String]) -> bool) -> Duration {
    let start = Instant::now();
    loop {
        let patterns = local.role_denies().await;
        if done(&patterns) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < BOUND,
            "not within {BOUND:?}: the role denies {patterns:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Audit events of `action`, as stored: their targets.
async fn audited(local: &Local, action: &str) -> Vec<String> {
    local
        .audit_events()
        .await
        .iter()
        .filter(|e| e["action"]["S"] == action)
        .filter_map(|e| e["target"]["S"].as_str().map(str::to_owned))
        .collect()
}

/// Credentials for the developers' role as credential-process gets them: the dev issuer's
/// token, the session name pinned to its `sub`. Returns the caller's `aws:userid`.
async fn issued_credentials(local: &Local, token: &str, session: &str) -> String {
    let sdk = local.sdk(&local.aws_endpoint).await;
    let iam = aws_sdk_iam::Client::new(&sdk);
    let role = iam
        .get_role()
        .role_name(local.names().federated_role)
        .send()
        .await
        .expect("GetRole");
    let role_arn = role.role().map(|r| r.arn().to_owned()).expect("role");
    let sts = aws_sdk_sts::Client::new(&sdk);
    let assumed = sts
        .assume_role_with_web_identity()
        .role_arn(role_arn)
        .role_session_name(session)
        .web_identity_token(token)
        .send()
        .await
        .expect("AssumeRoleWithWebIdentity");
    let credentials = assumed.credentials().expect("credentials");
    let as_developer = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(&local.aws_endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_credential_types::Credentials::new(
            credentials.access_key_id(),
            credentials.secret_access_key(),
            Some(credentials.session_token().to_owned()),
            None,
            "sts",
        ))
        .load()
        .await;
    let me = aws_sdk_sts::Client::new(&as_developer)
        .get_caller_identity()
        .send()
        .await
        .expect("GetCallerIdentity");
    me.user_id().expect("user id").to_owned()
}

/// Whether IAM's `StringLike` `pattern` (only `*` wildcards here) matches `value`.
fn string_like(pattern: &str, value: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == value,
        Some((head, rest)) => {
            let Some(mut tail) = value.strip_prefix(head) else {
                return false;
            };
            loop {
                if string_like(rest, tail) {
                    return true;
                }
                let mut chars = tail.chars();
                if chars.next().is_none() {
                    return false;
                }
                tail = chars.as_str();
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_blocked_developers_issued_credentials_are_denied_within_a_minute() {
    let local = local("5");
    let admin = local.admin_token();
    let email = "dev@example.com";
    let body = json!({"monthly_token_limit": 1000, "enforcement_mode": "block"});
    local
        .create_policy(&format!("/policies/user/{email}"), &admin, &body)
        .await;
    let token = local.token(email, &[]);
    // The dev issuer's `sub` is the e-mail: the session name the role's trust pins.
    let user_id = issued_credentials(&local, &token, email).await;
    assert!(user_id.ends_with(&format!(":{email}")), "{user_id}");
    assert!(local.role_denies().await.is_empty(), "no one denied yet");

    // Usage crossing the limit, from the credentials' owner.
    let at = now_nanos();
    let point = int_point(
        at - 1_000_000_000,
        at,
        1500,
        &[
            ("type", "input"),
            ("model", "claude-sonnet-4"),
            ("session.id", "s1"),
        ],
    );
    let crossing = Instant::now();
    let (status, answer) = local
        .post(
            "/v1/metrics",
            &token,
            &request(vec![sum("claude_code.token.usage", vec![point])]),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let took = until_denies(&local, |p| !p.is_empty()).await;
    eprintln!(
        "deny in place {:?} after the crossing export was answered ({:?} after it was sent)",
        took,
        crossing.elapsed()
    );
    let patterns = local.role_denies().await;
    assert_eq!(patterns, [format!("*:{email}")]);
    assert!(
        string_like(&patterns[0], &user_id),
        "the deny covers the credentials already issued ({user_id})"
    );
    let check = local.get("/check", Some(&token)).await.1;
    assert_eq!(decision(&check), (Some(false), Some("monthly_exceeded")));
    assert_eq!(audited(&local, DENY).await, [format!("user/{email}")]);

    // An administrator's unblock takes them out, within the same bound.
    let (status, answer) = local.unblock(&admin, email, "1h", "deadline").await;
    assert_eq!(status, 201, "{answer}");
    until_denies(&local, <[String]>::is_empty).await;
    assert_eq!(audited(&local, LIFT).await, [format!("user/{email}")]);
    let store = local.store().await;
    assert!(store.revocations().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn five_hundred_blocked_users_fit_a_failed_write_is_retried_and_the_reset_lifts_all() {
    // ccwb-local's own reconcile is pushed out of the way: the test runs each one.
    let local = local("3600");
    let store = local.store().await;
    let now = OffsetDateTime::now_utc();
    let admin = local.admin_token();
    local
        .create_policy(
            "/policies/group/eng",
            &admin,
            &json!({"monthly_token_limit": 10, "enforcement_mode": "block"}),
        )
        .await;
    let groups = [Group::parse("eng").unwrap()];
    let month = ccwb_e2e::aws::month_sk();
    // 500 users over the limit, with session names as long as Entra ID's object ids.
    let users: Vec<(Identity, SessionName)> = (0..500)
        .map(|i| {
            let session = format!("{i:08}-1f2e-4d3c-8b7a-0123456789ab");
            (
                Identity::parse(&format!("dev{i}@example.com")).unwrap(),
                SessionName::parse(&session).unwrap(),
            )
        })
        .collect();
    for (identity, session) in &users {
        local.seed_usage(identity.as_str(), &month, 11, 0).await;
        assert!(
            store
                .note_blocked(identity, &groups, session, "monthly_exceeded", now)
                .await
                .unwrap()
        );
        // Noting the same session again changes nothing.
        assert!(
            !store
                .note_blocked(identity, &groups, session, "monthly_exceeded", now)
                .await
                .unwrap()
        );
    }

    // IAM unreachable: the run fails, nothing is marked denied or audited.
    let unreachable = local.sdk("http://127.0.0.1:9").await;
    let broken = RoleDenies::new(&unreachable, &local.names());
    assert!(reconcile(&store, &broken, now).await.is_err());
    assert!(
        store
            .revocations()
            .await
            .unwrap()
            .iter()
            .all(|r| r.applied_version.is_none())
    );
    assert!(audited(&local, DENY).await.is_empty());

    // The next run puts every session in the role's deny policies.
    let denies = RoleDenies::new(&local.sdk(&local.aws_endpoint).await, &local.names());
    let done = reconcile(&store, &denies, now).await.unwrap();
    assert_eq!((done.denied_users, done.newly_denied), (500, 500));
    // 500 patterns of 41 characters are over 20,000: no one policy could hold them.
    assert!(
        (4..=ccwb_core::revocation::MAX_SHARDS).contains(&done.policies_written),
        "{done:?}"
    );
    let mut expected: Vec<String> = users.iter().map(|(_, s)| format!("*:{s}")).collect();
    expected.sort();
    assert_eq!(local.role_denies().await, expected);
    assert_eq!(audited(&local, DENY).await.len(), 500);

    // Idempotent: nothing to write, nothing audited again.
    let again = reconcile(&store, &denies, now).await.unwrap();
    assert_eq!(
        (again.policies_written, again.newly_denied, again.lifted),
        (0, 0, 0)
    );

    // A raised limit lets one user go on: their session leaves the policies.
    let (first, first_session) = &users[0];
    local
        .create_policy(
            &format!("/policies/user/{first}"),
            &admin,
            &json!({"monthly_token_limit": 1000, "enforcement_mode": "block"}),
        )
        .await;
    let lifted = reconcile(&store, &denies, now).await.unwrap();
    assert_eq!((lifted.lifted, lifted.denied_users), (1, 499));
    assert!(
        !local
            .role_denies()
            .await
            .contains(&format!("*:{first_session}"))
    );

    // The month's reset: no one is over a limit any more, every deny policy goes.
    let next_month = ccwb_core::Month::of(now).next_start();
    let reset = reconcile(&store, &denies, next_month).await.unwrap();
    assert_eq!(reset.lifted, 499);
    assert_eq!(reset.policies_removed, done.policies_written, "{reset:?}");
    assert!(local.role_denies().await.is_empty());
    assert!(store.revocations().await.unwrap().is_empty());
    assert_eq!(audited(&local, LIFT).await.len(), 500);
}
