//go:build tools

// Package tools pins the Kubernetes commands the test harness builds.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
)
