//! A model of the cloud provider's load-balancer, public IP and security
//! group reconcilers, for the property test: random clusters (Services with
//! random combinations of annotations, shared IPs, both families, internal
//! and external, several load balancers; PersistentVolumes), the Azure
//! objects the provider would create for them (named by
//! `checks::provider`, shaped as ARM returns them and validated against the
//! vendored specs), and, for each object, the live objects that keep it.
//!
//! The audit of such a cluster must report nothing. After deleting random
//! Services and PersistentVolumes from the cluster view (the Azure side
//! left as the provider would leave it had it missed the deletions),
//! exactly their objects, and nothing else, must be reported.

use super::provider::*;
use crate::findings::Kind;
use crate::models::cluster::{Ingress, Node, NodeAddress, PersistentVolume, Service, ServicePort};
use crate::snapshot::Snapshot;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

const CLUSTER: &str = "kubernetes";
const NODE: usize = usize::MAX;

fn rg_id() -> String {
    super::testkit::rg_id()
}

fn net(kind: &str, name: &str) -> String {
    format!("{}/providers/Microsoft.Network/{kind}/{name}", rg_id())
}

/// What one generated cluster holds, and who keeps each object.
pub struct World {
    pub snap: Snapshot,
    /// Object (lower-cased ID) -> (the kind it would be reported as, the
    /// Services (indexes) or PVs whose deletion orphans it).
    owners: BTreeMap<String, (Kind, BTreeSet<usize>)>,
    /// NSG rule ID (lower) -> destination -> owners (`NODE` for node IPs).
    nsg: BTreeMap<String, BTreeMap<String, BTreeSet<usize>>>,
    /// Service keys by index, and PV names by index (offset by 1000).
    service_keys: Vec<String>,
}

/// A load balancer's frontends, rules, probes and the pools they use.
type LbParts = (Vec<Value>, Vec<Value>, Vec<Value>, BTreeSet<String>);
/// A Service's own frontends, for others to share: (lb, internal, IPv4,
/// IPv6, [(IPv6, frontend ID, address)], Service index).
type Primary = (String, bool, bool, bool, Vec<(bool, String, String)>, usize);

/// An address as the provider writes it (`netip.Addr.String()`).
fn canon(ip: &str) -> String {
    ip.parse::<std::net::IpAddr>().map(|a| a.to_string()).unwrap_or_else(|_| ip.to_string())
}

