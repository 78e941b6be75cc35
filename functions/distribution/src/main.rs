use lambda_http::{Error, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    ccwb_lambda::logging::init();
    let state = ccwb_distribution::State::from_env().await?;
    lambda_http::run(service_fn(|req| ccwb_distribution::route(&state, req))).await
}
