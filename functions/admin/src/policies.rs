//! `/policies/{type}/{id}` and `GET /policies`: one policy at a time, with versions.

use ccwb_api::PolicyList;
use ccwb_core::change::{self, Change};
use ccwb_core::{AuditEvent, Policy, PolicyFields, PolicyPatch, PolicyType};
use ccwb_store::{Expect, PolicyStore, PolicyWrite, StoreError};
use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};
use time::OffsetDateTime;

use ccwb_lambda::request::{admin, json_body, page_limit, query};

use crate::request::{Precondition, etag, policy_key, precondition, type_filter};
use crate::{AdminError, State};

/// Attempts of a write without `If-Match` that races with another writer: each attempt re-reads.
const WRITE_ATTEMPTS: usize = 3;
/// Default and largest page sizes of `GET /policies`.
const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 1000;

/// `GET /policies/{type}/{id}`.
pub async fn get(state: &State, req: Request) -> Result<Response<Body>, AdminError> {
    admin(&state.settings, &req)?;
    let (policy_type, identifier) = policy_key(&req)?;
    let policy = state
        .store
        .get_policy(policy_type, &identifier)
        .await?
        .ok_or_else(|| not_found(policy_type, &identifier))?;
    Ok(with_etag(StatusCode::OK, &policy))
}

/// `GET /policies?type=&limit=&next=`.
pub async fn list(state: &State, req: Request) -> Result<Response<Body>, AdminError> {
    admin(&state.settings, &req)?;
    let policy_type = type_filter(&req)?;
    let limit = page_limit(&req, DEFAULT_PAGE, MAX_PAGE)?;
    let next = query(&req, "next");
    let page = state
        .store
        .list_policies(policy_type, limit, next.as_deref())
        .await?;
    Ok(ccwb_lambda::json_response(
        StatusCode::OK,
        &PolicyList {
            policies: page.policies,
            next: page.next,
        },
    ))
}

/// `PUT /policies/{type}/{id}`: creates or replaces. `If-None-Match: *` creates only (409 if it
/// exists); `If-Match` replaces only that version (412 otherwise).
pub async fn put(state: &State, req: Request) -> Result<Response<Body>, AdminError> {
    let actor = admin(&state.settings, &req)?;
    let (policy_type, identifier) = policy_key(&req)?;
    let fields: PolicyFields = json_body(&req)?;
    let condition = precondition(&req)?;
    let target = (policy_type, identifier.as_str());
    write_with_retry(state, condition, target, Exists::Optional, |existing| {
        let change = change_by(&actor);
        let new = change::replace(
            policy_type,
            identifier.clone(),
            &fields,
            existing.as_ref(),
            &change,
        );
        let created = existing.is_none();
        let action = if created {
            "policy.create"
        } else {
            "policy.replace"
        };
        let write = policy_write(&new, existing.as_ref(), Some(&new), action, &change);
        let status = if created {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        Ok((write, with_etag(status, &new)))
    })
    .await
}

/// `PATCH /policies/{type}/{id}`: changes only the fields given (`null` clears a limit).
pub async fn patch(state: &State, req: Request) -> Result<Response<Body>, AdminError> {
    let actor = admin(&state.settings, &req)?;
    let (policy_type, identifier) = policy_key(&req)?;
    let patch: PolicyPatch = json_body(&req)?;
    if patch.is_empty() {
        return Err(AdminError::BadRequest(
            "the body names no field to change".into(),
        ));
    }
    let condition = precondition(&req)?;
    if condition == Precondition::Absent {
        return Err(AdminError::BadRequest(
            "If-None-Match: PATCH changes an existing policy; use PUT to create".into(),
        ));
    }
    let target = (policy_type, identifier.as_str());
    write_with_retry(state, condition, target, Exists::Required, |existing| {
        let existing = existing.ok_or_else(|| not_found(policy_type, &identifier))?;
        let change = change_by(&actor);
        let new = change::patch(&existing, &patch, &change);
        let write = policy_write(&new, Some(&existing), Some(&new), "policy.update", &change);
        Ok((write, with_etag(StatusCode::OK, &new)))
    })
    .await
}

/// `DELETE /policies/{type}/{id}`.
pub async fn delete(state: &State, req: Request) -> Result<Response<Body>, AdminError> {
    let actor = admin(&state.settings, &req)?;
    let (policy_type, identifier) = policy_key(&req)?;
    let condition = precondition(&req)?;
    let target = (policy_type, identifier.as_str());
    write_with_retry(state, condition, target, Exists::Required, |existing| {
        let existing = existing.ok_or_else(|| not_found(policy_type, &identifier))?;
        let change = change_by(&actor);
        let write = policy_write(&existing, Some(&existing), None, "policy.delete", &change);
        let mut response = Response::new(Body::Empty);
        *response.status_mut() = StatusCode::NO_CONTENT;
        Ok((write, response))
    })
    .await
}

/// Whether the policy a write changes must exist already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exists {
    /// PUT creates or replaces.
    Optional,
    /// PATCH and DELETE: a missing policy is 404, before any precondition.
    Required,
}

