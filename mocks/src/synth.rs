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
    /// Storage accounts the provider made for the file and blob CSI drivers
    /// (`k8s-azure-created-by: azure`); even ones hold file shares, odd ones
    /// blob containers, each with a PersistentVolume. Every
    /// `orphan_every`-th account is empty, and every `orphan_every`-th share
    /// or container has no PersistentVolume.
    pub storage_accounts: usize,
    pub shares_per_account: usize,
    /// Disk CSI snapshots, each named by a VolumeSnapshotContent unless it
    /// is one of the orphans.
    pub snapshots: usize,
    /// Private link services on an internal load balancer, each with its
    /// owner Service (`azure-pls-create`) unless it is one of the orphans.
    pub private_link_services: usize,
    /// A kubenet route table with a route per node (and, with `nodes`, the
    /// AKS cluster whose pod CIDR the routes are in); every
    /// `orphan_every`-th node's route is left for a node that is gone.
    pub route_table: bool,
    /// AKS clusters, spread evenly over the subscriptions (the first in
    /// the first subscription). Each has the cluster objects of its
    /// subscription (Services, PersistentVolumes, nodes); with more than
    /// one, each is also an AKS managed cluster in ARM, `aks-{index}`, whose
    /// node resource group is its subscription's `MC_` group. The first is
    /// the scenario's own cluster; [`generate_fleet`] gives them all.
    pub clusters: usize,
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
            storage_accounts: 0,
            shares_per_account: 0,
            snapshots: 0,
            private_link_services: 0,
            route_table: false,
            clusters: 1,
            orphan_every: 0,
            empty_pool_every: 0,
            page_size: None,
            latency_ms: 0,
        }
    }
}

impl Params {
    /// Whether the `i`-th object of a kind is one of the left-behind ones.
    pub fn orphan(&self, i: usize) -> bool {
        self.orphan_every > 0 && i % self.orphan_every == self.orphan_every - 1
    }

    /// The index of the cluster whose subscription is `si`, if any.
    pub fn cluster_in(&self, si: usize) -> Option<usize> {
        let n = self.clusters.clamp(1, self.subscriptions.max(1));
        let step = self.subscriptions.max(1) / n;
        (si.is_multiple_of(step) && si / step < n).then_some(si / step)
    }

