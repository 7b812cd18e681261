//! azure-mock: a faithful mock of Azure Resource Manager and the managed
//! identity endpoints, for azaudit's tests, demo and benchmarks.
//!
//! It serves a [`Scenario`]: ARM lists at subscription and resource-group
//! scope with real payload shapes and absolute `nextLink`s, network usages,
//! an emulated ARM read bucket (250 burst, 25/s) answering 429
//! `SubscriptionRequestsThrottled`, per-route fault injection, and a request
//! log (`GET /_mock/requests`, or [`MockServer::requests`]). It also serves
//! a Kubernetes API (`/version`, `/api/v1/services|nodes|persistentvolumes`)
//! with `limit`/`continue` paging, for the cluster side.

pub mod app;
pub mod arm;
pub mod entra;
pub mod graph;
pub mod identity;
pub mod index;
pub mod k8s_objects;
pub mod kube;
pub mod log;
pub mod resource_graph;
pub mod rng;
pub mod scenario;
pub mod server;
pub mod spec;
pub mod synth;
pub mod tenant;
pub mod tls;
pub mod vary;

pub use log::LogEntry;
pub use scenario::{Action, Fault, Scenario};

use std::net::SocketAddr;
use std::sync::Arc;

/// A scenario that does not match the specs is refused before anything is
/// served ([`Scenario::validate`]), as `InvalidData`.
fn checked(scenario: &Scenario) -> std::io::Result<()> {
    scenario.validate().map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// Bind `listen` and return the server's app state, its base URL and the
/// future that serves it.
pub async fn bind(
    scenario: Scenario,
    listen: &str,
) -> std::io::Result<(Arc<app::App>, String, impl std::future::Future<Output = std::io::Result<()>>)> {
    checked(&scenario)?;
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr: SocketAddr = listener.local_addr()?;
    let base_url = format!("http://{addr}");
    let app = Arc::new(app::App::new(scenario, base_url.clone()));
    let router = axum::Router::new().fallback(server::handle).with_state(app.clone());
    let fut = async move { axum::serve(listener, router).await };
    Ok((app, base_url, fut))
}

/// Like [`bind`], over https with a fresh test CA: returns the CA's PEM too.
pub async fn bind_tls(
    scenario: Scenario,
    listen: &str,
) -> std::io::Result<(Arc<app::App>, String, String, impl std::future::Future<Output = std::io::Result<()>>)> {
    checked(&scenario)?;
    let (ca_pem, config) = tls::make_config().map_err(std::io::Error::other)?;
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr: SocketAddr = listener.local_addr()?;
    let base_url = format!("https://{addr}");
    let app = Arc::new(app::App::new(scenario, base_url.clone()));
    let router = axum::Router::new().fallback(server::handle).with_state(app.clone());
    let tls = tls::TlsListener { inner: listener, acceptor: tokio_rustls::TlsAcceptor::from(config) };
    let fut = async move { axum::serve(tls, router).await };
    Ok((app, base_url, ca_pem, fut))
}

/// A mock running on its own thread and runtime, for synchronous tests.
/// Stops when dropped.
pub struct MockServer {
    pub base_url: String,
    /// The test CA's certificate (PEM) when serving https.
    pub ca_pem: Option<String>,
    app: Arc<app::App>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl MockServer {
    /// Start on 127.0.0.1 with an OS-chosen port.
    pub fn start(scenario: Scenario) -> std::io::Result<MockServer> {
        MockServer::start_on(scenario, "127.0.0.1:0")
    }

    /// Start on `listen` (for example `169.254.169.254:80` inside a test's
    /// network namespace). The listening socket is created on a thread
    /// spawned from the calling thread, so it belongs to the caller's
    /// network namespace.
    pub fn start_on(scenario: Scenario, listen: &str) -> std::io::Result<MockServer> {
        Self::spawn(scenario, listen, false)
    }

    /// Start on 127.0.0.1 over https with a fresh test CA ([`MockServer::ca_pem`]).
    /// Entra's token endpoint needs this: authority hosts must be https.
    pub fn start_tls(scenario: Scenario) -> std::io::Result<MockServer> {
        Self::spawn(scenario, "127.0.0.1:0", true)
    }

    fn spawn(scenario: Scenario, listen: &str, tls: bool) -> std::io::Result<MockServer> {
        let listen = listen.to_string();
        let (tx, rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            rt.block_on(async move {
                let stop = async {
                    let _ = stop_rx.await;
                };
                if tls {
                    match bind_tls(scenario, &listen).await {
                        Ok((app, url, ca, fut)) => {
                            let _ = tx.send(Ok((app, url, Some(ca))));
                            tokio::select! {
                                _ = fut => {}
                                _ = stop => {}
                            }
                        }
                        Err(e) => {
                            let _ = tx.send(Err(e));
                        }
                    }
                } else {
                    match bind(scenario, &listen).await {
                        Ok((app, url, fut)) => {
                            let _ = tx.send(Ok((app, url, None)));
                            tokio::select! {
                                _ = fut => {}
                                _ = stop => {}
                            }
                        }
                        Err(e) => {
                            let _ = tx.send(Err(e));
                        }
                    }
                }
            });
        });
        let (app, base_url, ca_pem) =
            rx.recv().map_err(|_| std::io::Error::other("mock thread ended before binding"))??;
        Ok(MockServer { base_url, ca_pem, app, shutdown: Some(stop_tx), thread: Some(thread) })
    }

    /// Every request served so far, in order.
    pub fn requests(&self) -> Vec<LogEntry> {
        self.app.requests()
    }

    /// The ARM requests (not identity or control endpoints).
    pub fn arm_requests(&self) -> Vec<LogEntry> {
        self.requests().into_iter().filter(|e| e.path.starts_with("/subscriptions/")).collect()
    }

    /// The current token count of a subscription's emulated read bucket.
    pub fn remaining_reads(&self, subscription: &str) -> u64 {
        app::remaining_reads(&self.app, subscription)
    }

    /// The scenario being served.
    pub fn scenario(&self) -> &Scenario {
        &self.app.scenario
    }

    /// The App Service-style managed identity endpoint.
    pub fn identity_endpoint(&self) -> String {
        format!("{}/msi/token", self.base_url)
    }

    pub fn identity_header(&self) -> &str {
        &self.app.scenario.identity.header
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
