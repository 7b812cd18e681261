//! Parsing tests on payloads shaped like the REST spec examples, plus the
//! variations real services produce (floats for ints, nulls, extra fields).

use super::*;

const SUB: &str = "/subscriptions/00000000-0000-0000-0000-000000000001";

#[test]
fn public_ip_page_with_nat_gateway_and_extra_fields() {
    let body = format!(
        r#"{{"value":[
        {{"name":"kubernetes-a1b2","id":"{SUB}/resourceGroups/MC_rg/providers/Microsoft.Network/publicIPAddresses/kubernetes-a1b2",
          "etag":"W/\"x\"","location":"westeurope","type":"Microsoft.Network/publicIPAddresses",
          "tags":{{"k8s-azure-service":"default/web","k8s-azure-cluster-name":"kubernetes"}},
          "sku":{{"name":"Standard","tier":"Regional"}},"zones":["1","2","3"],
          "properties":{{"provisioningState":"Succeeded","resourceGuid":"g","ipAddress":"20.1.2.3",
            "publicIPAddressVersion":"IPv4","publicIPAllocationMethod":"Static","idleTimeoutInMinutes":4.0,
            "ipTags":[],"ipConfiguration":{{"id":"{SUB}/resourceGroups/mc_rg/providers/Microsoft.Network/loadBalancers/kubernetes/frontendIPConfigurations/a1b2"}},
            "ddosSettings":{{"protectionMode":"VirtualNetworkInherited"}},"futureField":{{"x":1}}}}}},
        {{"name":"natip","id":"{SUB}/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/natip","tags":null,
          "properties":{{"natGateway":{{"id":"{SUB}/resourceGroups/rg/providers/Microsoft.Network/natGateways/gw"}},"ipAddress":"20.9.9.9"}}}}
      ],"nextLink":"https://management.azure.com{SUB}/providers/Microsoft.Network/publicIPAddresses?api-version=2024-07-01&$skiptoken=abc"}}"#
    );
    let page: Page<PublicIp> = serde_json::from_str(&body).unwrap();
    assert_eq!(page.value.len(), 2);
    let ip = &page.value[0];
    assert_eq!(ip.tags.get("k8s-azure-service"), Some("default/web"));
    assert_eq!(ip.sku_name(), Some("Standard"));
    assert_eq!(ip.properties.idle_timeout_in_minutes, Some(Num(4)));
    assert_eq!(ip.id.resource_group(), Some("MC_rg"));
    assert!(ip.properties.ip_configuration.is_some());
    let nat = &page.value[1];
    assert!(nat.tags.is_empty());
    assert!(nat.properties.ip_configuration.is_none());
    assert!(nat.properties.nat_gateway.is_some());
    assert!(page.next_link.unwrap().contains("$skiptoken=abc"));
}

#[test]
fn load_balancer_with_ip_based_pool_and_only_outbound_rules() {
    let lb = format!(
        r#"{{"name":"kubernetes","id":"{SUB}/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/kubernetes",
        "sku":{{"name":"Standard"}},
        "properties":{{
          "frontendIPConfigurations":[{{"name":"fe","id":"{SUB}/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/kubernetes/frontendIPConfigurations/fe",
             "properties":{{"publicIPAddress":{{"id":"{SUB}/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/out"}},"outboundRules":[{{"id":"x"}}]}}}}],
          "backendAddressPools":[{{"name":"kubernetes","properties":{{"loadBalancerBackendAddresses":[{{"name":"n1","properties":{{"ipAddress":"10.0.0.4","virtualNetwork":{{"id":"v"}}}}}}]}}}},
                                 {{"name":"aksOutboundBackendPool","properties":{{"backendIPConfigurations":null}}}}],
          "loadBalancingRules":null,
          "outboundRules":[{{"name":"aksOutboundRule","properties":{{"allocatedOutboundPorts":0,"protocol":"All","frontendIPConfigurations":[{{"id":"fe"}}],"backendAddressPool":{{"id":"p"}}}}}}],
          "probes":[]}}}}"#
    );
    let lb: LoadBalancer = serde_json::from_str(&lb).unwrap();
    let p = &lb.properties;
    assert_eq!(p.frontends.len(), 1);
    assert_eq!(p.load_balancing_rules.len(), 0);
    assert_eq!(p.rule_count(), 1, "outbound rules count as rules");
    assert_eq!(p.backend_address_pools[0].properties.member_count(), 1, "IP-based members count");
    assert_eq!(p.backend_address_pools[1].properties.member_count(), 0);
    assert_eq!(p.frontends[0].id.as_ref().map(|i| i.name()), Some("fe"), "sub-resources keep their own IDs");
}

