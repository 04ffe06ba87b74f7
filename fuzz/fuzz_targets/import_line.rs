//! One line of `barta import`: any bytes are parsed and validated into an
//! upsert or refused with field errors, never a panic.
#![no_main]

use api::import::{ImportLine, PublishedFallback};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|line: &str| {
    if let Ok(parsed) = serde_json::from_str::<ImportLine>(line) {
        let _ = parsed.to_upsert(&[], PublishedFallback::Draft);
    }
});
