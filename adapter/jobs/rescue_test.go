package jobs

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rpm-adapter/rpm-adapter/adapter"
)

// rescueChildEnv holds the database of a child process that starts a job
// whose member p1 never finishes, says "evaluating" and waits to be killed.
const rescueChildEnv = "RPM_TEST_JOBS_RESCUE_CHILD_DSN"

// TestRescueChild is not a test: it is the replica that dies, run by
// TestADeadReplicasMemberIsTakenUpAgain.
func TestRescueChild(t *testing.T) {
	dsn := os.Getenv(rescueChildEnv)
	if dsn == "" {
		t.Skip("runs only as the child of TestADeadReplicasMemberIsTakenUpAgain")
	}
	started := make(chan string, 16)
	w := &fakeWork{gate: make(chan struct{}), started: started}
	q := newQueue(t, dsn, w)
	if err := q.Start(context.Background(), spec(jobA, "ehr", "g3")); err != nil {
		t.Fatal(err)
	}
	for range 3 { // every member is running when the parent kills us
		<-started
	}
	os.Stdout.WriteString("evaluating\n")
	select {}
}

// A replica killed with SIGKILL while its members run leaves them running
// in River's table; another replica's River rescues them after RescueAfter
// and evaluates them, and the job completes with each member counted once.
func TestADeadReplicasMemberIsTakenUpAgain(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for River's rescuer (about 40 s)")
	}
	forEachDriver(t, func(t *testing.T, dsn string) {
		openStore(t, dsn) // migrated before the child starts
		cmd := exec.Command(os.Args[0], "-test.run=^TestRescueChild$")
		cmd.Env = append(os.Environ(), rescueChildEnv+"="+dsn)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		said := make(chan bool, 1)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if strings.Contains(sc.Text(), "evaluating") {
					said <- true
					return
				}
			}
			said <- false
		}()
		select {
		case ok := <-said:
			if !ok {
				t.Fatal("the child ended before evaluating")
			}
		case <-time.After(60 * time.Second):
			t.Fatal("the child never evaluated")
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()

		w := &fakeWork{}
		q := newQueue(t, dsn, w) // RescueAfter 10 s, JobTimeout 5 s
		start := time.Now()
		st := waitStateWithin(t, q, jobA, adapter.JobCompleted, 90*time.Second)
		t.Logf("taken up and completed %v after the kill", time.Since(start).Round(time.Second))
		if string(st.Result) != `"params","p0","p1","p2"` || st.Done != 3 {
			t.Errorf("status %+v", st)
		}
		evaluated, _ := w.counts()
		for _, p := range []string{"p0", "p1", "p2"} {
			if evaluated[p] != 1 {
				t.Errorf("%s evaluated %d times by the survivor", p, evaluated[p])
			}
		}
	})
}

func waitStateWithin(t *testing.T, q *Queue, id, state string, d time.Duration) adapter.GroupJobStatus {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		st, err := q.Get(context.Background(), id)
		if err == nil && st.State == state {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s: %+v, %v; want state %s within %v", id[:8], st, err, state, d)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
