//! `GET /status`: stacks with their outputs, the functions named in the quota stack's outputs,
//! and the tables.

use ccwb_api::{FunctionStatus, StackStatus, StatusResponse, TableStatus};
use ccwb_lambda::HandlerError;
use ccwb_lambda::request::admin;
use ccwb_store::deployment;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

use crate::State;

/// The quota stack's outputs name each function as `<Id>FunctionName`.
const FUNCTION_OUTPUT_SUFFIX: &str = "FunctionName";

/// `GET /status`.
pub async fn handle(state: &State, req: Request) -> Result<Response<Body>, HandlerError> {
    admin(&state.settings, &req)?;
    let (stacks, tables) = tokio::join!(state.store.stacks(), state.store.tables());
    let stacks: Vec<StackStatus> = stacks.into_iter().map(stack).collect();
    Ok(ccwb_lambda::json_response(
        StatusCode::OK,
        &StatusResponse {
            deployment: state.store.names().stack.clone(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            functions: functions(&stacks),
            stacks,
            tables: tables.into_iter().map(table).collect(),
        },
    ))
}

fn stack(s: deployment::StackStatus) -> StackStatus {
    StackStatus {
        name: s.name,
        status: s.status,
        reason: s.reason,
        updated_at: s.updated_at,
        outputs: s.outputs,
    }
}

fn table(t: deployment::TableStatus) -> TableStatus {
    TableStatus {
        name: t.name,
        status: t.status,
        item_count: t.item_count,
        size_bytes: t.size_bytes,
        error: t.error,
    }
}

/// Functions from the outputs of whichever stack declares them, with its `Version` output.
fn functions(stacks: &[StackStatus]) -> Vec<FunctionStatus> {
    stacks
        .iter()
        .flat_map(|stack| {
            let version = stack.outputs.get("Version").cloned();
            stack.outputs.iter().filter_map(move |(key, value)| {
                key.strip_suffix(FUNCTION_OUTPUT_SUFFIX)
                    .filter(|id| !id.is_empty())
                    .map(|id| FunctionStatus {
                        id: id.to_owned(),
                        function_name: value.clone(),
                        version: version.clone(),
                    })
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_come_from_function_name_outputs() {
        let stack = StackStatus {
            name: "ccwb-quota".into(),
            status: "CREATE_COMPLETE".into(),
            reason: None,
            updated_at: None,
            outputs: [
                ("CheckFunctionName", "ccwb-check-fn"),
                ("Version", "0.1.0"),
                ("ApiUrl", "https://x"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        };
        assert_eq!(
            functions(&[stack]),
            vec![FunctionStatus {
                id: "Check".into(),
                function_name: "ccwb-check-fn".into(),
                version: Some("0.1.0".into()),
            }]
        );
    }
}
