//! The redactor on any text: it never panics, every finding points at its marker, and
//! redacting its output changes nothing (so nothing it left behind is a secret it knows).
#![no_main]

use desk_core::redact::{holds_secret, redact};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let once = redact(text);
    for f in &once.findings {
        assert_eq!(
            once.text.get(f.start..f.end),
            Some(f.kind.marker()),
            "a finding points at its marker"
        );
    }
    assert!(
        once.text.len() <= text.len() || !once.findings.is_empty(),
        "clean text is never rewritten"
    );
    if once.findings.is_empty() {
        assert_eq!(once.text, text, "clean text passes unchanged");
    }
    let twice = redact(&once.text);
    assert_eq!(twice.text, once.text, "redaction is idempotent");
    assert!(!holds_secret(&once.text), "nothing found is left behind");
});
