//! Local agent work: the optimistic layer over confirmed server state, and the outbox.

/// Schema step 2.
pub(crate) const MIGRATION: &str = "SELECT 1;";
