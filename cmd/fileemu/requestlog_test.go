package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/fileemu/fileemu/emulator"
	"github.com/fileemu/fileemu/testkit"
)

// lockedBuffer is a log destination the server writes from its goroutines and the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// lines waits until the log holds n lines with substr (a request's line is written when the
// request ends, just after the client got its answer) and returns them.
func (l *lockedBuffer) lines(t *testing.T, substr string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		l.mu.Lock()
		var got []string
		for _, line := range strings.Split(l.b.String(), "\n") {
			if strings.Contains(line, substr) {
				got = append(got, line)
			}
		}
		l.mu.Unlock()
		if len(got) >= n || time.Now().After(deadline) {
			if len(got) != n {
				t.Fatalf("%d log lines with %q, want %d:\n%s", len(got), substr, n, l.b.String())
			}
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// requestLogServer runs an emulator logging in format (and logging requests or not) and
// returns a session on it and the log.
func requestLogServer(t *testing.T, format string, logRequests bool) (*testkit.Session, *lockedBuffer) {
	t.Helper()
	var out lockedBuffer
	logger, err := newLogger(format, "info", &out, false)
	if err != nil {
		t.Fatal(err)
	}
	emu, err := emulator.New(emulator.Config{Logger: logger, LogRequests: logRequests})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(emu)
	t.Cleanup(ts.Close)
	return testkit.NewSession(t, ts.URL, testkit.NewAdmin(ts.URL, "")), &out
}

// requestLogTraffic sends a request refused by validation, one a scenario answers, and an S3
// GET whose presigned signature must not reach the log.
func requestLogTraffic(t *testing.T, s *testkit.Session) {
	t.Helper()
	s.LoadScenarioText(t, "scenarios:\n  - name: down\n    rules:\n      - match: {api: desk, operation: listFiles}\n        respond: {status: 503}\n")
	send := func(method, url, body string) {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer t")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	send("POST", s.URL("desk")+"/files/ref.json", `{"file":{}}`)
	send("GET", s.URL("desk")+"/files.json", "")
	send("GET", s.URL("s3")+"/bucket/key?X-Amz-Signature=topsecret&x-id=GetObject", "")
}

func TestRequestLogJSON(t *testing.T) {
	s, out := requestLogServer(t, "json", true)
	requestLogTraffic(t, s)
	byOp := map[string]map[string]any{}
	for _, line := range out.lines(t, `"msg":"request"`, 3) { // at info: not the admin API's
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not one JSON object per line: %q: %v", line, err)
		}
		op, _ := m["operation"].(string)
		byOp[op] = m
	}
	refused := byOp["createFileRef"]
	if refused == nil || refused["status"] != float64(400) || refused["session"] != s.ID || refused["api"] != "desk" ||
		refused["path"] != "/_s/"+s.ID+"/desk/api/v2/files/ref.json" || refused["in"] != float64(11) ||
		!strings.HasPrefix(refused["reason"].(string), "body /file") {
		t.Errorf("validation failure logged as %v", refused)
	}
	if _, ok := refused["duration"].(float64); !ok {
		t.Errorf("no duration in %v", refused)
	}
	if hit := byOp["listFiles"]; hit == nil || hit["status"] != float64(503) || !strings.HasSuffix(hit["reason"].(string), "scenario=down rule=0") {
		t.Errorf("scenario hit logged as %v", hit)
	}
	if get := byOp["getObject"]; get == nil || strings.Contains(get["path"].(string), "topsecret") ||
		!strings.Contains(get["path"].(string), "X-Amz-Signature=") {
		t.Errorf("presigned GET logged as %v: the signature must be redacted, the parameter kept", get)
	}
}

func TestRequestLogText(t *testing.T) {
	s, out := requestLogServer(t, "text", true)
	requestLogTraffic(t, s)
	refused := out.lines(t, "desk.createFileRef", 1)[0]
	hit := out.lines(t, "desk.listFiles", 1)[0]
	// time, status, method, duration, sizes, api.operation, path (with the session), reason
	line := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (\d{3}) (\S+) +\S+ +in (\d+)B +out \d+B +(\S+) +(\S+)  (.*)$`)
	m := line.FindStringSubmatch(refused)
	if m == nil || m[1] != "400" || m[2] != "POST" || m[3] != "11" || m[4] != "desk.createFileRef" ||
		m[5] != "/_s/"+s.ID+"/desk/api/v2/files/ref.json" || !strings.HasPrefix(m[6], "body /file") {
		t.Errorf("validation failure line %q: parsed %q", refused, m)
	}
	if m := line.FindStringSubmatch(hit); m == nil || m[1] != "503" || !strings.HasSuffix(m[6], "scenario=down rule=0") {
		t.Errorf("scenario hit line %q: parsed %q", hit, m)
	}
	// Aligned: the columns start at the same place on every line.
	col := func(line string) int { return utf8.RuneCountInString(line[:strings.Index(line, "desk.")]) } // µs: 2 bytes, 1 column
	if a, b := col(refused), col(hit); a != b {
		t.Errorf("operation column at %d and %d:\n%s\n%s", a, b, refused, hit)
	}
	if strings.Contains(refused, "\x1b[") {
		t.Error("colours written to a non-terminal")
	}
	if get := out.lines(t, "s3.getObject", 1)[0]; strings.Contains(get, "topsecret") {
		t.Errorf("signature in the log: %s", get)
	}
}

func TestRequestLogOff(t *testing.T) {
	s, out := requestLogServer(t, "json", false)
	requestLogTraffic(t, s)
	time.Sleep(100 * time.Millisecond) // a line would be written just after each answer
	out.lines(t, `"msg":"request"`, 0)
}

// Control characters in what a client sent never reach the terminal as such.
func TestPrintableEscapesControlCharacters(t *testing.T) {
	if got := printable("a\x1b[31mb\nc"); got != `a\x1b[31mb\nc` {
		t.Errorf("printable = %q", got)
	}
	if got := printable("/api/v1/shares/ünï"); got != "/api/v1/shares/ünï" {
		t.Errorf("printable changed graphic text: %q", got)
	}
}

// TestPadIsFmtWidth: the request line's columns are padded as fmt's %8s and %-6s pad them
// (widths count runes), so the append-based line reads as the Fprintf one did.
func TestPadIsFmtWidth(t *testing.T) {
	for _, s := range []string{"", "GET", "DELETE", "PROPFIND-LONG", "1.23ms", "ünï", "日本語", "in 12.3K"} {
		for _, w := range []int{-32, -10, -9, -6, 0, 6, 8} {
			want := fmt.Sprintf("%*s", w, s)
			if got := string(pad([]byte("x"), s, w)); got != "x"+want {
				t.Errorf("pad(%q, %d) = %q, want %q", s, w, got[1:], want)
			}
		}
	}
}
