#!/usr/bin/env bash
# Builds the Cloud SQL Auth Proxy v2 from its Go module at the pinned release
# (harness/build/cloud-sql-proxy-<version>/go.mod) into
# $SIDECARCTL_CACHE/bin/cloud-sql-proxy-<version>/cloud-sql-proxy.
set -euo pipefail
version="${1:?usage: build-cloud-sql-proxy.sh 2.27.0}"
here="$(cd "$(dirname "$0")" && pwd)"
cache="${SIDECARCTL_CACHE:-$HOME/.cache/sidecarctl}"
out="$cache/bin/cloud-sql-proxy-$version"
[ -x "$out/cloud-sql-proxy" ] && { echo "cached: $out"; exit 0; }
mkdir -p "$out"
start=$(date +%s)
(cd "$here/cloud-sql-proxy-$version" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" \
  -o "$out/cloud-sql-proxy.tmp" github.com/GoogleCloudPlatform/cloud-sql-proxy/v2)
mv "$out/cloud-sql-proxy.tmp" "$out/cloud-sql-proxy"
echo "built cloud-sql-proxy $version in $(( $(date +%s) - start ))s -> $out"
