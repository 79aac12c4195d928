//! `basiq-sim` binary (placeholder until the simulator issue lands its CLI).
fn main() {}