/// Reads the policy at `target`, checks the request's precondition, lets `plan` turn what was
/// read into a write and the answer, and writes it. A concurrent change is read again and
/// retried, unless the caller named a version (then it is their conflict to see).
async fn write_with_retry(
    state: &State,
    condition: Precondition,
    (policy_type, identifier): (PolicyType, &str),
    exists: Exists,
    mut plan: impl FnMut(Option<Policy>) -> Result<(PolicyWrite, Response<Body>), AdminError>,
) -> Result<Response<Body>, AdminError> {
    for _ in 0..WRITE_ATTEMPTS {
        let existing = state.store.get_policy(policy_type, identifier).await?;
        if exists == Exists::Required && existing.is_none() {
            return Err(not_found(policy_type, identifier));
        }
        check_precondition(condition, existing.as_ref(), policy_type, identifier)?;
        let (write, response) = plan(existing)?;
        match state.store.write_policy(write).await {
            Ok(()) => {
                ccwb_lambda::audit::deliver(&state.store).await;
                return Ok(response);
            }
            Err(StoreError::Conflict(message)) if condition != Precondition::None => {
                return Err(conflict_for(condition, message));
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(busy(policy_type, identifier))
}

/// Who changes, and when: now.
pub fn change_by(actor: &str) -> Change {
    Change {
        actor: actor.to_owned(),
        at: OffsetDateTime::now_utc(),
    }
}

/// A write of `key_policy`'s key from `before` to `after` (`None` deletes), expecting the version
/// that was read, with its audit event.
pub fn policy_write(
    key_policy: &Policy,
    before: Option<&Policy>,
    after: Option<&Policy>,
    action: &str,
    change: &Change,
) -> PolicyWrite {
    let json = |p: &Policy| serde_json::to_value(p).ok();
    PolicyWrite {
        key: (key_policy.policy_type, key_policy.identifier.clone()),
        new: after.cloned(),
        expect: before.map_or(Expect::Absent, |p| Expect::Version(p.version)),
        audit: AuditEvent {
            id: uuid::Uuid::new_v4().to_string(),
            at: change.at,
            actor: change.actor.clone(),
            action: action.to_owned(),
            target: format!(
                "policy/{}/{}",
                key_policy.policy_type, key_policy.identifier
            ),
            before: before.and_then(json),
            after: after.and_then(json),
        },
    }
}

fn check_precondition(
    condition: Precondition,
    existing: Option<&Policy>,
    policy_type: PolicyType,
    identifier: &str,
) -> Result<(), AdminError> {
    match (condition, existing) {
        (Precondition::Absent, Some(p)) => Err(AdminError::Conflict(format!(
            "{policy_type} policy {identifier:?} already exists (version {}); drop If-None-Match to replace it",
            p.version
        ))),
        (Precondition::Exists, None) | (Precondition::Version(_), None) => {
            Err(AdminError::PreconditionFailed(format!(
                "{policy_type} policy {identifier:?} does not exist"
            )))
        }
        (Precondition::Version(v), Some(p)) if p.version != v => {
            Err(AdminError::PreconditionFailed(format!(
                "{policy_type} policy {identifier:?} is at version {}, not {v}: read it again and retry",
                p.version
            )))
        }
        _ => Ok(()),
    }
}

fn conflict_for(condition: Precondition, message: String) -> AdminError {
    if condition == Precondition::Absent {
        AdminError::Conflict(message)
    } else {
        AdminError::PreconditionFailed(message)
    }
}

fn busy(policy_type: PolicyType, identifier: &str) -> AdminError {
    AdminError::Conflict(format!(
        "{policy_type} policy {identifier:?} kept changing while this request tried to write it; try again"
    ))
}

/// 404 for a missing policy.
pub fn not_found(policy_type: PolicyType, identifier: &str) -> AdminError {
    AdminError::NotFound(format!("no {policy_type} policy {identifier:?}"))
}

fn with_etag(status: StatusCode, policy: &Policy) -> Response<Body> {
    let mut response = ccwb_lambda::json_response(status, policy);
    if let Ok(value) = HeaderValue::from_str(&etag(policy.version)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}
