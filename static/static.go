// Package static holds the CSS, scripts and images of the portals, embedded
// into the binary. No CDN: the portals work offline and under a strict CSP.
package static

import "embed"

// FS is served under /static/.
//
//go:embed css js img
var FS embed.FS
