package web

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// browserWait bounds each wait on the browser: start, page load, a DOM change.
const browserWait = 60 * time.Second

// needChromium returns the browser's path, skipping the test when it is absent outside CI
// and failing it in CI (CI=true), where it must be installed.
func needChromium(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("chromium is required in CI: %v", err)
		}
		t.Skipf("chromium is not installed at %s (apt-get install chromium)", chromiumPath)
	}
	return chromiumPath
}

// browser is a headless Chromium driven over the DevTools protocol.
type browser struct {
	base string // http://127.0.0.1:PORT of the DevTools endpoint
}

// devtoolsLine is the line Chromium prints on stderr once its DevTools endpoint listens.
var devtoolsLine = regexp.MustCompile(`DevTools listening on (ws://\S+)`)

// startBrowser starts Chromium on a free DevTools port and stops it when the test ends.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	profile, err := os.MkdirTemp("", "vindel-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(needChromium(t), "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-quic", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--user-data-dir="+profile,
		"--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1", "about:blank")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its helpers end with it
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() { stopBrowser(t, cmd, profile) })

	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := devtoolsLine.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case ws := <-found:
		u, err := url.Parse(ws)
		if err != nil {
			t.Fatal(err)
		}
		return &browser{base: "http://" + u.Host}
	case <-time.After(browserWait):
		t.Fatal("chromium did not open its DevTools endpoint")
		return nil
	}
}

// stopBrowser ends the browser's process group, which this test started, and removes its
// profile.
func stopBrowser(t *testing.T, cmd *exec.Cmd, profile string) {
	pgid := cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-done
	}
	for range 20 { // helpers may still be writing for a moment
		if err := os.RemoveAll(profile); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("could not remove the chromium profile %s", profile)
}

// tab is one browser tab.
type tab struct {
	conn *websocket.Conn
	id   int
}

// open opens a tab on pageURL and connects to it.
func (b *browser) open(t *testing.T, pageURL string) *tab {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, b.base+"/json/new?"+pageURL, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("new tab: %v", err)
	}
	defer res.Body.Close()
	var target struct{ WebSocketDebuggerURL string }
	err = json.NewDecoder(res.Body).Decode(&target)
	if err != nil || target.WebSocketDebuggerURL == "" {
		t.Fatalf("new tab: %d, %v", res.StatusCode, err)
	}
	conn, _, err := websocket.DefaultDialer.Dial(target.WebSocketDebuggerURL, nil)
	if err != nil {
		t.Fatalf("connect to the tab: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &tab{conn: conn}
}

// eval evaluates a JavaScript expression in the page and returns its value as a string.
func (p *tab) eval(expr string) (string, error) {
	p.id++
	call := map[string]any{"id": p.id, "method": "Runtime.evaluate",
		"params": map[string]any{"expression": "String(" + expr + ")", "returnByValue": true}}
	_ = p.conn.SetWriteDeadline(time.Now().Add(browserWait))
	if err := p.conn.WriteJSON(call); err != nil {
		return "", fmt.Errorf("send: %w", err)
	}
	for {
		_ = p.conn.SetReadDeadline(time.Now().Add(browserWait))
		var reply struct {
			ID     int
			Error  *struct{ Message string }
			Result struct {
				Result           struct{ Value any }
				ExceptionDetails *struct{ Text string }
			}
		}
		if err := p.conn.ReadJSON(&reply); err != nil {
			return "", fmt.Errorf("read: %w", err)
		}
		if reply.ID != p.id {
			continue // an event
		}
		if reply.Error != nil {
			return "", errors.New(reply.Error.Message)
		}
		if ex := reply.Result.ExceptionDetails; ex != nil {
			return "", errors.New(ex.Text)
		}
		s, _ := reply.Result.Result.Value.(string)
		return s, nil
	}
}

// waitEval polls expr until it yields want, failing the test after browserWait.
func (p *tab) waitEval(t *testing.T, expr, want string) {
	t.Helper()
	deadline := time.Now().Add(browserWait)
	var got string
	var err error
	for time.Now().Before(deadline) {
		if got, err = p.eval(expr); err == nil && got == want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s is %q (err %v), want %q", expr, got, err, want)
}
