//! A minimal AWS Lambda Runtime API, so a function binary runs here as in Lambda: it hands out
//! the queued events one by one and records what the function answers.

use std::sync::{Arc, Mutex, mpsc};

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// What the function answered for one event.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// `POST …/response` with this body.
    Response(Value),
    /// `POST …/error` with this body.
    Error(Value),
}

#[derive(Clone)]
struct Shared {
    events: Arc<Mutex<Vec<Value>>>,
    answers: mpsc::Sender<Answer>,
}

/// A running Runtime API on its own thread; it lives as long as the process.
pub struct RuntimeApi {
    /// `host:port`, for `AWS_LAMBDA_RUNTIME_API`.
    pub address: String,
    answers: mpsc::Receiver<Answer>,
}

impl RuntimeApi {
    /// Serves `events` in order; once they are used up, `next` never answers (the function
    /// waits for work, as in Lambda).
    pub fn start(events: Vec<Value>) -> Self {
        let (tx, rx) = mpsc::channel();
        let shared = Shared {
            events: Arc::new(Mutex::new(events.into_iter().rev().collect())),
            answers: tx,
        };
        let app = axum::Router::new()
            .route(
                "/2018-06-01/runtime/invocation/next",
                axum::routing::get(next),
            )
            .route(
                "/2018-06-01/runtime/invocation/{id}/{outcome}",
                axum::routing::post(outcome),
            )
            .with_state(shared);
        Self {
            address: crate::serve(app).to_string(),
            answers: rx,
        }
    }

    /// The command that runs the function `binary` against this Runtime API, with the
    /// environment Lambda gives it and the local stack's AWS endpoint and names.
    pub fn function(&self, binary: &str, local: &crate::Local) -> std::process::Command {
        let mut command = std::process::Command::new(crate::bin(binary));
        command
            .envs(crate::AWS_ENV)
            .env("AWS_ENDPOINT_URL", &local.aws_endpoint)
            .env("CCWB_STACK_NAME", &local.stack)
            .env("AWS_LAMBDA_RUNTIME_API", &self.address)
            .env("AWS_LAMBDA_FUNCTION_NAME", binary)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "test")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        command
    }

    /// The next answer, waiting up to `timeout`.
    pub fn answer(&self, timeout: std::time::Duration) -> Option<Answer> {
        self.answers.recv_timeout(timeout).ok()
    }

    /// Runs the function `binary` against a Runtime API serving `events`, as Lambda would start
    /// it: its answer to each (`None` where none came within 30 s), then stops it.
    pub fn run(binary: &str, local: &crate::Local, events: Vec<Value>) -> Vec<Option<Answer>> {
        let count = events.len();
        let api = Self::start(events);
        let mut child = crate::spawn_supervised(api.function(binary, local))
            .unwrap_or_else(|e| panic!("start {binary}: {e}"));
        let answers = (0..count)
            .map(|_| api.answer(std::time::Duration::from_secs(30)))
            .collect();
        let _ = child.kill();
        let _ = child.wait();
        answers
    }
}

async fn next(State(shared): State<Shared>) -> Response {
    let event = shared.events.lock().ok().and_then(|mut e| e.pop());
    let Some(event) = event else {
        return std::future::pending::<Response>().await;
    };
    let deadline = (std::time::SystemTime::now() + std::time::Duration::from_secs(60))
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    let mut headers = HeaderMap::new();
    let id = uuid::Uuid::new_v4().to_string();
    headers.insert("lambda-runtime-aws-request-id", id.parse().expect("header"));
    headers.insert(
        "lambda-runtime-deadline-ms",
        deadline.to_string().parse().expect("header"),
    );
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-1:123456789012:function:test"
            .parse()
            .expect("header"),
    );
    headers.insert("content-type", "application/json".parse().expect("header"));
    (headers, event.to_string()).into_response()
}

/// `POST …/{id}/response` or `…/{id}/error`: the function's answer for the event `id`.
async fn outcome(
    State(shared): State<Shared>,
    Path((_id, outcome)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Response {
    let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let answer = match outcome.as_str() {
        "response" => Answer::Response(value),
        "error" => Answer::Error(value),
        _ => return axum::http::StatusCode::NOT_FOUND.into_response(),
    };
    let _ = shared.answers.send(answer);
    axum::http::StatusCode::ACCEPTED.into_response()
}
