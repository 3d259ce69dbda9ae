// Package firmwareprofiles embeds the firmware profiles shipped with Vindel, so the hub runs
// with no files beside it. The format is described in README.md in this folder.
package firmwareprofiles

import "embed"

// FS holds vocabulary.yaml, every <vendor>/<model>.yaml profile and the JavaScript decoders
// some of them name.
//
//go:embed vocabulary.yaml */*.yaml */*.js
var FS embed.FS
