package main

import (
	"flag"

	"github.com/rpm-adapter/rpm-adapter/fhirmap"
)

// strictWriteFlags is --strict-write of evaluate and serve: build every
// written resource (MeasureReport, ChargeItem, Task, their updates,
// OperationOutcome, transaction Bundles) on the reference path, as
// google/fhir R4 protos checked by fhirvalidate and marshalled by
// jsonformat, instead of the fast encoder. The bytes are the same (the
// fhirmap byte-identity tests hold them to it); the reference path costs
// several times the CPU and catches what the fast encoder's own checks
// might miss.
type strictWriteFlags struct{ on bool }

func (s *strictWriteFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&s.on, "strict-write", false, "build written resources as google/fhir protos validated by fhirvalidate and marshalled by jsonformat (the reference path; slower, same bytes)")
}

func (s *strictWriteFlags) apply(o *fhirmap.WriteOptions) { o.Strict = s.on }
