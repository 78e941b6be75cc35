//! A local stand-in for the Amazon Bedrock runtime, enough for the real Claude Code CLI
//! (`CLAUDE_CODE_USE_BEDROCK=1`, `ANTHROPIC_BEDROCK_BASE_URL` pointing here): it lists no
//! inference profiles, answers the `invoke` probes, and streams a fixed answer from
//! `invoke-with-response-stream` as real AWS event-stream frames, each carrying one Anthropic
//! streaming event, with known token counts. Every request's SigV4 access key is recorded, so a
//! test can tell which credentials Claude Code used. Its control plane answers
//! `GetInferenceProfile` (what `ccwb doctor` asks) for every Anthropic profile id but those
//! [`Bedrock::withdraw`]n.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use serde_json::{Value, json};

/// The token counts of every streamed answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    /// Input tokens.
    pub input: u64,
    /// Output tokens.
    pub output: u64,
    /// Prompt-cache reads.
    pub cache_read: u64,
    /// Prompt-cache writes.
    pub cache_write: u64,
}

impl Usage {
    /// The smallest answer: one token in, one out, nothing cached (for probes that only need an
    /// answer).
    pub const SMALLEST: Self = Self {
        input: 1,
        output: 1,
        cache_read: 0,
        cache_write: 0,
    };
}

/// What Claude Code asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// `GET` or `POST`.
    pub method: String,
    /// The path, e.g. `/model/us.anthropic.claude-opus-5-5/invoke-with-response-stream`.
    pub path: String,
    /// The access key id of the SigV4 `Authorization` header, if signed.
    pub access_key: Option<String>,
}

impl Call {
    /// The model id of a `/model/{id}/…` call.
    pub fn model(&self) -> Option<String> {
        let rest = self.path.strip_prefix("/model/")?;
        let (id, _) = rest.rsplit_once('/')?;
        Some(
            percent_encoding::percent_decode_str(id)
                .decode_utf8_lossy()
                .into_owned(),
        )
    }

    /// Whether this is a streamed answer (what Claude Code counts in its metrics).
    pub fn is_stream(&self) -> bool {
        self.path.ends_with("/invoke-with-response-stream")
    }
}

#[derive(Clone)]
struct Shared {
    answer: String,
    usage: Usage,
    calls: Arc<Mutex<Vec<Call>>>,
    withdrawn: Arc<Mutex<Vec<String>>>,
}

/// A running stand-in; stops with the test process's runtime.
pub struct Bedrock {
    /// `http://127.0.0.1:<port>`, for `ANTHROPIC_BEDROCK_BASE_URL`.
    pub url: String,
    calls: Arc<Mutex<Vec<Call>>>,
    withdrawn: Arc<Mutex<Vec<String>>>,
    _runtime: tokio::runtime::Runtime,
}

impl Bedrock {
    /// Starts on a free port; every streamed answer is `answer` with `usage`.
    pub fn start(answer: &str, usage: Usage) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime for the Bedrock stand-in");
        let calls = Arc::new(Mutex::new(Vec::new()));
        let withdrawn = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared {
            answer: answer.to_owned(),
            usage,
            calls: calls.clone(),
            withdrawn: withdrawn.clone(),
        };
        let app = Router::new()
            .route("/inference-profiles", get(inference_profiles))
            .route("/inference-profiles/{id}", get(inference_profile))
            .route("/model/{id}/invoke", post(invoke))
            .route("/model/{id}/invoke-with-response-stream", post(stream))
            .fallback(unknown)
            .layer(axum::middleware::from_fn_with_state(shared.clone(), record))
            .with_state(shared);
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind the Bedrock stand-in");
        let addr: SocketAddr = listener.local_addr().expect("local addr");
        runtime.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            url: format!("http://{addr}"),
            calls,
            withdrawn,
            _runtime: runtime,
        }
    }

    /// From now on, inference profile `id` does not exist here (as in a region without it).
    pub fn withdraw(&self, id: &str) {
        self.withdrawn
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(id.to_owned());
    }

    /// Every request so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// A JSON response.
fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Records every request (its path decoded, as the routes read it) before it is served.
async fn record(
    State(shared): State<Shared>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let headers = request.headers();
    let access_key = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|auth| auth.split("Credential=").nth(1))
        .and_then(|rest| rest.split('/').next())
        .map(str::to_owned);
    let path = percent_encoding::percent_decode_str(request.uri().path()).decode_utf8_lossy();
    let call = Call {
        method: request.method().as_str().to_owned(),
        path: path.into_owned(),
        access_key,
    };
    shared
        .calls
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(call);
    next.run(request).await
}

