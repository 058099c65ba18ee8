package main

import (
	"flag"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter/fhirclient"
)

// fhirFlags configure the FHIR client. Secrets come best from the
// environment (RPM_TOKEN, RPM_SMART_KEY_FILE) so they stay out of process
// lists.
type fhirFlags struct {
	token                                  string
	smartTokenURL, smartClientID, smartKID string
	smartKeyFile, smartScope               string
	pageSize, maxRetries                   int
	maxResponseBytes                       int64
	timeout                                time.Duration
	conditionalUpdate                      bool
}

func (f *fhirFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.token, "token", "", "static bearer token for the FHIR server (prefer RPM_TOKEN)")
	fs.StringVar(&f.smartTokenURL, "smart-token-url", "", "SMART Backend Services token endpoint")
	fs.StringVar(&f.smartClientID, "smart-client-id", "", "SMART Backend Services client id")
	fs.StringVar(&f.smartKID, "smart-key-id", "", "kid of the registered signing key")
	fs.StringVar(&f.smartKeyFile, "smart-key-file", "", "PEM private key (RSA for RS384, P-384 for ES384)")
	fs.StringVar(&f.smartScope, "smart-scope", "system/Patient.rs system/Observation.rs system/Communication.rs system/Encounter.rs system/EpisodeOfCare.rs system/Group.rs system/ChargeItem.cruds system/MeasureReport.cruds system/Task.cruds", "SMART scopes requested")
	fs.IntVar(&f.pageSize, "page-size", 200, "_count of FHIR searches")
	fs.IntVar(&f.maxRetries, "max-retries", fhirclient.DefaultMaxRetries, "retries of a failed FHIR request (negative: none)")
	fs.DurationVar(&f.timeout, "fhir-timeout", fhirclient.DefaultTimeout, "timeout of one FHIR request attempt")
	fs.Int64Var(&f.maxResponseBytes, "max-response-bytes", fhirclient.DefaultMaxResponseBytes,
		"most bytes one FHIR response or bulk file may hold once decompressed")
	fs.BoolVar(&f.conditionalUpdate, "conditional-update", false, "write with PUT [type]?identifier=… for servers that refuse client ids")
}

// client builds the FHIR client for base.
func (f *fhirFlags) client(base string, logger *slog.Logger, onRetry func(fhirclient.RetryEvent)) (*fhirclient.Client, error) {
	return f.clientWith(base, logger, onRetry, nil)
}

// clientWith is client with a transport (for metrics), nil for the default.
func (f *fhirFlags) clientWith(base string, logger *slog.Logger, onRetry func(fhirclient.RetryEvent), rt http.RoundTripper) (*fhirclient.Client, error) {
	if f.maxResponseBytes < 1 {
		return nil, usagef("--max-response-bytes must be positive")
	}
	cfg := fhirclient.Config{BaseURL: base, PageSize: f.pageSize, MaxRetries: f.maxRetries,
		Timeout: f.timeout, Logger: logger, OnRetry: onRetry, MaxResponseBytes: f.maxResponseBytes}
	if rt != nil {
		cfg.HTTPClient = &http.Client{Transport: rt}
	}
	switch {
	case f.token != "" && f.smartTokenURL != "":
		return nil, usagef("give a static token or SMART Backend Services, not both")
	case f.token != "":
		cfg.Auth = fhirclient.StaticToken(f.token)
	case f.smartTokenURL != "":
		if f.smartKeyFile == "" || f.smartClientID == "" {
			return nil, usagef("SMART Backend Services needs --smart-client-id and --smart-key-file")
		}
		pem, err := os.ReadFile(f.smartKeyFile)
		if err != nil {
			return nil, usagef("reading --smart-key-file: %v", err)
		}
		auth, err := fhirclient.NewSMARTAuth(fhirclient.SMARTConfig{TokenURL: f.smartTokenURL,
			ClientID: f.smartClientID, KeyID: f.smartKID, PrivateKeyPEM: pem, Scope: f.smartScope})
		if err != nil {
			return nil, usagef("%v", err)
		}
		cfg.Auth = auth
	}
	c, err := fhirclient.New(cfg)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return c, nil
}
