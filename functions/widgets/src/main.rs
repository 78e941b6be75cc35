use lambda_runtime::{Error, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    ccwb_lambda::logging::init();
    let store = ccwb_widgets::store_from_env().await;
    lambda_runtime::run(service_fn(|event| ccwb_widgets::handle(&store, event))).await
}
