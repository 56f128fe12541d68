//! The wire formats customer content arrives in (a bridge's message, a platform's events,
//! a console's pushed mutations) on any bytes: parsing never panics, and whatever parses
//! survives a round trip unchanged, so the server stores what it was sent.
#![no_main]

use desk_core::Mutation;
use desk_core::wire::{InboundMessage, IngestEventsRequest, PushRequest};
use libfuzzer_sys::fuzz_target;

fn round_trip<T>(bytes: &[u8])
where
    T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
{
    if let Ok(value) = serde_json::from_slice::<T>(bytes) {
        let again: T = serde_json::from_str(&serde_json::to_string(&value).unwrap())
            .expect("what serializes parses");
        assert_eq!(again, value);
    }
}

fuzz_target!(|bytes: &[u8]| {
    round_trip::<InboundMessage>(bytes);
    round_trip::<IngestEventsRequest>(bytes);
    round_trip::<Vec<Mutation>>(bytes);
    let _ = serde_json::from_slice::<PushRequest>(bytes);
    if let Ok(m) = serde_json::from_slice::<InboundMessage>(bytes) {
        // What ingestion does with the content before it stores it.
        let _ = desk_core::redact::redact(&m.text);
        if let Some(html) = &m.html {
            let _ = desk_core::sanitize::customer_html(html);
        }
    }
});
