//! JWT claims as API Gateway hands them to a function.

use std::collections::HashMap;

/// Verified JWT claims in API Gateway's HTTP API form: every value is a string, arrays are
/// rendered as `[a b]` and numbers as their decimal text. Only claims from a token the
/// authorizer verified may ever be put here.
pub type Claims = HashMap<String, String>;
