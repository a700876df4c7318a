#!/usr/bin/env bash
# Compiles the pod sandbox binary from Kubernetes' build/pause/linux/pause.c
# (shipped in the k8s.io/kubernetes module) as a static executable: the CRI
# plugin needs a sandbox image and none can be pulled here.
set -euo pipefail
version="${1:?usage: build-pause.sh v1.36.3}"
cache="${SIDECARCTL_CACHE:-$HOME/.cache/sidecarctl}"
out="$cache/bin/pause-$version"
[ -x "$out/pause" ] && { echo "cached: $out"; exit 0; }
dir="$(go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
mkdir -p "$out"
gcc -Os -static -Wall -DVERSION="sidecarctl-$version" -o "$out/pause.tmp" "$dir/build/pause/linux/pause.c"
strip "$out/pause.tmp"
mv "$out/pause.tmp" "$out/pause"
echo "built pause -> $out/pause"
