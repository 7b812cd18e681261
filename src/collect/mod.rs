//! Collectors: the only code that does I/O against Azure (ARM and Microsoft
//! Graph), instance metadata and the Kubernetes cluster. Each fills part of a plain [`Snapshot`](crate::snapshot::Snapshot).

pub mod azure;
pub mod cluster;
pub mod graph;
pub mod imds;
