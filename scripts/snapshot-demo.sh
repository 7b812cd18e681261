#!/usr/bin/env bash
# Start the mock Azure with the bundled demo scenario on loopback, run
# `azaudit snapshot` against it through the real HTTP client and managed
# identity path, and print the summary and the first lines of the snapshot.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${AZAUDIT_BIN_DIR:-target/debug}
out=$(mktemp -d)
trap 'kill "${mock_pid:-}" 2>/dev/null || true; rm -rf "$out"' EXIT
"$bin/azure-mock" serve --scenario mocks/scenarios/demo.json --listen 127.0.0.1:0 >"$out/mock.out" &
mock_pid=$!
for _ in $(seq 1 100); do
  [ -s "$out/mock.out" ] && break
  sleep 0.1
done
url=$(head -n 1 "$out/mock.out")
[ -n "$url" ] || { echo "snapshot-demo: the mock did not start" >&2; exit 2; }
# The mock also serves the cluster's Kubernetes API.
cat >"$out/kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
current-context: demo
clusters: [{name: demo, cluster: {server: "$url"}}]
contexts: [{name: demo, context: {cluster: demo, user: demo}}]
users: [{name: demo, user: {token: demo-token}}]
KUBECONFIG
set +e
IDENTITY_ENDPOINT="$url/msi/token" IDENTITY_HEADER=mock-identity-header \
  "$bin/azaudit" snapshot --arm-endpoint "$url" --kubeconfig "$out/kubeconfig" \
  --subscription 3f2c1d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f -v -o "$out/snapshot.json"
code=$?
set -e
head -c 1500 "$out/snapshot.json"; echo; echo "..."
echo "exit code: $code"
exit "$code"
