//! The quota API checks of `ccwb test`: `/check` as credential-process calls it, and a
//! throw-away user policy created, read, resolved and deleted as an administrator would.

use ccwb_api_client::ApiClient;
use ccwb_core::{PolicyFields, PolicyType, TokenAmount};

use super::{Check, Outcome, check};

/// The quota API as credential-process (`/check`) and administrators (a throw-away user
/// policy: created, read, resolved, deleted) use it.
pub async fn checks(client: &ApiClient) -> Vec<Check> {
    let mut checks = vec![match client.check().await {
        Ok(answer) => check(
            "quota /check",
            Outcome::Pass,
            format!(
                "{} ({})",
                if answer.allowed { "allowed" } else { "blocked" },
                serde_json::to_value(answer.reason)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            ),
        ),
        Err(e) => check("quota /check", Outcome::Fail, e.to_string()),
    }];
    if checks[0].outcome == Outcome::Fail {
        checks.push(check(
            "quota policy round trip",
            Outcome::Skip,
            "the API did not answer /check",
        ));
        return checks;
    }
    let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
    let email = format!("ccwb-test-{nanos}@ccwb-test.invalid");
    let fields = PolicyFields {
        monthly_token_limit: Some(TokenAmount(1_000)),
        ..PolicyFields::default()
    };
    let name = "quota policy round trip";
    let round_trip = async {
        client
            .create_policy(PolicyType::User, &email, &fields)
            .await
            .map_err(|e| format!("create: {e}"))?;
        match client.get_policy(PolicyType::User, &email).await {
            Ok(Some(p)) if p.monthly_token_limit == Some(TokenAmount(1_000)) => {}
            Ok(other) => return Err(format!("read back {other:?}")),
            Err(e) => return Err(format!("read: {e}")),
        }
        let resolved = client
            .resolve(&email, &[])
            .await
            .map_err(|e| format!("resolve: {e}"))?;
        match resolved.effective {
            Some(p) if p.identifier == email => Ok(()),
            other => Err(format!("resolve chose {:?}", other.map(|p| p.identifier))),
        }
    };
    let result = round_trip.await;
    // Deleted whatever happened above (a 404 means it was never created).
    let deleted = match client.delete_policy(PolicyType::User, &email).await {
        Ok(()) => Ok(()),
        Err(ccwb_api_client::ApiError::Api { status: 404, .. }) if result.is_err() => Ok(()),
        Err(e) => Err(format!("delete {email}: {e}")),
    };
    checks.push(match (result, deleted) {
        (Ok(()), Ok(())) => check(
            name,
            Outcome::Pass,
            format!("created, read, resolved and deleted user policy {email} (in the audit trail)"),
        ),
        (Err(e), Ok(())) | (Ok(()), Err(e)) => check(name, Outcome::Fail, e),
        (Err(a), Err(b)) => check(name, Outcome::Fail, format!("{a}; {b}")),
    });
    checks
}
