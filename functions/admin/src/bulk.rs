//! `POST /policies/import` and `GET /policies/export`: many policies at once, lossless.

use std::collections::{HashMap, HashSet};

use ccwb_api::{
    ImportMode, ImportRequest, ImportResponse, ImportResult, ImportTotals, PolicyExport, RowStatus,
};
use ccwb_core::{Policy, PolicyType, change};
use ccwb_store::{PolicyStore, PolicyWrite};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::policies::{change_by, policy_write};
use ccwb_lambda::request::{admin, json_body};

use crate::request::type_filter;
use crate::{AdminError, State};

/// Rows accepted in one request; clients send bigger files in several requests.
pub const MAX_ROWS: usize = 5000;
/// Page size used to read everything for an export.
const EXPORT_PAGE: usize = 1000;

/// `POST /policies/import`: each row is validated and written on its own; a bad row is
/// reported and never stops or half-writes another.
pub async fn import(state: &State, req: Request) -> Result<Response<Body>, AdminError> {
    let actor = admin(&state.settings, &req)?;
    let request: ImportRequest = json_body(&req)?;
    if request.policies.len() > MAX_ROWS {
        return Err(AdminError::BadRequest(format!(
            "policies: {} rows is over the {MAX_ROWS} per request; send the rest in further requests",
            request.policies.len()
        )));
    }

    // Validate every row first; keep the first occurrence of a policy, refuse repeats.
    let mut results: Vec<ImportResult> = Vec::with_capacity(request.policies.len());
    let mut valid: Vec<(usize, PolicyType, String)> = Vec::new();
    let mut seen: HashSet<(PolicyType, String)> = HashSet::new();
    for (index, row) in request.policies.iter().enumerate() {
        let result = |identifier: String, status, message: Option<String>| ImportResult {
            index,
            policy_type: row.policy_type,
            identifier,
            status,
            message,
        };
        match ccwb_core::validate::identifier(row.policy_type, &row.identifier) {
            Err(err) => results.push(result(
                row.identifier.clone(),
                RowStatus::Error,
                Some(err.to_string()),
            )),
            Ok(id) if !seen.insert((row.policy_type, id.clone())) => results.push(result(
                id,
                RowStatus::Error,
                Some("the same policy appears earlier in this import".into()),
            )),
            Ok(id) => {
                valid.push((index, row.policy_type, id.clone()));
                // Placeholder until the outcome is known.
                results.push(result(id, RowStatus::Skipped, None));
            }
        }
    }

    let keys: Vec<(PolicyType, String)> = valid.iter().map(|(_, t, id)| (*t, id.clone())).collect();
    let existing: HashMap<(PolicyType, String), Policy> = state
        .store
        .get_policies(&keys)
        .await?
        .into_iter()
        .map(|p| ((p.policy_type, p.identifier.clone()), p))
        .collect();

    let change = change_by(&actor);
    let mut writes: Vec<(usize, PolicyWrite)> = Vec::new();
    for (index, policy_type, identifier) in valid {
        let current = existing.get(&(policy_type, identifier.clone()));
        let row = &request.policies[index];
        let outcome = &mut results[index];
        match (current, request.mode) {
            (Some(_), ImportMode::Create) => {
                outcome.status = RowStatus::Error;
                outcome.message = Some("already exists (import with mode skip or update)".into());
            }
            (Some(_), ImportMode::Skip) => {
                outcome.status = RowStatus::Skipped;
                outcome.message = Some("already exists".into());
            }
            (current, _) => {
                let new = change::replace(policy_type, identifier, &row.fields(), current, &change);
                outcome.status = if current.is_some() {
                    RowStatus::Updated
                } else {
                    RowStatus::Created
                };
                writes.push((
                    index,
                    policy_write(&new, current, Some(&new), "policy.import", &change),
                ));
            }
        }
    }

    if !request.dry_run && !writes.is_empty() {
        let (indexes, batch): (Vec<usize>, Vec<PolicyWrite>) = writes.into_iter().unzip();
        let outcomes = state.store.import_policies(batch).await;
        // Large imports leave most events to the sweeper; a request delivers one batch.
        ccwb_lambda::audit::deliver(&state.store).await;
        for (index, outcome) in indexes.into_iter().zip(outcomes) {
            if let Err(err) = outcome {
                results[index].status = RowStatus::Error;
                results[index].message = Some(format!("not written ({err}); run the import again"));
            }
        }
    }

    let mut totals = ImportTotals::default();
    for result in &results {
        match result.status {
            RowStatus::Created => totals.created += 1,
            RowStatus::Updated => totals.updated += 1,
            RowStatus::Skipped => totals.skipped += 1,
            RowStatus::Error => totals.errors += 1,
        }
    }
    Ok(ccwb_lambda::json_response(
        StatusCode::OK,
        &ImportResponse {
            dry_run: request.dry_run,
            results,
            totals,
        },
    ))
}

/// `GET /policies/export?type=`: every policy (of the type), every field.
pub async fn export(state: &State, req: Request) -> Result<Response<Body>, AdminError> {
    admin(&state.settings, &req)?;
    let policy_type = type_filter(&req)?;
    let mut policies = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = state
            .store
            .list_policies(policy_type, EXPORT_PAGE, next.as_deref())
            .await?;
        policies.extend(page.policies);
        match page.next {
            Some(cursor) => next = Some(cursor),
            None => break,
        }
    }
    Ok(ccwb_lambda::json_response(
        StatusCode::OK,
        &PolicyExport { policies },
    ))
}
