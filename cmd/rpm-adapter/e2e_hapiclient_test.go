package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestE2EHapiGenericClient drives `serve` (the embedded sample, a write
// and a read token) with HAPI FHIR's Java generic client, hapi-fhir-client
// 8.8.0 (testdata/hapiclient): metadata, OperationDefinition read and
// search by url, the operations by POST and useHttpGet() with pretty
// printing on, typed Bundle returns whose fullUrls the references resolve
// to, error statuses as HAPI's typed exceptions (401, 403, 404, 405, 400,
// 406, 422), an async Group job whose status URL is read from the 202's
// body, and HAPI's strict parser on every answer. It needs Java 17 and
// Maven (offline from ~/.m2 when testdata/hapi has been built, else from
// Maven Central); without them it skips, and fails under CI=true.
func TestE2EHapiGenericClient(t *testing.T) {
	java, errJava := exec.LookPath("java")
	mvn, errMvn := exec.LookPath("mvn")
	if errJava != nil || errMvn != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Java and Maven are needed for HAPI's client (java: %v, mvn: %v)", errJava, errMvn)
		}
		t.Skip("java or mvn not found")
	}
	requireClockAfter(t, "2026-11-01")
	pom, err := filepath.Abs(filepath.Join("..", "..", "testdata", "hapiclient", "pom.xml"))
	require.NoError(t, err)
	build := filepath.Join(os.TempDir(), "rpm-hapiclient-build")
	classpath := filepath.Join(build, "cp.txt")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	args := []string{"-q", "-B", "-f", pom, "-Drpm.build.dir=" + build, "compile", "dependency:build-classpath",
		"-Dmdep.outputFile=" + classpath}
	start := time.Now()
	if out, err := exec.CommandContext(ctx, mvn, append([]string{"-o"}, args...)...).CombinedOutput(); err != nil {
		t.Logf("offline Maven build failed, trying Maven Central: %s", tail(out, 20))
		out, err := exec.CommandContext(ctx, mvn, args...).CombinedOutput()
		require.NoError(t, err, "building testdata/hapiclient: %s", tail(out, 40))
	}
	t.Logf("testdata/hapiclient built in %s", time.Since(start).Round(100*time.Millisecond))
	cp, err := os.ReadFile(classpath)
	require.NoError(t, err)

	const write, read = "hapi-client-write-0123456789abcdef", "hapi-client-read-0123456789abcdef"
	base, _, stop := serveE2E(t, map[string]string{"RPM_API_TOKENS": "ehr:write:" + write + ",dashboard:read:" + read})
	cmd := exec.CommandContext(ctx, java, "-cp", filepath.Join(build, "classes")+string(os.PathListSeparator)+strings.TrimSpace(string(cp)),
		"org.rpmadapter.hapiclient.ClientCheck", base, write, read, "wc-c10", "rpm-cohort", "2026-10")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	t.Logf("HAPI generic client against %s:\n%s", base, out.String())
	require.NoError(t, err, "HAPI's client found failures (lines FAIL above)")
	require.Contains(t, out.String(), " 0 failing")
	require.Equal(t, exitOK, stop())
}

// tail is the last n lines of out.
func tail(out []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
