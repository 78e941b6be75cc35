//! The `widgets` function: CloudWatch dashboard custom widgets, invoked directly by CloudWatch
//! (not through the API). One function draws every widget, chosen by `params.widget`, as HTML
//! with inline SVG from the usage rollups the ingest function maintains.

pub mod chart;
pub mod html;
pub mod quota_status;
pub mod request;
pub mod widgets;

use ccwb_core::PriceTable;
use ccwb_lambda::settings::{ConfigError, Settings};
use ccwb_store::{DynamoStore, ResourceNames, RollupReads};
use lambda_runtime::{Error, LambdaEvent};
use serde_json::Value;

pub use request::WidgetRequest;

/// What the function needs, built once per Lambda instance.
#[derive(Debug, Clone)]
pub struct State {
    /// The usage table's rollups.
    pub store: DynamoStore,
    /// Prices for what cached tokens saved (the deployment's `CCWB_PRICING`).
    pub prices: PriceTable,
}

impl State {
    /// State from the Lambda environment.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let settings = Settings::from_env()?;
        let sdk = ccwb_store::aws::load_sdk_config(None).await;
        Ok(Self {
            store: DynamoStore::new(&sdk, ResourceNames::from_env()),
            prices: settings.pricing,
        })
    }
}

/// Answers one CloudWatch custom-widget event: the markdown documentation for
/// `{"describe": true}`, else the widget's HTML. Bad parameters are shown in the widget as a
/// message (CloudWatch shows a failed invocation only as a generic error).
pub async fn handle(state: &State, event: LambdaEvent<Value>) -> Result<Value, Error> {
    render_event(&state.store, &event.payload, &state.prices).await
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
    let now = time::OffsetDateTime::now_utc();
    let request = match WidgetRequest::parse(event, now) {
        Ok(request) => request,
        Err(problem) => return Ok(Value::String(message(&problem))),
    };
    if request.widget == quota_status::NAME {
        let board = quota_status::read(store, now).await?;
        return Ok(Value::String(quota_status::render(&request, &board)));
    }
    let days = store.day_rollups(&request.days()).await?;
    Ok(Value::String(
        widgets::render(&request, &days, prices).unwrap_or_else(|problem| message(&problem)),
    ))
}

fn message(problem: &str) -> String {
    format!("<p style=\"color:#d13212\">{}</p>", html::escape(problem))
}
