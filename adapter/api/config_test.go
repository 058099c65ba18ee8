package api

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfigRefusesWhatCannotWork(t *testing.T) {
	tests := map[string]Config{
		"write timeout below the request budget": {RequestTimeout: time.Minute, WriteTimeout: 30 * time.Second},
		"sync limit above the bundle limit":      {SyncGroupLimit: 50, GroupBundleLimit: 10},
		"negative limit":                         {MaxJobs: -1},
		"fewer retained than running jobs":       {MaxJobs: 10, MaxRetainedJobs: 5},
		"relative public URL":                    {PublicURL: "rpm.example.org"},
		"public URL with a query":                {PublicURL: "https://rpm.example.org/?a=b"},
	}
	for name, cfg := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := New(cfg, newFake())
			assert.Error(t, err)
		})
	}
	_, err := New(Config{}, nil)
	assert.ErrorContains(t, err, "Service is required")
}

func TestConfigDefaults(t *testing.T) {
	cfg, err := Config{}.withDefaults()
	require.NoError(t, err)
	assert.Equal(t, int64(DefaultMaxBodyBytes), cfg.MaxBodyBytes)
	assert.Equal(t, DefaultSyncGroupLimit, cfg.SyncGroupLimit)
	assert.Equal(t, "http://rpm-adapter.org/fhir", cfg.Canonical)
	assert.NotNil(t, cfg.Logger)
	assert.NotNil(t, cfg.Now)
}
