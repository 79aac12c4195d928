//! Users, connections, jobs, accounts and transactions.

/// In-memory data of the simulator.
#[derive(Debug, Default)]
pub struct Store {
    seed: u64,
}

impl Store {
    /// An empty store.
    pub fn new(seed: u64) -> Self {
        Store { seed }
    }
    /// Marks connections of a login id invalid.
    pub fn invalidate_login(&mut self, _login: &str) -> usize {
        let _ = self.seed;
        0
    }
}