#[test]
fn nsg_rules_with_plural_prefixes() {
    let nsg = r#"{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/aks-agentpool-nsg",
      "name":"aks-agentpool-nsg","properties":{"securityRules":[
        {"name":"k8s-azure-lb_allow_IPv4_0123456789abcdef0123456789abcdef","properties":{"protocol":"Tcp","sourcePortRange":"*",
         "destinationPortRanges":["80","443"],"sourceAddressPrefix":"Internet","destinationAddressPrefixes":["20.1.1.1","20.1.1.2"],
         "access":"Allow","priority":500.0,"direction":"Inbound"}}]}}"#;
    let nsg: Nsg = serde_json::from_str(nsg).unwrap();
    let r = &nsg.properties.security_rules[0].properties;
    assert_eq!(r.destinations().collect::<Vec<_>>(), vec!["20.1.1.1", "20.1.1.2"]);
    assert_eq!(r.priority, Some(Num(500)));
    assert_eq!(r.addresses_and_ports(), 6);
}

/// A rule is held as one list of texts with a length per field, and
/// written back exactly as ARM sent the fields the checks read: singles as
/// strings, lists as arrays, absent ones left out, in ARM's order.
#[test]
fn nsg_rules_are_compact_and_write_back_what_they_read() {
    use crate::models::nsg::SecurityRuleProperties;
    let wire = serde_json::json!({"priority": 4096,
        "sourceAddressPrefix": "*", "sourceAddressPrefixes": ["10.0.0.0/8", "192.168.0.0/16"],
        "sourcePortRanges": ["1000-2000"], "destinationAddressPrefix": "20.1.1.1",
        "destinationAddressPrefixes": ["20.1.1.2", "20.1.1.3", "20.1.1.4"], "destinationPortRange": "443"});
    let r: SecurityRuleProperties = serde_json::from_value(wire.clone()).unwrap();
    assert_eq!(r.destinations().collect::<Vec<_>>(), vec!["20.1.1.1", "20.1.1.2", "20.1.1.3", "20.1.1.4"]);
    assert_eq!(r.addresses_and_ports(), 9);
    assert_eq!(serde_json::to_value(&r).unwrap(), wire);
    assert_eq!(
        serde_json::to_string(&r).unwrap(),
        r#"{"priority":4096,"sourceAddressPrefix":"*","sourceAddressPrefixes":["10.0.0.0/8","192.168.0.0/16"],"sourcePortRanges":["1000-2000"],"destinationAddressPrefix":"20.1.1.1","destinationAddressPrefixes":["20.1.1.2","20.1.1.3","20.1.1.4"],"destinationPortRange":"443"}"#
    );
    // `null` lists and fields no check reads are nothing.
    let r: SecurityRuleProperties =
        serde_json::from_str(r#"{"sourceAddressPrefixes":null,"protocol":"Tcp","access":"Allow"}"#).unwrap();
    assert_eq!(r.addresses_and_ports(), 0);
    assert_eq!(serde_json::to_string(&r).unwrap(), "{}");
    assert!(std::mem::size_of::<SecurityRuleProperties>() <= 32, "{}", std::mem::size_of::<SecurityRuleProperties>());
    // Texts of any length and any characters come back whole.
    let long = "x".repeat(300);
    let wire = serde_json::json!({"destinationAddressPrefixes": [long, "", "Ünïcode/∗", "20.0.0.1"]});
    let r: SecurityRuleProperties = serde_json::from_value(wire.clone()).unwrap();
    assert_eq!(r.destinations().collect::<Vec<_>>(), vec![long.as_str(), "", "Ünïcode/∗", "20.0.0.1"]);
    assert_eq!(serde_json::to_value(&r).unwrap(), wire);
}

#[test]
fn usages_with_float_values_and_is_adjustable() {
    let page = r#"{"value":[{"currentValue":3.0,"limit":1000,"name":{"localizedValue":"Public IP Addresses","value":"PublicIPAddresses"},"unit":"Count","isAdjustable":true},
                   {"currentValue":0,"limit":"200","name":{"value":"FrontendIPConfigurationPerLoadBalancer"},"unit":"Count"}]}"#;
    let page: Page<Usage> = serde_json::from_str(page).unwrap();
    assert_eq!(page.value[0].current_value, Num(3));
    assert_eq!(page.value[1].limit, Num(200));
    assert!(page.next_link.is_none());
}

