//go:build tools

// Package tools pins the Cloud SQL Auth Proxy release the harness puts in its
// test image.
package tools

import _ "github.com/GoogleCloudPlatform/cloud-sql-proxy/v2"
