//! Synthetic scenarios: large, deterministic (seeded) AKS-like inventories
//! for tests and benchmarks. Names, tags and cross-references follow what
//! the Azure cloud provider and the disk CSI driver create.

use crate::rng::Rng;
use crate::scenario::{Scenario, Subscription};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Params {
    pub seed: u64,
    pub subscriptions: usize,
    pub location: String,
    pub cluster_name: String,
    pub public_ips: usize,
    pub load_balancers: usize,
    /// Frontends in total, spread over the load balancers; each uses one
    /// of the public IPs while they last.
    pub frontends: usize,
    /// LB rules (and probes) per frontend.
    pub rules_per_frontend: usize,
    pub nsgs: usize,
    pub rules_per_nsg: usize,
    pub disks: usize,
    pub nics: usize,
    /// Cluster: LoadBalancer Services (one per public IP while they last;
    /// every `orphan_every`-th IP's Service is left out, so its IP is an
    /// orphan), ClusterIP Services beyond that, and nodes.
    pub services: usize,
    pub nodes: usize,
    /// Every n-th public IP and disk is left behind (0: none).
    pub orphan_every: usize,
    /// Every n-th LB's backend pool is empty (0: none).
    pub empty_pool_every: usize,
    pub page_size: Option<usize>,
    /// Latency added to every ARM and Kubernetes response.
    pub latency_ms: u64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            seed: 1,
            subscriptions: 1,
            location: "westeurope".into(),
            cluster_name: "kubernetes".into(),
            public_ips: 100,
            load_balancers: 2,
            frontends: 50,
            rules_per_frontend: 1,
            nsgs: 1,
            rules_per_nsg: 20,
            disks: 20,
            nics: 10,
            services: 0,
            nodes: 0,
            orphan_every: 0,
            empty_pool_every: 0,
            page_size: None,
            latency_ms: 0,
        }
    }
}

impl Params {
    /// Resources per subscription (top-level ARM resources).
    pub fn resources_per_subscription(&self) -> usize {
        self.public_ips + self.load_balancers + self.nsgs + self.disks + self.nics
    }
}

/// `"a"` + UID without dashes, first 32 characters: the provider's base name.
pub fn base_name(uid: &str) -> String {
    let s: String = format!("a{}", uid.replace('-', ""));
    s.chars().take(32).collect()
}

/// The subscription IDs a generated scenario uses.
pub fn subscription_id(i: usize) -> String {
    format!("{:08x}-0000-4000-8000-{:012x}", 0x5ab0_0000u32 + i as u32, i)
}

