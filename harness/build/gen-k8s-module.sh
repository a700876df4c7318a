#!/usr/bin/env bash
# Generates harness/build/k8s-<version>/{go.mod,tools.go}: a tiny Go module that
# depends on k8s.io/kubernetes at a pinned release. k8s.io/kubernetes itself
# replaces every staging module (k8s.io/api, k8s.io/client-go, ...) with a
# relative ./staging path and requires them at v0.0.0, which is why it cannot be
# `go install`ed. This module re-points each staging module at its published
# tag (v0.<minor>.<patch>) instead.
set -euo pipefail
version="${1:?usage: gen-k8s-module.sh v1.36.3 [cmd...]}"; shift
cmds=("$@"); [ ${#cmds[@]} -gt 0 ] || cmds=(kube-apiserver kube-controller-manager kube-scheduler kubelet)
here="$(cd "$(dirname "$0")" && pwd)"
dir="$here/k8s-${version#v}"
staging_tag="v0.${version#v1.}"
mkdir -p "$dir"
go mod download -json "k8s.io/kubernetes@$version" >/dev/null
modfile="$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/$version.mod"
gover="$(awk '/^go /{print $2; exit}' "$modfile")"
{
  echo "module sidecarctl.dev/harness/build/k8s-${version#v}"
  echo
  echo "go $gover"
  echo
  echo "require k8s.io/kubernetes $version"
  echo
  echo "replace ("
  grep -E '^\s+k8s\.io/[a-z0-9-]+ => \./staging/' "$modfile" | awk '{print $1}' | while read -r m; do
    # Some staging modules of old patch releases are not served by the module
    # proxy (seen: 14 of them for v0.27.16). Fall back to the newest earlier
    # patch of the same minor that is served; patch releases of a staging
    # module keep its API, and the note below says which ones were substituted.
    tag="$staging_tag"; patch="${staging_tag##*.}"; minor_tag="${staging_tag%.*}"
    while ! go mod download "$m@$tag" >/dev/null 2>&1; do
      patch=$((patch - 1))
      if [ "$patch" -lt 0 ]; then tag="$staging_tag"; break; fi
      tag="$minor_tag.$patch"
    done
    [ "$tag" != "$staging_tag" ] && echo "note: $m $staging_tag not served; using $tag" >&2
    printf '\t%s => %s %s\n' "$m" "$m" "$tag"
  done
  echo ")"
} >"$dir/go.mod"
{
  echo '//go:build tools'
  echo
  echo '// Package tools pins the Kubernetes commands the test harness builds.'
  echo 'package tools'
  echo
  echo 'import ('
  for c in "${cmds[@]}"; do echo "	_ \"k8s.io/kubernetes/cmd/$c\""; done
  echo ')'
} >"$dir/tools.go"
# -e: some staging modules of old patch releases were never published to the
# module proxy (e.g. k8s.io/cri-api v0.27.16); they are only needed by the
# tests of packages we do not build.
(cd "$dir" && go mod tidy -e)
echo "$dir"
