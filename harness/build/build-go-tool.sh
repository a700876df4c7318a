#!/usr/bin/env bash
# Builds a Go command at a pinned version from the Go module proxy into
# $SIDECARCTL_CACHE/bin/<name>-<version>/<name> (cached; a second run is instant).
#   build-go-tool.sh helm helm.sh/helm/v4/cmd/helm v4.3.1
#   (kube-linter cannot come this way: the proxy answers 403 for golang.stackrox.io; see docs/harness.md)
set -euo pipefail
name="${1:?name}"; pkg="${2:?package}"; version="${3:?version}"
cache="${SIDECARCTL_CACHE:-$HOME/.cache/sidecarctl}"
out="$cache/bin/$name-$version"
[ -x "$out/$name" ] && { echo "cached: $out/$name"; exit 0; }
mkdir -p "$out.tmp"
start=$(date +%s)
GOBIN="$out.tmp" CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" "$pkg@$version"
rm -rf "$out"; mv "$out.tmp" "$out"
echo "built $name $version in $(( $(date +%s) - start ))s -> $out/$name"