pub fn generate(p: &Params) -> Scenario {
    let mut rng = Rng(p.seed);
    let mut resources = Vec::new();
    let mut subscriptions = Vec::new();
    let mut cluster = crate::scenario::Cluster::default();
    let orphan = |i: usize| p.orphan_every > 0 && i % p.orphan_every == p.orphan_every - 1;
    for si in 0..p.subscriptions {
        let sub = subscription_id(si);
        let rg = format!("MC_aks-rg_aks_{}", p.location);
        subscriptions.push(Subscription { id: sub.clone(), resource_groups: vec![rg.clone()], ..Default::default() });
        let net = format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network");
        let pip_id = |name: &str| format!("{net}/publicIPAddresses/{name}");

        // Public IPs, named and tagged as the cloud provider does.
        let mut pip_names = Vec::new();
        let mut pip_index = Vec::new();
        for i in 0..p.public_ips {
            let uid = rng.uuid();
            let name = format!("{}-{}", p.cluster_name, base_name(&uid));
            pip_names.push((name.clone(), base_name(&uid)));
            pip_index.push(resources.len());
            // The cluster (first subscription only) has a LoadBalancer
            // Service for this IP unless it is one of the orphans.
            if si == 0 && i < p.services && !orphan(i) {
                let ip = format!("20.{}.{}.{}", 50 + (i >> 16) % 200, (i >> 8) & 255, i & 255);
                cluster.services.push(crate::k8s_objects::lb_service(
                    &format!("ns-{}", i % 17),
                    &format!("svc-{i}"),
                    &uid,
                    80,
                    Some(&ip),
                    &[],
                ));
            }
            resources.push(json!({
                "name": name, "id": pip_id(&name), "location": p.location,
                "type": "Microsoft.Network/publicIPAddresses",
                "tags": {"k8s-azure-service": format!("ns-{}/svc-{i}", i % 17), "k8s-azure-cluster-name": p.cluster_name},
                "sku": {"name": "Standard", "tier": "Regional"},
                "properties": {"provisioningState": "Succeeded", "ipAddress": format!("20.{}.{}.{}", 50 + (i >> 16) % 200, (i >> 8) & 255, i & 255),
                    "publicIPAddressVersion": "IPv4", "publicIPAllocationMethod": "Static", "idleTimeoutInMinutes": 4}
            }));
        }

        // Load balancers with frontends, rules and probes.
        let mut pip_refs: Vec<Option<String>> = vec![None; p.public_ips];
        let lbs = p.load_balancers.max(usize::from(p.frontends > 0));
        for li in 0..lbs {
            let name = if li == 0 { p.cluster_name.clone() } else { format!("{}-{li}", p.cluster_name) };
            let lb_id = format!("{net}/loadBalancers/{name}");
            let mut fes = Vec::new();
            let mut rules = Vec::new();
            let mut probes = Vec::new();
            let pool_id = format!("{lb_id}/backendAddressPools/{}", p.cluster_name);
            for fi in (li..p.frontends).step_by(lbs) {
                let (fe_name, pip_ref) = match pip_names.get(fi) {
                    Some((pip, base)) => (base.clone(), Some(pip_id(pip))),
                    None => (base_name(&rng.uuid()), None),
                };
                let fe_id = format!("{lb_id}/frontendIPConfigurations/{fe_name}");
                if let Some(slot) = pip_refs.get_mut(fi) {
                    *slot = Some(fe_id.clone());
                }
                let mut fe_rules = Vec::new();
                for r in 0..p.rules_per_frontend {
                    let port = 80 + r as i64;
                    let rule = format!("{fe_name}-TCP-{port}");
                    let rule_id = format!("{lb_id}/loadBalancingRules/{rule}");
                    let probe_id = format!("{lb_id}/probes/{rule}");
                    fe_rules.push(json!({"id": rule_id}));
                    rules.push(json!({"name": rule, "id": rule_id, "properties": {
                        "frontendIPConfiguration": {"id": fe_id}, "backendAddressPool": {"id": pool_id},
                        "backendAddressPools": [{"id": pool_id}], "probe": {"id": probe_id},
                        "protocol": "Tcp", "frontendPort": port, "backendPort": port, "enableFloatingIP": false,
                        "idleTimeoutInMinutes": 4, "loadDistribution": "Default", "disableOutboundSnat": true}}));
                    probes.push(json!({"name": rule, "id": probe_id, "properties": {"protocol": "Tcp", "port": 30000 + r as i64,
                        "intervalInSeconds": 5, "numberOfProbes": 2, "probeThreshold": 1, "loadBalancingRules": [{"id": rule_id}]}}));
                }
                let mut props = json!({"privateIPAllocationMethod": "Dynamic", "loadBalancingRules": fe_rules, "provisioningState": "Succeeded"});
                if let Some(pip) = pip_ref {
                    props["publicIPAddress"] = json!({"id": pip});
                }
                fes.push(json!({"name": fe_name, "id": fe_id, "properties": props}));
            }
            let empty = p.empty_pool_every > 0 && li % p.empty_pool_every == p.empty_pool_every - 1;
            let members: Vec<Value> = (0..if empty { 0 } else { 3 })
                .map(|n| json!({"id": format!("{net}/networkInterfaces/aks-agentpool-{n}-nic-0/ipConfigurations/ipconfig1")}))
                .collect();
            resources.push(json!({
                "name": name, "id": lb_id, "location": p.location, "type": "Microsoft.Network/loadBalancers",
                "sku": {"name": "Standard", "tier": "Regional"},
                "properties": {"provisioningState": "Succeeded", "frontendIPConfigurations": fes,
                    "backendAddressPools": [{"name": p.cluster_name, "id": pool_id, "properties": {"backendIPConfigurations": members}}],
                    "loadBalancingRules": rules, "probes": probes, "inboundNatRules": [], "outboundRules": [], "inboundNatPools": []}
            }));
        }
        for (i, fe) in pip_refs.into_iter().enumerate() {
            if let (Some(fe), Some(&at)) = (fe, pip_index.get(i)) {
                resources[at]["properties"]["ipConfiguration"] = json!({"id": fe});
            }
        }

        // NSGs with provider-managed rules (v1.29+ naming).
        for ni in 0..p.nsgs {
            let name = format!("aks-agentpool-{ni}-nsg");
            let rules: Vec<Value> = (0..p.rules_per_nsg)
                .map(|r| {
                    let ip = format!("20.{}.{}.{}", 50 + (r >> 16) % 200, (r >> 8) & 255, r & 255);
                    json!({"name": format!("k8s-azure-lb_allow_IPv4_{:032x}", (rng.next_u64() as u128) << 64 | rng.next_u64() as u128),
                        "id": format!("{net}/networkSecurityGroups/{name}/securityRules/r{r}"),
                        "properties": {"protocol": "Tcp", "sourcePortRange": "*", "destinationPortRanges": ["80", "443"],
                            "sourceAddressPrefix": "Internet", "destinationAddressPrefixes": [ip],
                            "access": "Allow", "priority": 500 + r as i64, "direction": "Inbound"}})
                })
                .collect();
            resources.push(
                json!({"name": name, "id": format!("{net}/networkSecurityGroups/{name}"), "location": p.location,
                "type": "Microsoft.Network/networkSecurityGroups", "properties": {"securityRules": rules}}),
            );
        }

        // Disks created for PersistentVolumes by the CSI driver.
        for di in 0..p.disks {
            let pv = format!("pvc-{}", rng.uuid());
            let left_behind = orphan(di);
            let disk_id = format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/disks/{pv}");
            if si == 0 && p.nodes > 0 && !left_behind {
                cluster.persistent_volumes.push(crate::k8s_objects::disk_pv(
                    &pv,
                    "default",
                    &format!("data-{di}"),
                    &disk_id,
                ));
            }
            resources.push(json!({"name": pv, "id": format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/disks/{pv}"),
                "location": p.location, "type": "Microsoft.Compute/disks", "sku": {"name": "Premium_LRS", "tier": "Premium"},
                "tags": {"kubernetes.io-created-for-pv-name": pv, "kubernetes.io-created-for-pvc-name": "data",
                    "kubernetes.io-created-for-pvc-namespace": "default", "k8s-azure-created-by": "kubernetes-azure-dd"},
                "properties": {"diskSizeGB": 128, "diskState": if left_behind { "Unattached" } else { "Attached" }, "provisioningState": "Succeeded",
                    "timeCreated": "2026-01-02T03:04:05.1234567+00:00"}}));
        }

        // Node NICs.
        for n in 0..p.nics {
            let name = format!("aks-agentpool-{n}-nic-0");
            resources.push(json!({"name": name, "id": format!("{net}/networkInterfaces/{name}"), "location": p.location,
                "type": "Microsoft.Network/networkInterfaces",
                "properties": {"ipConfigurations": [{"name": "ipconfig1", "id": format!("{net}/networkInterfaces/{name}/ipConfigurations/ipconfig1"),
                    "properties": {"privateIPAddress": format!("10.224.{}.{}", n / 250, 4 + n % 250), "primary": true}}],
                    "virtualMachine": {"id": format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/aks-agentpool-{n}")}}}));
        }
    }
    if p.nodes > 0 || p.services > 0 {
        let sub = subscription_id(0);
        let rg = format!("MC_aks-rg_aks_{}", p.location);
        for n in 0..p.nodes {
            cluster.nodes.push(crate::k8s_objects::vmss_node(&sub, &rg, "aks-nodepool1-31415926-vmss", n, true));
        }
        for i in p.public_ips.min(p.services)..p.services {
            let uid = rng.uuid();
            cluster.services.push(crate::k8s_objects::cluster_ip_service(
                &format!("ns-{}", i % 17),
                &format!("svc-{i}"),
                &uid,
            ));
        }
    }
    let cluster = (p.nodes > 0 || p.services > 0).then_some(cluster);
    Scenario {
        page_size: p.page_size,
        seed: p.seed,
        subscriptions,
        resources,
        cluster,
        latency_ms: p.latency_ms,
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_sized() {
        let p = Params {
            public_ips: 30,
            load_balancers: 3,
            frontends: 20,
            nsgs: 2,
            disks: 5,
            nics: 4,
            ..Default::default()
        };
        let a = generate(&p);
        let b = generate(&p);
        assert_eq!(serde_json::to_string(&a.resources).unwrap(), serde_json::to_string(&b.resources).unwrap());
        assert_eq!(a.resources.len(), p.resources_per_subscription());
        let attached = a.resources.iter().filter(|r| r.pointer("/properties/ipConfiguration/id").is_some()).count();
        assert_eq!(attached, 20);
        assert_eq!(base_name("0a1b2c3d-4e5f-6789-abcd-ef0123456789"), "a0a1b2c3d4e5f6789abcdef012345678");
    }
}
