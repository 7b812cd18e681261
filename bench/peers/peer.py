#!/usr/bin/env python3
"""The peer azaudit is measured against: the orphaned-public-IP, empty-pool
and orphaned-disk cross-reference the way a user writes it today, with
azure-mgmt-network, azure-mgmt-compute and the kubernetes client.

It talks to the same mock as azaudit: a static token credential, the SDKs'
own base_url option for the endpoint, and enforce_https=False (azure-core's
per-request option) to allow the loopback http endpoint. It prints its
findings as JSON: [{"kind": ..., "name": ...}].
"""

import argparse
import json
import sys
import time

from azure.core.credentials import AccessToken
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.network import NetworkManagementClient
from kubernetes import client as k8s


class StaticToken:
    """A TokenCredential that hands out the mock's token."""

    def get_token(self, *scopes, **kwargs):
        return AccessToken("mock-peer-token", int(time.time()) + 3600)


def list_k8s(fn, **kw):
    """Page through a Kubernetes list with limit/continue."""
    out, cont = [], None
    while True:
        resp = fn(limit=500, _continue=cont, **kw) if cont else fn(limit=500, **kw)
        out.extend(resp.items)
        cont = resp.metadata._continue
        if not cont:
            return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arm", required=True)
    ap.add_argument("--kube", required=True)
    ap.add_argument("--subscription", required=True, action="append")
    ap.add_argument("--cluster-name", default="kubernetes")
    args = ap.parse_args()

    cred = StaticToken()
    opts = {"base_url": args.arm, "credential_scopes": ["https://management.azure.com/.default"]}
    insecure = {"enforce_https": False}

    kcfg = k8s.Configuration()
    kcfg.host = args.kube
    api = k8s.CoreV1Api(k8s.ApiClient(kcfg))
    services = list_k8s(api.list_service_for_all_namespaces)
    nodes = list_k8s(api.list_node)
    pvs = list_k8s(api.list_persistent_volume)
    live = {f"{s.metadata.namespace}/{s.metadata.name}" for s in services}
    pv_names = {p.metadata.name for p in pvs}

    findings = []
    for sub in args.subscription:
        net = NetworkManagementClient(cred, sub, **opts)
        comp = ComputeManagementClient(cred, sub, **opts)
        # Public IPs whose Services are all gone.
        for ip in net.public_ip_addresses.list_all(**insecure):
            tags = ip.tags or {}
            svc = tags.get("k8s-azure-service", tags.get("service"))
            cluster = tags.get("k8s-azure-cluster-name", tags.get("kubernetes-cluster-name"))
            if svc is None or (cluster and cluster != args.cluster_name):
                continue
            names = [s.strip() for s in svc.split(",") if s.strip()]
            if not any(n in live for n in names):
                findings.append({"kind": "public-ip-orphaned", "name": ip.name})
        # Backend pools with no members that rules still use.
        for lb in net.load_balancers.list_all(**insecure):
            used = set()
            for r in lb.load_balancing_rules or []:
                if r.backend_address_pool:
                    used.add(r.backend_address_pool.id.rsplit("/", 1)[-1].lower())
            for r in lb.outbound_rules or []:
                if r.backend_address_pool:
                    used.add(r.backend_address_pool.id.rsplit("/", 1)[-1].lower())
            for pool in lb.backend_address_pools or []:
                members = len(pool.backend_ip_configurations or []) + len(pool.load_balancer_backend_addresses or [])
                if members == 0 and pool.name.lower() in used and nodes:
                    findings.append({"kind": "backend-pool-empty", "name": pool.name + "@" + lb.name})
        # Unattached disks whose PersistentVolume is gone.
        for d in comp.disks.list(**insecure):
            pv = (d.tags or {}).get("kubernetes.io-created-for-pv-name")
            if pv and d.disk_state == "Unattached" and pv not in pv_names:
                findings.append({"kind": "disk-orphaned", "name": d.name})
    json.dump(findings, sys.stdout)


if __name__ == "__main__":
    main()
