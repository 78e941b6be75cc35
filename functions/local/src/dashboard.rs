//! `GET /dashboard`: every CloudWatch custom widget of the dashboard on one page, drawn by the
//! widgets function's own code from the local rollups, so `make run` users see usage without
//! AWS. Administrators only: the token comes as `Authorization: Bearer …` or, for a browser,
//! `?token=` (local use only; never do that against a real deployment).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use ccwb_core::{AdminGroups, PriceTable};
use serde_json::json;

use crate::authorizer::Authorizer;

/// What the page needs.
pub struct Dashboard {
    /// The same authorizer as the API.
    pub authorizer: Arc<Authorizer>,
    /// Who is an administrator.
    pub admin_groups: AdminGroups,
    /// Prices (the deployment's `CCWB_PRICING`).
    pub prices: PriceTable,
    /// The store the widgets read.
    pub store: ccwb_store::DynamoStore,
}

/// Widths on CloudWatch's 24-column grid, as the CDK dashboard lays them out.
const LAYOUT: [(&str, u32); 11] = [
    ("total-tokens", 12),
    ("active-users", 12),
    ("tokens-by-model", 8),
    ("cost-by-model", 8),
    ("cache-efficiency", 8),
    ("quota-status", 12),
    ("top-users", 12),
    ("lines-of-code", 8),
    ("commits-and-prs", 8),
    ("code-acceptance", 8),
    ("active-hours", 24),
];

/// `GET /dashboard?days=7&theme=light|dark[&token=…]`.
pub async fn page(
    State(dashboard): State<Arc<Dashboard>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let header_token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let token = header_token.or_else(|| query.get("token").map(|t| format!("Bearer {t}")));
    let claims = match dashboard.authorizer.verify(token.as_deref()).await {
        Ok(claims) => claims,
        Err(_) => {
            return page_response(
                StatusCode::UNAUTHORIZED,
                "<p>Unauthorized: open /dashboard?token=&lt;an administrator's id token&gt;</p>"
                    .to_owned(),
            );
        }
    };
    let claims = ccwb_core::Claims::from_json(claims);
    if !dashboard
        .admin_groups
        .admits(&ccwb_core::groups::groups_from_claims(&claims))
    {
        return page_response(
            StatusCode::FORBIDDEN,
            "<p>Forbidden: the dashboard is for administrators.</p>".to_owned(),
        );
    }
    let days: i64 = query
        .get("days")
        .and_then(|d| d.parse().ok())
        .filter(|d| (1..=400).contains(d))
        .unwrap_or(7);
    let dark = query.get("theme").map(String::as_str) == Some("dark");
    let end = time::OffsetDateTime::now_utc();
    let start = end - time::Duration::days(days);
    let mut cells = String::new();
    for (widget, columns) in LAYOUT {
        let width = columns * 40;
        let event = json!({"widgetContext": {
            "params": {"widget": widget}, "theme": if dark { "dark" } else { "light" },
            "width": width, "height": 260,
            "timeRange": {"start": start.unix_timestamp() * 1000, "end": end.unix_timestamp() * 1000}}});
        let html = match ccwb_widgets::render_event(&dashboard.store, &event, &dashboard.prices)
            .await
        {
            Ok(serde_json::Value::String(html)) => html,
            Ok(_) | Err(_) => {
                "<p style=\"color:#d13212\">this widget could not be drawn (see ccwb-local's log)</p>"
                    .to_owned()
            }
        };
        cells.push_str(&format!(
            "<section style=\"grid-column:span {columns};border:1px solid {border};padding:8px;overflow:hidden\"><h2 style=\"font-size:14px;margin:0 0 6px 0\">{widget}</h2>{html}</section>",
            border = if dark { "#414750" } else { "#d5dbdb" },
        ));
    }
    let (background, text) = if dark {
        ("#0f1b2a", "#e6e6e6")
    } else {
        ("#ffffff", "#16191f")
    };
    page_response(
        StatusCode::OK,
        format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>ccwb dashboard</title>\
</head><body style=\"margin:16px;background:{background};color:{text};font-family:Helvetica,Arial,sans-serif\">\
<h1 style=\"font-size:18px\">Claude Code usage, last {days} days</h1>\
<div style=\"display:grid;grid-template-columns:repeat(24,minmax(0,1fr));gap:8px\">{cells}</div></body></html>"
        ),
    )
}

/// An HTML page with the headers every page ccwb serves carries.
fn page_response(status: StatusCode, html: String) -> Response {
    let mut response = (status, Html(html)).into_response();
    for (name, value) in ccwb_core::html::PROTECTIVE_HEADERS {
        response
            .headers_mut()
            .insert(name, HeaderValue::from_static(value));
    }
    response
}
