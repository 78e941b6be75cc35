//! The `ccwb-ingest` Lambda: usage ingestion (`/v1/metrics`). The handler lives in the library; this starts the runtime.

// Dependencies are judged on the library target; this binary uses only some of them.
#![allow(unused_crate_dependencies)]

ccwb_lambda::http_main!(ccwb_ingest);