#[test]
fn disk_cluster_and_lock_shapes() {
    let disk = r#"{"id":"/subscriptions/s/resourceGroups/MC_rg/providers/Microsoft.Compute/disks/pvc-1","name":"pvc-1","managedBy":null,
       "sku":{"name":"Premium_LRS","tier":"Premium"},"tags":{"kubernetes.io-created-for-pv-name":"pvc-1","k8s-azure-created-by":"kubernetes-azure-dd"},
       "properties":{"diskSizeGB":128,"diskState":"Unattached","timeCreated":"2026-01-02T03:04:05.123+00:00"}}"#;
    let disk: Disk = serde_json::from_str(disk).unwrap();
    assert_eq!(disk.properties.disk_size_gb, Some(Num(128)));
    assert!(disk.managed_by.is_none());

    let mc = r#"{"id":"/subscriptions/s/resourcegroups/rg/providers/Microsoft.ContainerService/managedClusters/aks","name":"aks",
       "identity":{"type":"SystemAssigned"},"properties":{"kubernetesVersion":"1.30.3","nodeResourceGroup":"MC_rg_aks_westeurope",
       "servicePrincipalProfile":{"clientId":"msi"},"agentPoolProfiles":[{"name":"nodepool1","count":3,"vmSize":"Standard_D2s_v3","mode":"System"}]}}"#;
    let mc: ManagedCluster = serde_json::from_str(mc).unwrap();
    assert_eq!(mc.properties.service_principal_profile.and_then(|s| s.client_id).as_deref(), Some("msi"));

    let lock = r#"{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/ip/providers/Microsoft.Authorization/locks/keep","name":"keep","properties":{"level":"CanNotDelete","notes":"prod"}}"#;
    let lock: Lock = serde_json::from_str(lock).unwrap();
    assert_eq!(
        lock.scope().to_string(),
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/ip"
    );
}

#[test]
fn nat_gateway_reads_the_specs_spelling() {
    // The spec and real responses (tests/fixtures/recorded/natGateways)
    // spell it `publicIpAddresses`, unlike `publicIPAddress` elsewhere.
    let a: NatGateway = serde_json::from_str(r#"{"id":"g","properties":{"publicIpAddresses":[{"id":"a"}]}}"#).unwrap();
    assert_eq!(a.properties.public_ip_addresses.len(), 1);
}

#[test]
fn models_round_trip_through_the_snapshot_form() {
    let nic = r#"{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/n","name":"n",
      "properties":{"ipConfigurations":[{"name":"ipconfig1","id":"i","properties":{"privateIPAddress":"10.0.0.4",
      "loadBalancerBackendAddressPools":[{"id":"p"}],"publicIPAddress":{"id":"pip"}}}],"virtualMachine":{"id":"vm"}}}"#;
    let nic: Nic = serde_json::from_str(nic).unwrap();
    let again: Nic = serde_json::from_str(&serde_json::to_string(&nic).unwrap()).unwrap();
    assert_eq!(again.properties.ip_configurations[0].properties.load_balancer_backend_address_pools.len(), 1);
    assert_eq!(again.properties.ip_configurations[0].properties.private_ip_address.as_deref(), Some("10.0.0.4"));
    let pip = again.properties.ip_configurations[0].properties.public_ip_address.as_ref();
    assert_eq!(pip.map(|p| p.id.to_string()).as_deref(), Some("pip"), "`publicIPAddress`, as Azure spells it");
}
