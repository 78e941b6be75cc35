//! The `ccwb-sweeper` Lambda: the scheduled sweeper. The handler lives in the library; this starts the runtime.

// Dependencies are judged on the library target; this binary uses only some of them.
#![allow(unused_crate_dependencies)]

ccwb_lambda::event_main!(ccwb_sweeper);