fn uid(rng: &mut StdRng) -> String {
    let h: String = (0..32).map(|_| format!("{:x}", rng.random_range(0..16u8))).collect();
    format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

/// Build a random cluster and its Azure side from `seed`.
pub fn generate(seed: u64) -> World {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut snap = super::testkit::snap();
    let mut resources: Vec<Value> = Vec::new();
    let mut owners: BTreeMap<String, (Kind, BTreeSet<usize>)> = BTreeMap::new();
    let mut address_owners: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    // Load balancers: name -> (frontends, rules, probes, pools used).
    let mut lbs: BTreeMap<String, LbParts> = BTreeMap::new();
    // NSG rules: (protocol, ipv6, ports) -> destinations.
    let mut nsg_rules: BTreeMap<(String, bool, Vec<String>), BTreeSet<String>> = BTreeMap::new();
    let mut nsg_dest_owner: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    let lb_names = ["kubernetes", "lb2"];
    let nodes: Vec<(String, String)> = (0..3).map(|n| (format!("aks-np-{n}"), format!("10.224.0.{}", n + 4))).collect();
    for (_, ip) in &nodes {
        nsg_dest_owner.entry(ip.clone()).or_default().insert(NODE);
    }
    // Primary frontends by (lb, internal, families): for IP sharing.
    let mut primaries: Vec<Primary> = Vec::new();
    let mut service_keys = Vec::new();
    let n_services = rng.random_range(1..=8);
    for i in 0..n_services {
        let key_ns = ["shop", "web", "kube-system"][rng.random_range(0..3)];
        let name = format!("svc{i}");
        let uid = uid(&mut rng);
        let base = base_name(&uid);
        let mut s = Service {
            namespace: key_ns.into(),
            name: name.clone(),
            uid: uid.clone(),
            type_: "LoadBalancer".into(),
            ..Default::default()
        };
        service_keys.push(s.key());
        if rng.random_bool(0.15) {
            s.type_ = "ClusterIP".into();
            snap.cluster.services.push(s);
            continue;
        }
        let (v4, v6) = match rng.random_range(0..10) {
            0 => (false, true),
            1..=3 => (true, true),
            _ => (true, false),
        };
        let dual = v4 && v6;
        s.ip_families = [(v4, "IPv4"), (v6, "IPv6")].iter().filter(|x| x.0).map(|x| x.1.to_string()).collect();
        let internal = rng.random_bool(0.3);
        let subnet = (internal && rng.random_bool(0.5)).then(|| format!("subnet{}", rng.random_range(1..3)));
        if internal {
            s.annotations.insert("service.beta.kubernetes.io/azure-load-balancer-internal".into(), "true".into());
            if let Some(sn) = &subnet {
                s.annotations
                    .insert("service.beta.kubernetes.io/azure-load-balancer-internal-subnet".into(), sn.clone());
            }
        }
        let lb_config = lb_names[rng.random_range(0..lb_names.len())];
        let lb_name = load_balancer_name(lb_config, internal);
        let floating_disabled = !internal && rng.random_bool(0.1);
        if floating_disabled {
            s.annotations
                .insert("service.beta.kubernetes.io/azure-disable-load-balancer-floating-ip".into(), "true".into());
        }
        let n_ports = rng.random_range(1..=3);
        for p in 0..n_ports {
            let proto = if rng.random_bool(0.8) { "TCP" } else { "UDP" };
            s.ports.push(ServicePort {
                name: None,
                protocol: proto.into(),
                port: 80 + 100 * p as i32 + rng.random_range(0..3),
                node_port: Some(30000 + (i * 10 + p) as i32),
            });
        }
        // Share a compatible primary's IP, sometimes.
        let share = primaries
            .iter()
            .filter(|p| p.0 == lb_name && p.1 == internal && p.2 == v4 && p.3 == v6)
            .map(|p| (p.4.clone(), p.5))
            .next()
            .filter(|_| rng.random_bool(0.3));
        let fes: Vec<(bool, String, String)> = match share {
            Some((fes, primary)) => {
                for (ipv6, fe_id, ip) in &fes {
                    owners.get_mut(&fe_id.to_ascii_lowercase()).expect("primary frontend").1.insert(i);
                    let a = if *ipv6 { "azure-load-balancer-ipv6" } else { "azure-load-balancer-ipv4" };
                    s.annotations.insert(format!("service.beta.kubernetes.io/{a}"), ip.clone());
                }
                // The primary's public IPs now name this Service too.
                for r in resources.iter_mut() {
                    let tagged = r["tags"]["k8s-azure-service"].as_str().map(str::to_string);
                    if let Some(t) = tagged
                        && t.split(',').any(|x| x == service_keys[primary])
                    {
                        r["tags"]["k8s-azure-service"] = json!(format!("{t},{}", s.key()));
                        let id = r["id"].as_str().unwrap().to_ascii_lowercase();
                        owners.get_mut(&id).expect("tagged ip").1.insert(i);
                    }
                }
                fes
            }
            None => {
                let mut fes = Vec::new();
                let pip_annotation =
                    (!internal && rng.random_bool(0.15)).then(|| (format!("my-ip-{i}"), rng.random_bool(0.5)));
                for (k, ipv6) in [(0, false), (1, true)].into_iter().filter(|(_, x)| if *x { v6 } else { v4 }) {
                    let fe_name = frontend_name(&base, subnet.as_deref(), dual, ipv6);
                    let fe_id = format!("{}/frontendIPConfigurations/{fe_name}", net("loadBalancers", &lb_name));
                    let entry = lbs.entry(lb_name.clone()).or_default();
                    let (ip, props) = if internal {
                        let ip = canon(&if ipv6 { format!("fd00::{i}:{k}") } else { format!("10.1.{i}.{}", 10 + k) });
                        let subnet_id = format!(
                            "{}/subnets/{}",
                            net("virtualNetworks", "aks-vnet"),
                            subnet.clone().unwrap_or("aks-subnet".into())
                        );
                        (
                            ip.clone(),
                            json!({"privateIPAddress": ip, "privateIPAllocationMethod": "Dynamic",
                            "privateIPAddressVersion": if ipv6 { "IPv6" } else { "IPv4" }, "subnet": {"id": subnet_id}}),
                        )
                    } else {
                        let ip = canon(&if ipv6 { format!("2001:db8::{i}:{k}") } else { format!("20.{i}.{k}.1") });
                        let (pip_name, byo) = match &pip_annotation {
                            Some((n, byo)) => (if ipv6 { format!("{n}-v6") } else { n.clone() }, *byo),
                            None => (public_ip_name(CLUSTER, &base, None, dual, ipv6), false),
                        };
                        if let Some((n, _)) = &pip_annotation {
                            let a = if ipv6 { "azure-pip-name-ipv6" } else { "azure-pip-name" };
                            s.annotations.insert(
                                format!("service.beta.kubernetes.io/{a}"),
                                if ipv6 { format!("{n}-v6") } else { n.clone() },
                            );
                        }
                        let pip_id = net("publicIPAddresses", &pip_name);
                        let tags = if byo {
                            json!({"owner": "team-a"})
                        } else {
                            json!({"k8s-azure-service": s.key(), "k8s-azure-cluster-name": CLUSTER})
                        };
                        resources.push(json!({"id": pip_id, "name": pip_name, "type": "Microsoft.Network/publicIPAddresses",
                            "location": "westeurope", "tags": tags, "sku": {"name": "Standard", "tier": "Regional"},
                            "properties": {"ipAddress": ip, "publicIPAllocationMethod": "Static",
                                "publicIPAddressVersion": if ipv6 { "IPv6" } else { "IPv4" }, "provisioningState": "Succeeded",
                                "ipConfiguration": {"id": fe_id}}}));
                        if !byo {
                            owners.insert(pip_id.to_ascii_lowercase(), (Kind::PublicIpOrphaned, [i].into()));
                        }
                        (ip, json!({"publicIPAddress": {"id": pip_id}, "provisioningState": "Succeeded"}))
                    };
                    entry.0.push(json!({"name": fe_name, "id": fe_id, "properties": props}));
                    owners.insert(fe_id.to_ascii_lowercase(), (Kind::LbFrontendOrphaned, [i].into()));
                    fes.push((ipv6, fe_id, ip));
                }
                primaries.push((lb_name.clone(), internal, v4, v6, fes.clone(), i));
                fes
            }
        };
        // Rules and probes, one per port and family, named for this Service.
        for (ipv6, fe_id, ip) in &fes {
            s.ingress.push(Ingress { ip: Some(ip.clone()), hostname: None });
            address_owners.entry(ip.clone()).or_default().insert(i);
            let pool = backend_pool_name(CLUSTER, *ipv6);
            let pool_id = format!("{}/backendAddressPools/{pool}", net("loadBalancers", &lb_name));
            let entry = lbs.entry(lb_name.clone()).or_default();
            entry.3.insert(pool.clone());
            for p in &s.ports {
                let rn = rule_name(&base, subnet.as_deref(), &p.protocol, p.port, dual, *ipv6);
                let rule_id = format!("{}/loadBalancingRules/{rn}", net("loadBalancers", &lb_name));
                let probe_id = format!("{}/probes/{rn}", net("loadBalancers", &lb_name));
                let proto = if p.protocol == "TCP" { "Tcp" } else { "Udp" };
                entry.1.push(json!({"name": rn, "id": rule_id, "properties": {
                    "frontendIPConfiguration": {"id": fe_id}, "backendAddressPool": {"id": pool_id},
                    "probe": {"id": probe_id}, "protocol": proto, "frontendPort": p.port, "backendPort": p.port,
                    "enableFloatingIP": !floating_disabled, "provisioningState": "Succeeded"}}));
                entry.2.push(json!({"name": rn, "id": probe_id, "properties": {"protocol": "Tcp",
                    "port": p.node_port, "intervalInSeconds": 5, "numberOfProbes": 2, "provisioningState": "Succeeded"}}));
                owners.insert(rule_id.to_ascii_lowercase(), (Kind::LbRuleOrphaned, [i].into()));
                owners.insert(probe_id.to_ascii_lowercase(), (Kind::LbProbeOrphaned, [i].into()));
            }
        }
        // Extra public IPs the user owns (untagged, attached to nothing).
        if !internal && rng.random_bool(0.1) {
            let ip = format!("52.{i}.0.1");
            let pip_id = net("publicIPAddresses", &format!("extra-{i}"));
            resources.push(json!({"id": pip_id, "name": format!("extra-{i}"), "type": "Microsoft.Network/publicIPAddresses",
                "location": "westeurope", "sku": {"name": "Standard"},
                "properties": {"ipAddress": ip, "publicIPAllocationMethod": "Static", "provisioningState": "Succeeded"}}));
            owners.insert(pip_id.to_ascii_lowercase(), (Kind::PublicIpUnattached, [i].into()));
            s.annotations.insert("service.beta.kubernetes.io/azure-additional-public-ips".into(), ip.clone());
            s.ingress.push(Ingress { ip: Some(ip.clone()), hostname: None });
            address_owners.entry(ip).or_default().insert(i);
        }
        // NSG allow rules (an internal Service with no allow list gets none).
        if !internal {
            let mut dst: Vec<(bool, String)> =
                s.additional_public_ips().map(|ip| (ip.contains(':'), ip.to_string())).collect();
            if floating_disabled {
                dst.extend(nodes.iter().map(|(_, ip)| (false, ip.clone())));
            } else {
                dst.extend(fes.iter().map(|(v6, _, ip)| (*v6, ip.clone())));
            }
            for proto in ["TCP", "UDP"] {
                let ports: Vec<String> = s
                    .ports
                    .iter()
                    .filter(|p| p.protocol == proto)
                    .map(|p| if floating_disabled { p.node_port.unwrap_or(0) } else { p.port }.to_string())
                    .collect();
                if ports.is_empty() {
                    continue;
                }
                let arm = if proto == "TCP" { "Tcp" } else { "Udp" };
                for (ipv6, ip) in &dst {
                    let mut sorted = ports.clone();
                    sorted.sort();
                    sorted.dedup();
                    nsg_rules.entry((arm.to_string(), *ipv6, sorted)).or_default().insert(ip.clone());
                    if !nodes.iter().any(|(_, n)| n == ip) {
                        nsg_dest_owner.entry(ip.clone()).or_default().insert(i);
                    }
                }
            }
        }
        snap.cluster.services.push(s);
    }
    // Shared IPs: every Service reporting an address keeps it in NSG rules.
    for (ip, svcs) in &address_owners {
        nsg_dest_owner.entry(ip.clone()).or_default().extend(svcs.iter().copied());
    }
    // Nodes and their NICs, in every pool.
    let mut pool_members: Vec<Value> = Vec::new();
    for (n, (name, ip)) in nodes.iter().enumerate() {
        let nic = net("networkInterfaces", &format!("{name}-nic"));
        let cfg = format!("{nic}/ipConfigurations/ipconfig1");
        pool_members.push(json!({"id": cfg}));
        let pools: Vec<Value> = lbs
            .iter()
            .flat_map(|(lb, e)| {
                e.3.iter().map(move |p| json!({"id": format!("{}/backendAddressPools/{p}", net("loadBalancers", lb))}))
            })
            .collect();
        resources.push(json!({"id": nic, "name": format!("{name}-nic"), "type": "Microsoft.Network/networkInterfaces",
            "location": "westeurope", "properties": {"ipConfigurations": [{"name": "ipconfig1", "id": cfg,
                "properties": {"privateIPAddress": ip, "loadBalancerBackendAddressPools": pools}}],
                "virtualMachine": {"id": format!("{}/providers/Microsoft.Compute/virtualMachines/{name}", rg_id())}}}));
        snap.cluster.nodes.push(Node {
            name: name.clone(),
            provider_id: Some(super::testkit::vmss_provider_id(super::testkit::RG, n)),
            ready: Some(true),
            addresses: vec![NodeAddress { type_: "InternalIP".into(), address: ip.clone() }],
            ..Default::default()
        });
    }
    for (lb, (fes, rules, probes, pools)) in &lbs {
        let pools: Vec<Value> = pools
            .iter()
            .map(|p| {
                json!({"name": p, "id": format!("{}/backendAddressPools/{p}", net("loadBalancers", lb)),
                "properties": {"backendIPConfigurations": pool_members}})
            })
            .collect();
        resources.push(json!({"id": net("loadBalancers", lb), "name": lb, "type": "Microsoft.Network/loadBalancers",
            "location": "westeurope", "sku": {"name": "Standard", "tier": "Regional"},
            "properties": {"frontendIPConfigurations": fes, "loadBalancingRules": rules, "probes": probes,
                "backendAddressPools": pools, "provisioningState": "Succeeded"}}));
    }
    // The NSG.
    let nsg_name = "aks-agentpool-nsg";
    let mut sec_rules = Vec::new();
    let mut nsg = BTreeMap::new();
    for (k, ((proto, ipv6, ports), dests)) in nsg_rules.iter().enumerate() {
        let port_refs: Vec<&str> = ports.iter().map(String::as_str).collect();
        let name = nsg_allow_rule_name(proto, *ipv6, &["Internet"], &port_refs);
        let id = format!("{}/securityRules/{name}", net("networkSecurityGroups", nsg_name));
        let d: Vec<&String> = dests.iter().collect();
        let mut props = json!({"protocol": proto, "access": "Allow", "direction": "Inbound", "priority": 500 + k,
            "sourceAddressPrefix": "Internet", "sourcePortRange": "*", "destinationPortRanges": ports,
            "provisioningState": "Succeeded"});
        if d.len() == 1 {
            props["destinationAddressPrefix"] = json!(d[0]);
        } else {
            props["destinationAddressPrefixes"] = json!(d);
        }
        sec_rules.push(json!({"name": name, "id": id, "properties": props}));
        nsg.insert(
            id.to_ascii_lowercase(),
            dests.iter().map(|ip| (ip.clone(), nsg_dest_owner.get(ip).cloned().unwrap_or_default())).collect(),
        );
    }
    resources.push(json!({"id": net("networkSecurityGroups", nsg_name), "name": nsg_name,
        "type": "Microsoft.Network/networkSecurityGroups", "location": "westeurope",
        "properties": {"securityRules": sec_rules, "provisioningState": "Succeeded"}}));
    // PersistentVolumes and their disks.
    for p in 0..rng.random_range(0..4) {
        let pv = format!("pvc-{}", uid(&mut rng));
        let disk_id = format!("{}/providers/Microsoft.Compute/disks/{pv}", rg_id());
        resources.push(json!({"id": disk_id, "name": pv, "type": "Microsoft.Compute/disks", "location": "westeurope",
            "sku": {"name": "Premium_LRS", "tier": "Premium"},
            "tags": {"kubernetes.io-created-for-pv-name": pv, "kubernetes.io-created-for-pvc-name": format!("data-{p}"),
                "kubernetes.io-created-for-pvc-namespace": "shop", "k8s-azure-created-by": "kubernetes-azure-dd"},
            "properties": {"diskSizeGB": 8, "diskState": "Unattached", "provisioningState": "Succeeded"}}));
        owners.insert(disk_id.to_ascii_lowercase(), (Kind::DiskOrphaned, [1000 + p].into()));
        snap.cluster.persistent_volumes.push(PersistentVolume {
            name: pv,
            csi_driver: Some(PersistentVolume::AZURE_DISK_DRIVER.into()),
            volume_handle: Some(disk_id),
            ..Default::default()
        });
    }
    // Every generated resource looks like Azure's, then into the snapshot.
    let specs = azure_mock::spec::specs().expect("specs");
    for r in resources {
        let t = r["type"].as_str().unwrap();
        let node = specs.resource(t).expect("vendored").expect("definition");
        let mut problems = Vec::new();
        specs.validate(&r, node, r["id"].as_str().unwrap(), &mut problems);
        assert!(problems.is_empty(), "seed {seed}: the model wrote what Azure would not:\n{}", problems.join("\n"));
        let a = &mut snap.azure;
        match t {
            "Microsoft.Network/publicIPAddresses" => a.public_ips.push(serde_json::from_value(r).unwrap()),
            "Microsoft.Network/loadBalancers" => a.load_balancers.push(serde_json::from_value(r).unwrap()),
            "Microsoft.Network/networkInterfaces" => a.network_interfaces.push(serde_json::from_value(r).unwrap()),
            "Microsoft.Network/networkSecurityGroups" => {
                a.network_security_groups.push(serde_json::from_value(r).unwrap())
            }
            "Microsoft.Compute/disks" => a.disks.push(serde_json::from_value(r).unwrap()),
            other => panic!("{other}"),
        }
    }
    World { snap, owners, nsg, service_keys }
}

impl World {
    /// Delete Services (by index) and PVs (by index) from the cluster view.
    pub fn delete(&mut self, services: &BTreeSet<usize>, pvs: &BTreeSet<usize>) {
        let keys: BTreeSet<&String> = services.iter().map(|i| &self.service_keys[*i]).collect();
        self.snap.cluster.services.retain(|s| !keys.contains(&s.key()));
        let mut i = 0;
        self.snap.cluster.persistent_volumes.retain(|_| {
            let keep = !pvs.contains(&i);
            i += 1;
            keep
        });
    }

    /// What the audit must report after deleting `services` and `pvs`:
    /// (kind, object ID) and, for NSG rules, the dead destinations.
    pub fn expected(&self, services: &BTreeSet<usize>, pvs: &BTreeSet<usize>) -> Expected {
        let gone = |o: &BTreeSet<usize>| {
            !o.is_empty() && o.iter().all(|x| services.contains(x) || (*x >= 1000 && pvs.contains(&(x - 1000))))
        };
        let mut objects = BTreeSet::new();
        for (id, (kind, o)) in &self.owners {
            if gone(o) {
                objects.insert((*kind, id.clone()));
            }
        }
        let mut nsg = BTreeMap::new();
        for (id, dests) in &self.nsg {
            let dead: BTreeSet<String> = dests.iter().filter(|(_, o)| gone(o)).map(|(d, _)| d.clone()).collect();
            if !dead.is_empty() {
                objects.insert((Kind::NsgRuleStale, id.clone()));
                nsg.insert(id.clone(), dead);
            }
        }
        Expected { objects, nsg }
    }
}

#[derive(Debug, PartialEq)]
pub struct Expected {
    pub objects: BTreeSet<(Kind, String)>,
    pub nsg: BTreeMap<String, BTreeSet<String>>,
}

/// What the audit reported, in the same form.
pub fn reported(v: &super::Verdicts) -> Expected {
    let mut objects = BTreeSet::new();
    let mut nsg = BTreeMap::new();
    for f in &v.findings {
        let id = f.resource_id.key();
        if f.kind == Kind::NsgRuleStale {
            let dead: BTreeSet<String> = serde_json::from_value(f.evidence.value("dead_destinations").clone()).unwrap();
            nsg.insert(id.clone(), dead);
        }
        objects.insert((f.kind, id));
    }
    Expected { objects, nsg }
}

#[test]
fn two_hundred_generated_clusters_give_no_false_alarm_and_miss_nothing() {
    let mut deletions = 0;
    for seed in 0..200u64 {
        let mut w = generate(seed);
        let v = super::orphans(&w.snap);
        assert!(
            v.findings.is_empty(),
            "seed {seed}: false alarms on a live cluster:\n{:#?}\nnotes: {:#?}",
            v.findings.iter().map(|f| (f.kind, &f.name, &f.reason)).collect::<Vec<_>>(),
            v.notes
        );
        let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed);
        let services: BTreeSet<usize> = (0..w.service_keys.len()).filter(|_| rng.random_bool(0.35)).collect();
        let pvs: BTreeSet<usize> =
            (0..w.snap.cluster.persistent_volumes.len()).filter(|_| rng.random_bool(0.5)).collect();
        let want = w.expected(&services, &pvs);
        deletions += services.len() + pvs.len();
        w.delete(&services, &pvs);
        let got = reported(&super::orphans(&w.snap));
        assert_eq!(got, want, "seed {seed}: deleted Services {services:?} and PVs {pvs:?}");
    }
    assert!(deletions > 200, "the test deleted too little to mean anything: {deletions}");
}
