//! The `ccwb-admin` Lambda: policy administration. The handler lives in the library; this starts the runtime.

// Dependencies are judged on the library target; this binary uses only some of them.
#![allow(unused_crate_dependencies)]

use lambda_http::{Error, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    ccwb_lambda::logging::init();
    let state = ccwb_admin::State::from_env().await?;
    lambda_http::run(service_fn(|req| ccwb_admin::route(&state, req))).await
}
