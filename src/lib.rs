//! azaudit: audits the Azure side of Kubernetes clusters.
//!
//! Layers (see ARCHITECTURE.md): collectors ([`collect`]) do all I/O and
//! fill a plain [`snapshot::Snapshot`]; checks ([`checks`]) are pure
//! functions over it producing [`findings::Finding`]s; renderers
//! ([`render`]) turn them into output. Every Azure request goes through
//! the one [`arm::ArmClient`].

/// Like `println!`, but a closed stdout (`| head`) is not a panic: the
/// rest is dropped quietly and the run ends with the code it would have had.
#[macro_export]
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

/// Like `eprintln!`, but a closed stderr is not a panic.
#[macro_export]
macro_rules! warn_line {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}

pub mod arm;
pub mod auth;
pub mod checks;
pub mod cli;
pub mod cloud;
pub mod cloud_config;
pub mod collect;
pub mod commands;
pub mod endpoint;
pub mod error;
pub mod evidence;
pub mod findings;
pub mod fsutil;
pub mod http;
pub mod memory;
pub mod models;
pub mod progress;
pub mod render;
pub mod report;
pub mod resources;
pub mod snapshot;
pub mod state;
pub mod suppressions;
pub mod text;

#[cfg(test)]
mod layers;
#[cfg(test)]
mod proptests;

/// Install rustls's ring crypto provider as the process default. Call once
/// at the start of `main` and of every test binary; later calls are no-ops.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
