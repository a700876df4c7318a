#!/usr/bin/env bash
# Generates harness/build/k8s-<version>/{go.mod,tools.go}: a tiny Go module that
# depends on k8s.io/kubernetes at a pinned release. k8s.io/kubernetes itself
# replaces every staging module (k8s.io/api, k8s.io/client-go, ...) with a
# relative ./staging path and requires them at v0.0.0, which is why it cannot be
# `go install`ed. This module re-points each staging module at its published
# tag (v0.<minor>.<patch>) instead.
set -euo pipefail
version="${1:?usage: gen-k8s-module.sh v1.36.3}"
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
  grep -E '^\s+k8s\.io/[a-z0-9-]+ => \./staging/' "$modfile" \
    | awk -v tag="$staging_tag" '{print "\t" $1 " => " $1 " " tag}'
  echo ")"
} >"$dir/go.mod"
cat >"$dir/tools.go" <<'GO'
//go:build tools

// Package tools pins the Kubernetes commands the test harness builds.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
GO
(cd "$dir" && go mod tidy)
echo "$dir"
