#!/usr/bin/env bash
# `npm start`: installs what is missing, starts the project's Kubernetes development server
# (seeded with the demo, simulated controllers on) and then Backstage on its local default:
# frontend on :3000, backend on :7007, SQLite in memory, guest sign-in.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
ensure_packages
cd "$repo_root"

dev_dir="$repo_root/.dev"
mkdir -p "$dev_dir"
kube_port="${KUBE_SERVER_PORT:-6550}"

node packages/kube-server/bin/kube-server.js \
  --port "$kube_port" \
  --kubeconfig "$dev_dir/kubeconfig" \
  --token local-dev-token \
  --https --simulate --demo \
  --data "$dev_dir/kube-data.json" &
kube_pid=$!

stop_all() {
  trap - EXIT INT TERM
  # Stop what this script started, by process id.
  [ -n "${backstage_pid:-}" ] && kill -TERM -- "-$backstage_pid" 2>/dev/null || true
  kill -TERM "$kube_pid" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop_all EXIT INT TERM

for _ in $(seq 1 100); do
  if curl -fsSk -H 'Authorization: Bearer local-dev-token' "https://127.0.0.1:$kube_port/version" >/dev/null 2>&1; then
    break
  fi
  if ! kill -0 "$kube_pid" 2>/dev/null; then
    echo "start: the Kubernetes development server exited; see the messages above" >&2
    exit 1
  fi
  sleep 0.2
done
echo "start: Kubernetes development server on https://127.0.0.1:$kube_port (kubectl --kubeconfig .dev/kubeconfig get airp,aiap -A)"

# The Backstage dev servers run in their own process group so they can be stopped together.
set -m
yarn backstage-cli repo start "$@" &
backstage_pid=$!
set +m
wait "$backstage_pid"
