//! The `widgets` function: CloudWatch dashboard custom widgets, invoked directly by CloudWatch
//! (not through the API). One function draws every widget, chosen by `params.widget`, as HTML
//! with inline SVG from the usage rollups the ingest function maintains.

pub mod chart;
pub mod html;
pub mod request;
pub mod widgets;

use ccwb_core::PriceTable;
use ccwb_store::{DynamoStore, ResourceNames, RollupReads};
use lambda_runtime::{Error, LambdaEvent};
use serde_json::Value;

pub use request::WidgetRequest;

/// The store, built once per Lambda instance.
pub async fn store_from_env() -> DynamoStore {
    let sdk = ccwb_store::aws::load_sdk_config(None).await;
    DynamoStore::new(&sdk, ResourceNames::from_env())
}

/// Answers one CloudWatch custom-widget event: the markdown documentation for
/// `{"describe": true}`, else the widget's HTML. Bad parameters are shown in the widget as a
/// message (CloudWatch shows a failed invocation only as a generic error).
pub async fn handle(store: &DynamoStore, event: LambdaEvent<Value>) -> Result<Value, Error> {
    render_event(store, &event.payload, &PriceTable::default()).await
}

/// [`handle`] without the Lambda envelope (ccwb-local and tests).
pub async fn render_event(
    store: &DynamoStore,
    event: &Value,
    prices: &PriceTable,
) -> Result<Value, Error> {
    if event["describe"].as_bool() == Some(true) {
        return Ok(Value::String(widgets::describe()));
    }
    let request = match WidgetRequest::parse(event, time::OffsetDateTime::now_utc()) {
        Ok(request) => request,
        Err(problem) => return Ok(Value::String(message(&problem))),
    };
    let days = store.day_rollups(&request.days()).await?;
    Ok(Value::String(
        widgets::render(&request, &days, prices).unwrap_or_else(|problem| message(&problem)),
    ))
}

fn message(problem: &str) -> String {
    format!("<p style=\"color:#d13212\">{}</p>", html::escape(problem))
}
