// Package firmwareprofiles embeds the firmware profiles shipped with Vindel, so the hub runs
// with no files beside it. The format is described in README.md in this folder.
package firmwareprofiles

import "embed"

// FS holds vocabulary.yaml and every <vendor>/<model>.yaml profile.
//
//go:embed vocabulary.yaml */*.yaml
var FS embed.FS
