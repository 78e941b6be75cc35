//! A recording proxy in front of moto: what the functions send to AWS, counted by action
//! (`X-Amz-Target`), so tests and the bench can prove how many requests a route makes.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;

/// A running proxy; it lives as long as the process.
pub struct RecordingProxy {
    /// The proxy's URL, to give ccwb-local as its AWS endpoint.
    pub url: String,
    log: Arc<Mutex<Vec<String>>>,
}

#[derive(Clone)]
struct Forward {
    target: String,
    client: reqwest::Client,
    log: Arc<Mutex<Vec<String>>>,
}

impl RecordingProxy {
    /// Starts a proxy to `target` on its own thread and runtime (tests block while ccwb-local
    /// starts, and the proxy must keep serving meanwhile).
    pub fn start(target: &str) -> Self {
        let log = Arc::new(Mutex::new(Vec::new()));
        let forward = Forward {
            target: target.trim_end_matches('/').to_owned(),
            client: reqwest::Client::new(),
            log: Arc::clone(&log),
        };
        let app = axum::Router::new()
            .fallback(forward_request)
            .with_state(forward);
        let url = format!("http://{}", crate::serve(app));
        Self { url, log }
    }

    /// Actions seen so far, e.g. `DynamoDB_20120810.BatchGetItem`.
    pub fn actions(&self) -> Vec<String> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Forgets what was seen.
    pub fn clear(&self) {
        if let Ok(mut log) = self.log.lock() {
            log.clear();
        }
    }
}

async fn forward_request(State(forward): State<Forward>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let target = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{} {}", parts.method, parts.uri.path()));
    if let Ok(mut log) = forward.log.lock() {
        log.push(target);
    }
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let mut outgoing = forward
        .client
        .request(parts.method.clone(), format!("{}{path}", forward.target))
        .body(body);
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            outgoing = outgoing.header(name, value);
        }
    }
    match outgoing.send().await {
        Ok(upstream) => {
            let mut response = Response::builder().status(upstream.status());
            for (name, value) in upstream.headers() {
                if name != "content-length" && name != "transfer-encoding" {
                    response = response.header(name, value);
                }
            }
            let bytes = upstream.bytes().await.unwrap_or_default();
            response.body(Body::from(bytes)).unwrap_or_default()
        }
        Err(_) => Response::builder()
            .status(502)
            .body(Body::empty())
            .unwrap_or_default(),
    }
}
