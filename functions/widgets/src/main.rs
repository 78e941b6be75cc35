use lambda_runtime::{Error, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    ccwb_lambda::logging::init();
    let state = ccwb_widgets::State::from_env().await?;
    lambda_runtime::run(service_fn(|event| ccwb_widgets::handle(&state, event))).await
}
