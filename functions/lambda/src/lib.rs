//! What every ccwb Lambda shares: who called (from API Gateway's authorizer context, never from
//! the request itself), JSON responses in the API's error envelope, and JSON logging.

pub mod alerts;
pub mod audit;
pub mod caller;
pub mod error;
pub mod logging;
pub mod request;
pub mod response;
pub mod revocation;
pub mod settings;
pub mod state;

pub use caller::{Caller, route_key, served};
pub use error::HandlerError;
pub use response::{error_response, json_response};
pub use state::State;

/// The `main` of a Lambda whose library is `$function`: JSON logging, `$function::State`
/// built once per instance (`from_env`), then every event given to `$function::$handler`
/// through `$runtime`'s `run` and `service_fn`.
#[macro_export]
macro_rules! lambda_main {
    ($function:ident, $runtime:ident, $handler:ident) => {
        #[tokio::main]
        async fn main() -> Result<(), ::$runtime::Error> {
            $crate::logging::init();
            let state: $function::State = $function::State::from_env().await?;
            ::$runtime::run(::$runtime::service_fn(|event| {
                $function::$handler(&state, event)
            }))
            .await
        }
    };
}

/// The `main` of an HTTP Lambda whose library is `$function` (with `State::from_env` and
/// `route`).
#[macro_export]
macro_rules! http_main {
    ($function:ident) => {
        $crate::lambda_main!($function, lambda_http, route);
    };
}

/// The `main` of a Lambda invoked with events other than HTTP requests, whose library is
/// `$function` (with `State::from_env` and `handle`).
#[macro_export]
macro_rules! event_main {
    ($function:ident) => {
        $crate::lambda_main!($function, lambda_runtime, handle);
    };
}