async fn inference_profiles() -> Response {
    json_response(StatusCode::OK, &json!({"inferenceProfileSummaries": []}))
}

/// `GetInferenceProfile`: an active system-defined profile for an Anthropic model id.
async fn inference_profile(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    let withdrawn = shared
        .withdrawn
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .contains(&id);
    let Some((_, model)) = id
        .split_once('.')
        .filter(|(_, m)| m.starts_with("anthropic."))
    else {
        return not_found(&id);
    };
    if withdrawn {
        return not_found(&id);
    }
    json_response(
        StatusCode::OK,
        &json!({
            "inferenceProfileName": id,
            "inferenceProfileArn": format!("arn:aws:bedrock:us-east-1:123456789012:inference-profile/{id}"),
            "inferenceProfileId": id,
            "models": [{"modelArn": format!("arn:aws:bedrock:us-east-1::foundation-model/{model}")}],
            "status": "ACTIVE",
            "type": "SYSTEM_DEFINED",
        }),
    )
}

/// Bedrock's answer for a resource that is not there.
fn not_found(id: &str) -> Response {
    let mut response = json_response(
        StatusCode::NOT_FOUND,
        &json!({"message": format!("The inference profile {id} is not available here")}),
    );
    response.headers_mut().insert(
        header::HeaderName::from_static("x-amzn-errortype"),
        header::HeaderValue::from_static("ResourceNotFoundException"),
    );
    response
}

async fn invoke(Path(id): Path<String>) -> Response {
    json_response(
        StatusCode::OK,
        &json!({
            "id": "msg_probe",
            "type": "message",
            "role": "assistant",
            "model": id,
            "content": [{"type": "text", "text": "ok"}],
            "stop_reason": "max_tokens",
            "stop_sequence": null,
            "usage": {"input_tokens": 1, "output_tokens": 1},
        }),
    )
}

async fn stream(State(shared): State<Shared>, Path(id): Path<String>) -> Response {
    let u = shared.usage;
    let events = [
        json!({"type": "message_start", "message": {
            "id": "msg_standin", "type": "message", "role": "assistant", "model": id,
            "content": [], "stop_reason": null, "stop_sequence": null,
            "usage": {"input_tokens": u.input, "output_tokens": 1,
                      "cache_read_input_tokens": u.cache_read,
                      "cache_creation_input_tokens": u.cache_write}}}),
        json!({"type": "content_block_start", "index": 0,
               "content_block": {"type": "text", "text": ""}}),
        json!({"type": "content_block_delta", "index": 0,
               "delta": {"type": "text_delta", "text": shared.answer}}),
        json!({"type": "content_block_stop", "index": 0}),
        json!({"type": "message_delta",
               "delta": {"stop_reason": "end_turn", "stop_sequence": null},
               "usage": {"output_tokens": u.output}}),
        json!({"type": "message_stop", "amazon-bedrock-invocationMetrics": {
            "inputTokenCount": u.input, "outputTokenCount": u.output,
            "invocationLatency": 5, "firstByteLatency": 1,
            "cacheReadInputTokenCount": u.cache_read,
            "cacheWriteInputTokenCount": u.cache_write}}),
    ];
    let mut body = Vec::new();
    for event in events {
        let frame = chunk(&event);
        if aws_smithy_eventstream::frame::write_message_to(&frame, &mut body).is_err() {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    }
    Response::builder()
        .header(header::CONTENT_TYPE, "application/vnd.amazon.eventstream")
        .header("x-amzn-bedrock-content-type", "application/json")
        .body(Body::from(body))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// One `chunk` event as Bedrock frames it: `{"bytes": base64(<Anthropic event>)}`.
fn chunk(event: &Value) -> Message {
    let bytes = base64::engine::general_purpose::STANDARD.encode(event.to_string());
    let payload = json!({ "bytes": bytes }).to_string();
    let string = |s: &'static str| HeaderValue::String(s.into());
    Message::new(payload)
        .add_header(Header::new(":event-type", string("chunk")))
        .add_header(Header::new(":content-type", string("application/json")))
        .add_header(Header::new(":message-type", string("event")))
}

async fn unknown(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        &json!({"message": format!("the Bedrock stand-in has no {method} {uri}")}),
    )
}
