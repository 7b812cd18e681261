//! The integration tests, as one test binary (one link step instead of one
//! per file): the real azaudit binary against the mock Azure on loopback.

mod common;

mod check;
mod cluster;
mod deploy;
mod fleet;
mod golden;
mod identity;
mod imds_netns;
mod memory;
mod orphans;
mod outputs;
mod reports;
mod resource_graph;
mod scope;
mod snapshot;
mod sp_expiry;
