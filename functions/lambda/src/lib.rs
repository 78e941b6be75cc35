//! What every ccwb Lambda shares: who called (from API Gateway's authorizer context, never from
//! the request itself), JSON responses in the API's error envelope, and JSON logging.

pub mod audit;
pub mod caller;
pub mod error;
pub mod logging;
pub mod request;
pub mod response;
pub mod settings;
pub mod state;

pub use caller::{Caller, route_key, served};
pub use error::HandlerError;
pub use response::{error_response, json_response};
pub use state::State;

/// The `main` of an HTTP Lambda whose library is `$function` (with `State::from_env` and
/// `route`): JSON logging, the state built once per instance, then every event routed.
#[macro_export]
macro_rules! http_main {
    ($function:ident) => {
        #[tokio::main]
        async fn main() -> Result<(), ::lambda_http::Error> {
            $crate::logging::init();
            let state: $function::State = $function::State::from_env().await?;
            ::lambda_http::run(::lambda_http::service_fn(|req| {
                $function::route(&state, req)
            }))
            .await
        }
    };
}
