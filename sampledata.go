// Package rpmadapter embeds the command line's default data. It sits at the
// top of the module because go:embed reaches only files below the folder of
// the package that embeds them (see README, "Layout").
package rpmadapter

import (
	"embed"
	"io/fs"
)

//go:embed testdata/sample-export/*.ndjson
var sample embed.FS

// SampleExport returns the embedded sample Bulk Data export
// (testdata/sample-export), written by `rpm-adapter generate`.
func SampleExport() (fs.FS, error) { return fs.Sub(sample, "testdata/sample-export") }

//go:embed testdata/payer-profiles/*.json
var profiles embed.FS

// ExamplePayerProfiles returns the example payer profile files
// (testdata/payer-profiles) that the sample's oracle assumes loaded.
func ExamplePayerProfiles() (fs.FS, error) { return fs.Sub(profiles, "testdata/payer-profiles") }