    /// Resources per subscription (top-level ARM resources).
    pub fn resources_per_subscription(&self) -> usize {
        let pls_lb = usize::from(self.private_link_services > 0);
        let routes = if self.route_table { 2 } else { 0 };
        self.public_ips
            + self.load_balancers
            + self.nsgs
            + self.disks
            + self.nics
            + self.storage_accounts
            + self.snapshots
            + self.private_link_services
            + pls_lb
            + routes
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
    generate_fleet(p).0
}

/// The scenario, and every cluster's objects (the first is the scenario's
/// own cluster, served by its Kubernetes API).
pub fn generate_fleet(p: &Params) -> (Scenario, Vec<crate::scenario::Cluster>) {
    let mut rng = Rng(p.seed);
    let mut resources = Vec::new();
    let mut subscriptions = Vec::new();
    let mut clusters: Vec<crate::scenario::Cluster> = Vec::new();
    for si in 0..p.subscriptions {
        let sub = subscription_id(si);
        let rg = format!("MC_aks-rg_aks_{}", p.location);
        let in_cluster = p.cluster_in(si).is_some();
        if in_cluster {
            clusters.push(crate::scenario::Cluster::default());
            if p.clusters > 1 {
                let k = clusters.len() - 1;
                let aks = format!(
                    "/subscriptions/{sub}/resourceGroups/aks-rg/providers/Microsoft.ContainerService/managedClusters/aks-{k}"
                );
                resources.push(json!({"name": format!("aks-{k}"), "id": aks, "type": "Microsoft.ContainerService/managedClusters",
                    "location": p.location, "properties": {"provisioningState": "Succeeded", "kubernetesVersion": "1.30.3",
                        "nodeResourceGroup": rg, "networkProfile": {"networkPlugin": "azure", "serviceCidr": "10.0.0.0/16"}}}));
            }
        }
        // This subscription's cluster, if it has one.
        let mut cluster = if in_cluster { clusters.last_mut() } else { None };
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
            if i < p.services
                && !p.orphan(i)
                && let Some(cluster) = cluster.as_deref_mut()
            {
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
                    let rule = format!("k8s-azure-lb_allow_IPv4_{:032x}", (rng.next_u64() as u128) << 64 | rng.next_u64() as u128);
                    json!({"name": rule,
                        "id": format!("{net}/networkSecurityGroups/{name}/securityRules/{rule}"),
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
            let left_behind = p.orphan(di);
            let disk_id = format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/disks/{pv}");
            if p.nodes > 0
                && !left_behind
                && let Some(cluster) = cluster.as_deref_mut()
            {
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

        let mut more = More { p, sub: &sub, rg: &rg, net: &net, resources: &mut resources, cluster };
        more.storage(&mut rng);
        more.snapshots(&mut rng);
        more.private_links(&mut rng);
        if p.route_table {
            more.routes();
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
        let rg = format!("MC_aks-rg_aks_{}", p.location);
        let subs = (0..p.subscriptions).filter(|&si| p.cluster_in(si).is_some());
        for (cluster, si) in clusters.iter_mut().zip(subs) {
            let sub = subscription_id(si);
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
    }
    let cluster = (p.nodes > 0 || p.services > 0).then(|| clusters.first().cloned()).flatten();
    let sc = Scenario {
        page_size: p.page_size,
        seed: p.seed,
        subscriptions,
        resources,
        cluster,
        latency_ms: p.latency_ms,
        ..Default::default()
    };
    (sc, clusters)
}

/// The scenario's cluster as `kubectl get services,nodes,persistentvolumes
/// -A -o json` prints it: one `v1 List` of every object, pretty-printed by
/// the caller as kubectl does.
pub fn kubectl_list(sc: &Scenario) -> Value {
    cluster_list(sc.cluster.clone().unwrap_or_default())
}

/// One cluster's objects as `kubectl get services,nodes,persistentvolumes
/// -A -o json` prints them.
pub fn cluster_list(c: crate::scenario::Cluster) -> Value {
    let items: Vec<Value> = c.services.into_iter().chain(c.nodes).chain(c.persistent_volumes).collect();
    json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}})
}

/// The generator's later kinds, for one subscription: what they add to
/// the inventory and, in a cluster's subscription, to its cluster.
struct More<'a> {
    p: &'a Params,
    sub: &'a str,
    rg: &'a str,
    net: &'a str,
    resources: &'a mut Vec<Value>,
    cluster: Option<&'a mut crate::scenario::Cluster>,
}

impl More<'_> {
    /// Storage accounts with file shares (even accounts) or blob containers
    /// (odd ones), named and tagged as the provider and the drivers do.
    fn storage(&mut self, rng: &mut Rng) {
        let (p, sub, rg) = (self.p, self.sub, self.rg);
        let mut item = 0;
        for a in 0..p.storage_accounts {
            let file = a % 2 == 0;
            let hex = format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64());
            let name = if file { format!("f{}", &hex[..23]) } else { format!("fuse{}", &hex[..20]) };
            let id =
                format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts/{name}");
            let (kind, sku, tier) = if file {
                ("FileStorage", "Premium_LRS", "Premium")
            } else {
                ("StorageV2", "Standard_LRS", "Standard")
            };
            self.resources.push(
                json!({"name": name, "id": id, "type": "Microsoft.Storage/storageAccounts", "location": p.location,
                "kind": kind, "sku": {"name": sku, "tier": tier}, "tags": {"k8s-azure-created-by": "azure"},
                "properties": {"creationTime": "2025-03-01T08:00:00.0000000Z", "provisioningState": "Succeeded",
                    "supportsHttpsTrafficOnly": true, "minimumTlsVersion": "TLS1_2"}}),
            );
            if self.p.orphan(a) {
                continue;
            }
            for _ in 0..p.shares_per_account {
                let pv = format!("pvc-{}", rng.uuid());
                let (driver, child) = if file {
                    (
                        "file.csi.azure.com",
                        json!({"name": pv, "id": format!("{id}/fileServices/default/shares/{pv}"),
                        "type": "Microsoft.Storage/storageAccounts/fileServices/shares", "etag": "\"0x8DD53ED60598516\"",
                        "properties": {"leaseStatus": "unlocked", "leaseState": "available", "accessTier": "Premium",
                            "lastModifiedTime": "2026-08-14T09:35:14.0000000Z", "shareQuota": 100, "enabledProtocols": "SMB"}}),
                    )
                } else {
                    (
                        "blob.csi.azure.com",
                        json!({"name": pv, "id": format!("{id}/blobServices/default/containers/{pv}"),
                        "type": "Microsoft.Storage/storageAccounts/blobServices/containers", "etag": "\"0x8D90327763B41AD\"",
                        "properties": {"deleted": false, "publicAccess": "None", "leaseStatus": "Unlocked", "leaseState": "Available",
                            "lastModifiedTime": "2026-07-02T11:37:07.0000000Z", "hasImmutabilityPolicy": false, "hasLegalHold": false}}),
                    )
                };
                self.resources.push(child);
                if !self.p.orphan(item)
                    && let Some(cluster) = self.cluster.as_deref_mut()
                {
                    cluster.persistent_volumes.push(crate::k8s_objects::storage_pv(&pv, driver, rg, &name, &pv));
                }
                item += 1;
            }
        }
    }

    /// Incremental snapshots the disk CSI driver took of PersistentVolume disks.
    fn snapshots(&mut self, rng: &mut Rng) {
        let (p, sub, rg) = (self.p, self.sub, self.rg);
        if p.snapshots > 0
            && let Some(cluster) = self.cluster.as_deref_mut()
        {
            cluster.volume_snapshot_contents.get_or_insert_with(Vec::new);
        }
        let compute = format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute");
        for i in 0..p.snapshots {
            let uid = rng.uuid();
            let name = format!("snapshot-{uid}");
            let id = format!("{compute}/snapshots/{name}");
            let disk = format!("{compute}/disks/pvc-{}", rng.uuid());
            self.resources.push(json!({"name": name, "id": id, "type": "Microsoft.Compute/snapshots", "location": p.location,
                "tags": {"k8s-azure-created-by": "kubernetes-azure-dd", "source_volume_id": disk},
                "sku": {"name": "Standard_LRS", "tier": "Standard"},
                "properties": {"creationData": {"createOption": "Copy", "sourceResourceId": disk}, "diskSizeGB": 32, "incremental": true,
                    "timeCreated": "2026-06-02T02:00:00+00:00", "provisioningState": "Succeeded", "diskState": "Unattached"}}));
            if !self.p.orphan(i)
                && let Some(contents) = self.cluster.as_deref_mut().and_then(|c| c.volume_snapshot_contents.as_mut())
            {
                contents.push(crate::k8s_objects::volume_snapshot_content(&uid, &disk, &id));
            }
        }
    }

    /// An internal load balancer whose frontends carry private link services
    /// for internal Services that ask for one.
    fn private_links(&mut self, rng: &mut Rng) {
        let (p, net) = (self.p, self.net);
        if p.private_link_services == 0 {
            return;
        }
        let lb_id = format!("{net}/loadBalancers/{}-internal", p.cluster_name);
        let pool_id = format!("{lb_id}/backendAddressPools/{}", p.cluster_name);
        let (mut fes, mut rules, mut probes) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..p.private_link_services {
            let uid = rng.uuid();
            let base = base_name(&uid);
            let fe_id = format!("{lb_id}/frontendIPConfigurations/{base}");
            let ip = format!("10.240.{}.{}", (i >> 8) & 255, i & 255);
            let rule_id = format!("{lb_id}/loadBalancingRules/{base}-TCP-443");
            let probe_id = format!("{lb_id}/probes/{base}-TCP-443");
            fes.push(json!({"name": base, "id": fe_id, "properties": {"privateIPAddress": ip, "privateIPAllocationMethod": "Dynamic",
                "loadBalancingRules": [{"id": rule_id}], "subnet": {"id": format!("{net}/virtualNetworks/aks-vnet/subnets/aks-subnet")}}}));
            rules.push(json!({"name": format!("{base}-TCP-443"), "id": rule_id, "properties": {"frontendIPConfiguration": {"id": fe_id},
                "backendAddressPool": {"id": pool_id}, "probe": {"id": probe_id}, "protocol": "Tcp", "frontendPort": 443, "backendPort": 443}}));
            probes.push(
                json!({"name": format!("{base}-TCP-443"), "id": probe_id, "properties": {"protocol": "Tcp", "port": 31443,
                "loadBalancingRules": [{"id": rule_id}]}}),
            );
            let (ns, svc) = (format!("ns-{}", i % 17), format!("private-{i}"));
            let name = format!("pls-{base}");
            self.resources.push(json!({"name": name, "id": format!("{net}/privateLinkServices/{name}"), "type": "Microsoft.Network/privateLinkServices",
                "location": p.location, "tags": {"k8s-azure-cluster-name": p.cluster_name, "k8s-azure-owner-service": format!("{ns}/{svc}")},
                "properties": {"provisioningState": "Succeeded", "loadBalancerFrontendIpConfigurations": [{"id": fe_id}],
                    "privateEndpointConnections": [], "visibility": {"subscriptions": []}, "enableProxyProtocol": false}}));
            if !self.p.orphan(i)
                && let Some(cluster) = self.cluster.as_deref_mut()
            {
                cluster.services.push(crate::k8s_objects::lb_service(
                    &ns,
                    &svc,
                    &uid,
                    443,
                    Some(&ip),
                    &[("azure-load-balancer-internal", "true"), ("azure-pls-create", "true")],
                ));
            }
        }
        let members: Vec<Value> = (0..3)
            .map(|n| json!({"id": format!("{net}/networkInterfaces/aks-agentpool-{n}-nic-0/ipConfigurations/ipconfig1")}))
            .collect();
        self.resources.push(json!({"name": format!("{}-internal", p.cluster_name), "id": lb_id, "location": p.location,
            "type": "Microsoft.Network/loadBalancers", "sku": {"name": "Standard", "tier": "Regional"},
            "properties": {"provisioningState": "Succeeded", "frontendIPConfigurations": fes,
                "backendAddressPools": [{"name": p.cluster_name, "id": pool_id, "properties": {"backendIPConfigurations": members}}],
                "loadBalancingRules": rules, "probes": probes, "inboundNatRules": [], "outboundRules": [], "inboundNatPools": []}}));
    }

    /// The AKS cluster (kubenet, pod CIDR 10.244.0.0/16) and its route table:
    /// a route per node as the route controller names them, and for every
    /// `orphan_every`-th node one more for a node that is gone.
    fn routes(&mut self) {
        let (p, sub, node_rg) = (self.p, self.sub, self.rg);
        let aks = format!(
            "/subscriptions/{sub}/resourceGroups/aks-rg/providers/Microsoft.ContainerService/managedClusters/aks"
        );
        self.resources.push(
            json!({"name": "aks", "id": aks, "type": "Microsoft.ContainerService/managedClusters", "location": p.location,
            "properties": {"provisioningState": "Succeeded", "kubernetesVersion": "1.30.3", "nodeResourceGroup": node_rg,
                "networkProfile": {"networkPlugin": "kubenet", "podCidr": "10.244.0.0/16", "serviceCidr": "10.0.0.0/16",
                    "podCidrs": ["10.244.0.0/16"], "serviceCidrs": ["10.0.0.0/16"], "ipFamilies": ["IPv4"]}}}),
        );
        let table = "aks-agentpool-31415926-routetable";
        let table_id =
            format!("/subscriptions/{sub}/resourceGroups/{node_rg}/providers/Microsoft.Network/routeTables/{table}");
        let mut list = Vec::new();
        let mut route = |node: String, cidr: String, hop: String| {
            let name = format!("{node}____{}", cidr.replace(['.', '/', ':'], ""));
            list.push(json!({"name": name, "id": format!("{table_id}/routes/{name}"), "type": "Microsoft.Network/routeTables/routes",
                "properties": {"provisioningState": "Succeeded", "addressPrefix": cidr, "nextHopType": "VirtualAppliance", "nextHopIpAddress": hop}}));
        };
        for n in 0..p.nodes {
            let node = format!("aks-nodepool1-31415926-vmss{n:06}");
            route(node, format!("10.244.{}.0/24", n % 256), format!("10.224.{}.{}", n / 250, 4 + n % 250));
            if self.p.orphan(n) {
                route(
                    format!("aks-nodepool1-27182818-vmss{n:06}"),
                    format!("10.244.{}.0/24", (n + 128) % 256),
                    "10.224.9.9".into(),
                );
            }
        }
        self.resources.push(
            json!({"name": table, "id": table_id, "type": "Microsoft.Network/routeTables", "location": p.location,
            "properties": {"provisioningState": "Succeeded", "disableBgpRoutePropagation": false, "routes": list}}),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fleet_has_one_cluster_per_nth_subscription_each_an_aks_cluster() {
        let p = Params {
            subscriptions: 10,
            clusters: 5,
            public_ips: 4,
            services: 4,
            nodes: 2,
            disks: 2,
            ..Default::default()
        };
        let (sc, clusters) = generate_fleet(&p);
        assert_eq!(clusters.len(), 5);
        let aks: Vec<&Value> =
            sc.resources.iter().filter(|r| r["type"] == "Microsoft.ContainerService/managedClusters").collect();
        assert_eq!(aks.len(), 5);
        for (k, (c, mc)) in clusters.iter().zip(&aks).enumerate() {
            let sub = subscription_id(2 * k);
            assert_eq!(mc["name"], format!("aks-{k}"));
            assert!(mc["id"].as_str().unwrap().starts_with(&format!("/subscriptions/{sub}/")));
            assert_eq!(c.nodes.len(), 2);
            for n in &c.nodes {
                assert!(n["spec"]["providerID"].as_str().unwrap().contains(&format!("/subscriptions/{sub}/")), "{n}");
            }
            assert_eq!(c.services.len(), 4);
            assert_eq!(c.persistent_volumes.len(), 2);
        }
        // The scenario's own cluster is the first; one cluster is the
        // scenario as it always was, with no AKS cluster in ARM.
        assert_eq!(serde_json::to_value(&sc.cluster).unwrap(), serde_json::to_value(&clusters[0]).unwrap());
        let one = Params { clusters: 1, ..p.clone() };
        let (sc1, c1) = generate_fleet(&one);
        assert_eq!(c1.len(), 1);
        assert!(sc1.resources.iter().all(|r| r["type"] != "Microsoft.ContainerService/managedClusters"));
        assert_eq!(serde_json::to_value(&sc1.cluster).unwrap(), serde_json::to_value(&c1[0]).unwrap());
    }

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

    /// The kinds issue 17 added come with their live references, and every
    /// `orphan_every`-th one without.
    #[test]
    fn storage_snapshots_private_links_and_routes_with_their_references() {
        let p = Params {
            public_ips: 4,
            frontends: 4,
            nodes: 6,
            storage_accounts: 4,
            shares_per_account: 2,
            snapshots: 4,
            private_link_services: 4,
            route_table: true,
            orphan_every: 3,
            ..Default::default()
        };
        let s = generate(&p);
        let of = |t: &str| s.resources.iter().filter(|r| r["type"] == t).count();
        assert_eq!(of("Microsoft.Storage/storageAccounts"), 4);
        // Account 2 is empty: 3 accounts of 2 items; items 2 and 5 have no PV.
        let items = of("Microsoft.Storage/storageAccounts/fileServices/shares")
            + of("Microsoft.Storage/storageAccounts/blobServices/containers");
        assert_eq!(items, 6);
        let c = s.cluster.as_ref().unwrap();
        let storage_pvs =
            c.persistent_volumes.iter().filter(|v| v["spec"]["csi"]["driver"] != "disk.csi.azure.com").count();
        assert_eq!(storage_pvs, 4);
        assert_eq!(of("Microsoft.Compute/snapshots"), 4);
        assert_eq!(c.volume_snapshot_contents.as_ref().map(Vec::len), Some(3));
        assert_eq!(of("Microsoft.Network/privateLinkServices"), 4);
        let asking = c
            .services
            .iter()
            .filter(|v| v.pointer("/metadata/annotations/service.beta.kubernetes.io~1azure-pls-create").is_some());
        assert_eq!(asking.count(), 3);
        let table = s.resources.iter().find(|r| r["type"] == "Microsoft.Network/routeTables").unwrap();
        // A route per node, and two more for nodes that are gone.
        assert_eq!(table["properties"]["routes"].as_array().unwrap().len(), 8);
        assert_eq!(s.resources.len(), p.resources_per_subscription() + items);
    }
}
