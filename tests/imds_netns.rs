//! Managed identity through the real link-local IMDS address.
//!
//! The test makes a network namespace with 169.254.169.254 on its loopback,
//! serves the mock's IMDS there on port 80, and runs the real binary inside
//! the namespace with no `IDENTITY_ENDPOINT` and no `AZAUDIT_IMDS_ENDPOINT`,
//! so the code path is exactly the one a cron job on a node takes. When the
//! namespace cannot be made (no root, no `ip`), the test is skipped and says
//! why on stderr.

use crate::common::*;
use azure_mock::scenario::Subscription;
use azure_mock::{MockServer, Scenario};
use serde_json::json;
use std::process::Command;

const SUB: &str = "5b2e8c1a-7d4f-4e3b-9a6c-1f0e2d3c4b5a";
const IMDS_IP: &str = "169.254.169.254";

/// A network namespace that is deleted when dropped.
struct Netns(String);

impl Netns {
    fn create() -> Result<Netns, String> {
        if !Command::new("ip").arg("-V").output().map(|o| o.status.success()).unwrap_or(false) {
            return Err("the `ip` command is not available".into());
        }
        let name = format!("azaudit-imds-{}", std::process::id());
        ip(&["netns", "add", &name]).map_err(|e| format!("cannot create a network namespace ({e}); needs root"))?;
        let ns = Netns(name);
        ip(&["-n", &ns.0, "link", "set", "lo", "up"])?;
        ip(&["-n", &ns.0, "addr", "add", &format!("{IMDS_IP}/32"), "dev", "lo"])?;
        Ok(ns)
    }

    /// Run `f` on a thread that has entered the namespace. Threads and
    /// sockets created there stay in it.
    fn enter<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
        let path = format!("/run/netns/{}", self.0);
        std::thread::spawn(move || {
            use rustix::thread::{LinkNameSpaceType, move_into_link_name_space};
            use std::os::fd::AsFd;
            let file = std::fs::File::open(&path).map_err(|e| format!("cannot open {path}: {e}"))?;
            // setns(2): only this thread moves into the namespace.
            move_into_link_name_space(file.as_fd(), Some(LinkNameSpaceType::Network))
                .map_err(|e| format!("setns: {e}"))?;
            Ok(f())
        })
        .join()
        .map_err(|_| "namespace thread panicked".to_string())?
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = ip(&["netns", "del", &self.0]);
    }
}

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip").args(args).output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("ip {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()))
    }
}

fn scenario() -> Scenario {
    Scenario {
        subscriptions: vec![Subscription { id: SUB.into(), ..Default::default() }],
        resources: vec![json!({
            "id": format!("/subscriptions/{SUB}/resourceGroups/MC_rg_aks_westeurope/providers/Microsoft.Network/publicIPAddresses/pip1"),
            "name": "pip1", "location": "westeurope", "type": "Microsoft.Network/publicIPAddresses",
            "properties": {"ipAddress": "20.1.2.3"}
        })],
        instance: Some(json!({
            "subscriptionId": SUB, "resourceGroupName": "MC_rg_aks_westeurope", "location": "westeurope",
            "azEnvironment": "AzurePublicCloud", "name": "aks-nodepool1-0", "vmSize": "Standard_D4s_v5"
        })),
        ..Default::default()
    }
}

#[test]
fn managed_identity_through_the_link_local_imds_address() {
    setup();
    let ns = match Netns::create() {
        Ok(ns) => ns,
        Err(reason) => return skip("managed_identity_through_the_link_local_imds_address", &reason),
    };
    let started = ns.enter(|| {
        let imds = MockServer::start_on(scenario(), &format!("{IMDS_IP}:80"))?;
        let arm = MockServer::start(scenario())?;
        Ok::<_, std::io::Error>((imds, arm))
    });
    let (imds, arm) = match started {
        Ok(Ok(pair)) => pair,
        // A scenario the mock refuses is a bug in this test, not a missing
        // capability of the machine.
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::InvalidData => panic!("the mock refused the scenario: {e}"),
        Ok(Err(e)) => return skip("managed_identity_through_the_link_local_imds_address", &e.to_string()),
        Err(reason) => return skip("managed_identity_through_the_link_local_imds_address", &reason),
    };

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snap.json");
    let user_assigned = "7c1e5f3a-2b4d-4c6e-8f0a-9b8c7d6e5f4a";
    let run = |args: &[&str]| {
        let mut cmd = Command::new("ip");
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .args(["netns", "exec", &ns.0, env!("CARGO_BIN_EXE_azaudit")])
            .args(["--no-cloud-config", "--arm-endpoint", &arm.base_url])
            .args(args);
        let o = cmd.output().expect("ip netns exec runs");
        let r = Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        };
        r.assert_no_panic();
        r
    };

    // whoami: subscription and resource group from 169.254.169.254, and the
    // credential is managed identity found by probing that address.
    let r = run(&["whoami", "--use-instance-metadata", "--identity-client-id", user_assigned]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains(&format!("subscription:    {SUB} (instance metadata)")), "{}", r.stdout);
    assert!(r.stdout.contains("resource group:  MC_rg_aks_westeurope (instance metadata)"), "{}", r.stdout);
    assert!(r.stdout.contains("credential:      managed-identity from the instance metadata service"), "{}", r.stdout);
    assert!(r.stdout.contains("sign-in:         ok"), "{}", r.stdout);

    // snapshot: ARM accepted the token that IMDS issued.
    let r = run(&["--use-instance-metadata", "--no-cluster", "snapshot", "-o", out.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let snap = read_json(&out);
    assert_eq!(snap["azure"]["public_ips"].as_array().map(Vec::len), Some(1), "{snap}");

    let log = imds.requests();
    let tokens: Vec<_> = log.iter().filter(|e| e.path == "/metadata/identity/oauth2/token").collect();
    assert!(!tokens.is_empty(), "no token was requested from 169.254.169.254: {log:?}");
    assert!(tokens.iter().all(|e| e.status == 200), "{tokens:?}");
    assert!(tokens.iter().all(|e| e.query.contains("resource=https")), "{tokens:?}");
    assert!(
        tokens.iter().any(|e| e.query.contains(&format!("client_id={user_assigned}"))),
        "--identity-client-id was not sent to IMDS: {tokens:?}"
    );
    assert!(log.iter().any(|e| e.path == "/metadata/instance"), "{log:?}");
    assert!(!arm.arm_requests().is_empty());
    assert!(arm.requests().iter().all(|e| !e.path.starts_with("/metadata")), "IMDS went to the wrong address");
}
