//! The `ccwb-check` Lambda: `/check` and `/me`. The handler lives in the library; this starts the runtime.

// Dependencies are judged on the library target; this binary uses only some of them.
#![allow(unused_crate_dependencies)]

ccwb_lambda::http_main!(ccwb_check);
