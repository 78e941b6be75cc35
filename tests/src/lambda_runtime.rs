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
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind runtime API");
        let address = listener.local_addr().expect("address").to_string();
        listener.set_nonblocking(true).expect("nonblocking");
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                let app = axum::Router::new()
                    .route(
                        "/2018-06-01/runtime/invocation/next",
                        axum::routing::get(next),
                    )
                    .route(
                        "/2018-06-01/runtime/invocation/{id}/response",
                        axum::routing::post(response),
                    )
                    .route(
                        "/2018-06-01/runtime/invocation/{id}/error",
                        axum::routing::post(error),
                    )
                    .with_state(shared);
                let _ = axum::serve(listener, app).await;
            });
        });
        Self {
            address,
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

async fn response(
    State(shared): State<Shared>,
    Path(_id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let _ = shared.answers.send(Answer::Response(value));
    axum::http::StatusCode::ACCEPTED.into_response()
}

async fn error(
    State(shared): State<Shared>,
    Path(_id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let _ = shared.answers.send(Answer::Error(value));
    axum::http::StatusCode::ACCEPTED.into_response()
}
