//! The `ccwb-unblock` Lambda: unblocks and the audit trail. The handler lives in the library; this starts the runtime.

// Dependencies are judged on the library target; this binary uses only some of them.
#![allow(unused_crate_dependencies)]

ccwb_lambda::http_main!(ccwb_unblock);
