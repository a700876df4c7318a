#!/usr/bin/env bash
# Installs and builds everything the e2e tier (test/e2e, the real single-node
# cluster of src/harness) needs, on a fresh machine of this kind, then brings
# the cluster up. Idempotent: Debian packages already present are skipped, Go
# builds are cached under ~/.cache/sidecarctl/bin (and Go's own build cache),
# so a second run takes seconds. Prints how long each stage took.
# See docs/harness.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export SIDECARCTL_CACHE="${SIDECARCTL_CACHE:-$HOME/.cache/sidecarctl}"
mkdir -p "$SIDECARCTL_CACHE/logs"
T0=$(date +%s)
stage() { echo "=== cluster-setup [$(($(date +%s) - T0))s] $*"; }
timed() { local s; s=$(date +%s); "$@"; echo "--- cluster-setup: $(($(date +%s) - s))s: $*"; }
build() { # name, command...: one Go build at a time, output to a log file
  local name="$1"; shift
  local log="$SIDECARCTL_CACHE/logs/build-$name.log"
  if ! timed "$@" >"$log" 2>&1; then
    echo "cluster-setup: building $name failed; last lines of $log:" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
  tail -n 1 "$log"
}

stage "Debian packages (etcd, containerd, runc, CNI plugins, busybox-static, openssl; chromium for the timeline screenshot test)"
pkgs=(etcd-server containerd runc containernetworking-plugins busybox-static openssl iproute2 gcc libc6-dev chromium)
missing=()
for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  timed apt-get update -qq
  timed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "all present"
fi

stage "Go builds (cached in $SIDECARCTL_CACHE/bin)"
go version
build k8s-1.36.3 harness/build/build-k8s.sh v1.36.3 kube-apiserver kubelet kube-controller-manager kube-scheduler
build cloud-sql-proxy-2.27.0 harness/build/build-cloud-sql-proxy.sh 2.27.0
build pause harness/build/build-pause.sh v1.36.3
build k8s-1.27.16 harness/build/build-k8s.sh v1.27.16 kube-apiserver
build k8s-1.28.15 harness/build/build-k8s.sh v1.28.15 kube-apiserver
build helm-v4.3.1 harness/build/build-go-tool.sh helm helm.sh/helm/v4/cmd/helm v4.3.1

stage "CLI bundle (for the sidecarctl image and \`sidecarctl fix\` in the e2e tests)"
timed npm run -s build  # always: a stale bundle would put old code in the image and the e2e CLI runs (about a second)

stage "cluster up (images imported, node Ready)"
timed npm run -s cluster:up

stage "done in $(($(date +%s) - T0))s"
