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
