#!/usr/bin/env bash
# Builds Kubernetes server binaries from the Go module proxy at a pinned version
# into $SIDECARCTL_CACHE/bin/k8s-<version>/ (default ~/.cache/sidecarctl).
# usage: build-k8s.sh v1.36.3 kube-apiserver kubelet kube-controller-manager kube-scheduler
# Skips commands whose binary is already cached. Go's own build cache makes a
# rebuild after an interrupted run cheap.
set -euo pipefail
version="${1:?usage: build-k8s.sh <version> <cmd>...}"; shift
cmds=("$@"); [ ${#cmds[@]} -gt 0 ] || cmds=(kube-apiserver kubelet kube-controller-manager kube-scheduler)
here="$(cd "$(dirname "$0")" && pwd)"
cache="${SIDECARCTL_CACHE:-$HOME/.cache/sidecarctl}"
out="$cache/bin/k8s-${version#v}"
mod="$here/k8s-${version#v}"
[ -f "$mod/go.mod" ] || "$here/gen-k8s-module.sh" "$version" "${cmds[@]}" >/dev/null
mkdir -p "$out"
todo=()
for c in "${cmds[@]}"; do [ -x "$out/$c" ] || todo+=("k8s.io/kubernetes/cmd/$c"); done
if [ ${#todo[@]} -eq 0 ]; then echo "cached: $out"; exit 0; fi
v="${version#v}"; major="${v%%.*}"; rest="${v#*.}"; minor="${rest%%.*}"
ld="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ld="$ld -X $p.gitVersion=$version -X $p.gitMajor=$major -X $p.gitMinor=$minor"
  ld="$ld -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
done
# Go >=1.23 refuses //go:linkname pulls into the runtime that old dependencies
# of Kubernetes <1.29 still use; -checklinkname=0 lets those releases link.
if [ "$minor" -lt 30 ]; then ld="$ld -checklinkname=0"; fi
tmp="$out/.tmp.$$"; mkdir -p "$tmp"
start=$(date +%s)
(cd "$mod" && CGO_ENABLED=0 go build -trimpath -ldflags "$ld" -o "$tmp/" "${todo[@]}")
mv "$tmp"/* "$out/"; rmdir "$tmp"
echo "built ${todo[*]##*/} $version in $(( $(date +%s) - start ))s -> $out"
