//! `GET /resolve` and `GET /usage/{email}`: a user's effective policy and usage, as `/check`
//! sees them, for administrators.

use ccwb_api::{CheckResponse, GroupsSource, PeriodUsage, ResolveResponse, UsageResponse};
use ccwb_core::{Checked, Day, Group, Identity, Unblocks, explain};
use ccwb_store::{PolicyStore, QuotaReads, RollupReads};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use time::OffsetDateTime;

use ccwb_lambda::request::{admin, query};

use crate::request::groups_param;
use crate::{AdminError, State};

/// `GET /resolve?email=&groups=a,b`.
pub async fn resolve_user(state: &State, req: Request) -> Result<Response<Body>, AdminError> {
    admin(&state.settings, &req)?;
    let identity = identity(query(&req, "email").as_deref(), "email")?;
    let now = OffsetDateTime::now_utc();
    let (groups, groups_source) = groups_of(state, &req, &identity, Day::of(now)).await?;
    let inputs = state
        .store
        .check_inputs(&identity, &groups, Day::of(now))
        .await?;
    let Checked {
        resolution,
        decision,
    } = inputs.decide(now, Unblocks::Honoured);
    let effective = decision.policy.as_ref().and_then(|(t, id)| {
        resolution
            .policies()
            .iter()
            .find(|p| p.policy_type == *t && &p.identifier == id)
            .cloned()
    });
    Ok(ccwb_lambda::json_response(
        StatusCode::OK,
        &ResolveResponse {
            identity: identity.to_string(),
            groups: names(&groups),
            groups_source,
            effective,
            applicable: resolution.policies().to_vec(),
            explanation: explain(&resolution, &decision),
            check: CheckResponse::from(&decision),
        },
    ))
}

/// `GET /usage/{email}?groups=`.
pub async fn usage(state: &State, req: Request) -> Result<Response<Body>, AdminError> {
    admin(&state.settings, &req)?;
    let identity = identity(req.path_parameters().first("email"), "email")?;
    let now = OffsetDateTime::now_utc();
    let today = Day::of(now);
    // The groups (maybe read from the month rollup) decide which policies to read; the usage
    // detail does not depend on them, so it is read meanwhile.
    let groups_and_inputs = async {
        let (groups, source) = groups_of(state, &req, &identity, today).await?;
        let inputs = state.store.check_inputs(&identity, &groups, today).await?;
        Ok::<_, AdminError>((groups, source, inputs))
    };
    let detail = async {
        state
            .store
            .usage_detail(identity.as_str(), today)
            .await
            .map_err(AdminError::from)
    };
    let ((groups, groups_source, inputs), (month, day)) =
        tokio::try_join!(groups_and_inputs, detail)?;
    let decision = inputs.decide(now, Unblocks::Honoured).decision;
    Ok(ccwb_lambda::json_response(
        StatusCode::OK,
        &UsageResponse {
            identity: identity.to_string(),
            groups: names(&groups),
            groups_source,
            month: PeriodUsage {
                period: today.month().to_string(),
                usage: month.unwrap_or_default(),
            },
            day: PeriodUsage {
                period: today.to_string(),
                usage: day.unwrap_or_default(),
            },
            check: CheckResponse::from(&decision),
        },
    ))
}

/// The groups to resolve `identity` with: the `groups` parameter if given, else those of the
/// token the user's latest telemetry this month came with (kept on the month rollup).
async fn groups_of(
    state: &State,
    req: &Request,
    identity: &Identity,
    today: Day,
) -> Result<(Vec<Group>, GroupsSource), AdminError> {
    let given = groups_param(req);
    if !given.is_empty() {
        return Ok((given, GroupsSource::Given));
    }
    Ok(
        match state
            .store
            .month_user(identity.as_str(), today.month())
            .await?
        {
            Some(user) if !user.groups.is_empty() => (user.groups, GroupsSource::Telemetry),
            _ => (Vec::new(), GroupsSource::None),
        },
    )
}

fn identity(raw: Option<&str>, field: &str) -> Result<Identity, AdminError> {
    raw.and_then(Identity::parse).ok_or_else(|| {
        AdminError::BadRequest(format!("{field}: the user's e-mail address is required"))
    })
}

fn names(groups: &[Group]) -> Vec<String> {
    groups.iter().map(|g| g.as_str().to_owned()).collect()
}
