//! Collectors: the only code that does I/O against Azure (and, later, the
//! cluster). Each fills part of a plain [`Snapshot`](crate::snapshot::Snapshot).

pub mod azure;
pub mod imds;
