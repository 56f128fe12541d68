//! Full-text search over the cache, Chinese and English.

/// Schema step 3.
pub(crate) const MIGRATION: &str = "SELECT 1;";
