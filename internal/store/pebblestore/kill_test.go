package pebblestore

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/vindel-hub/vindel/internal/store"
)

// killDirEnv names the directory the child process of TestKilledProcess writes to.
const killDirEnv = "VINDEL_PEBBLESTORE_KILL_DIR"

// TestKilledProcess runs a child process that flushes, keeps writing and is killed with
// SIGKILL, never closing the store; reopening the directory must find what was flushed and
// a state that matches the keys.
func TestKilledProcess(t *testing.T) {
	if dir := os.Getenv(killDirEnv); dir != "" {
		writeUntilKilled(t, dir)
		return
	}
	dir := t.TempDir()
	killAfterFlush(t, dir)

	log, _ := captureLog(t)
	s, err := Open(dir, Options{}, log)
	if err != nil {
		t.Fatalf("Open after kill: %v", err)
	}
	defer s.Close()
	hasAll(t, s, gen(1, 2000, 1, 2, 3))
	all := consistent(t, s)
	t.Logf("%d Observations survived the kill, 2000 of them flushed", len(all))
	if raws, err := s.Raw(t.Context(), "", 0, 0); err != nil || len(raws) != 1 {
		t.Fatalf("Raw after kill = %d rows, %v", len(raws), err)
	}
}

// killAfterFlush runs the child on dir, waits until it says it flushed, lets it write on
// for a moment and kills it.
func killAfterFlush(t *testing.T, dir string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledProcess$")
	cmd.Env = append(os.Environ(), killDirEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("StdoutPipe: %v", err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	flushed := false
	for sc := bufio.NewScanner(out); sc.Scan(); {
		if strings.HasPrefix(sc.Text(), "flushed") {
			flushed = true
			break
		}
	}
	if !flushed {
		_ = cmd.Process.Kill()
		t.Fatal("child ended before it flushed")
	}
	time.Sleep(30 * time.Millisecond) // let it commit some more, unsynced
	if err := cmd.Process.Kill(); err != nil {
		t.Fatalf("kill: %v", err)
	}
	var exit *exec.ExitError
	if err := cmd.Wait(); !errors.As(err, &exit) {
		t.Fatalf("child was not killed: %v", err)
	}
}

// writeUntilKilled is the child: it flushes 2000 Observations, says so, and appends more
// until it is killed.
func writeUntilKilled(t *testing.T, dir string) {
	log, _ := captureLog(t)
	s, err := Open(dir, Options{FlushInterval: time.Millisecond}, log)
	if err != nil {
		t.Fatalf("child Open: %v", err)
	}
	if _, err := s.Keep(t.Context(), store.RawUplink{ReceivedAt: t0, DevEUI: "01"}); err != nil {
		t.Fatalf("child Keep: %v", err)
	}
	appendFlush(t, s, gen(1, 2000, 1, 2, 3))
	fmt.Println("flushed")
	for id := uint64(2001); ; id += 100 {
		if err := s.Append(t.Context(), gen(id, 100, 1, 4)); err != nil {
			t.Fatalf("child Append: %v", err)
		}
		time.Sleep(time.Millisecond)
	}
}
