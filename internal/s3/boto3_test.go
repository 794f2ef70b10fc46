package s3_test

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/fileemu/fileemu/emulator"
	"github.com/fileemu/fileemu/testkit"
)

// pythonsWithBoto3 returns the python3 interpreters that can import boto3, one per boto3
// version: Debian's python3-boto3 installs for /usr/bin/python3, which may not be the first
// python3 on PATH (that one may have a newer boto3 of its own, with other checksum defaults).
func pythonsWithBoto3() map[string]string {
	found := map[string]string{} // boto3 version -> interpreter
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		out, err := exec.Command(py, "-c", "import boto3; print(boto3.__version__)").Output()
		if v := strings.TrimSpace(string(out)); err == nil && found[v] == "" {
			found[v] = py
		}
	}
	return found
}

// TestBoto3 runs testdata/boto3_roundtrip.py: put, get, a 12 MiB upload_file in 3 parts,
// list, copy, delete_objects, with every byte read back. Without boto3 the test skips, unless
// FILEEMU_REQUIRE_BOTO3=1 (CI installs python3-boto3 and sets it).
func TestBoto3(t *testing.T) {
	pythons := pythonsWithBoto3()
	if len(pythons) == 0 {
		if os.Getenv("FILEEMU_REQUIRE_BOTO3") == "1" {
			t.Fatal("boto3 is not installed (apt-get install python3-boto3)")
		}
		t.Skip("boto3 is not installed (apt-get install python3-boto3)")
	}
	emu := testkit.Start(t)
	// Over TLS boto3 may stream bodies as aws-chunked (newer versions do, with a CRC32 trailer).
	srv, err := emulator.New(emulator.Config{})
	if err != nil {
		t.Fatal(err)
	}
	tls := httptest.NewTLSServer(srv)
	t.Cleanup(tls.Close)
	for version, py := range pythons {
		t.Run("boto3-"+version+"/http", func(t *testing.T) {
			s := emu.Session(t)
			boto3RoundTrip(t, py, s.URL("s3"), func(op string) int { return s.Count(t, testkit.Operation(op)) })
		})
		t.Run("boto3-"+version+"/https", func(t *testing.T) {
			id := "boto3-" + strings.ReplaceAll(version, ".", "-")
			boto3RoundTrip(t, py, tls.URL+"/_s/"+id+"/s3", func(op string) int {
				return countCalls(t, srv, id, op)
			})
		})
	}
}

// boto3RoundTrip runs the script against endpoint; count counts the journal's requests of an
// operation in the endpoint's session.
func boto3RoundTrip(t *testing.T, py, endpoint string, count func(op string) int) {
	out, err := exec.Command(py, "testdata/boto3_roundtrip.py", endpoint, t.TempDir()).CombinedOutput()
	var res struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
		Boto3 string `json:"boto3"`
		Sent  []struct {
			Method   string   `json:"method"`
			Query    string   `json:"url"`
			Payload  string   `json:"x-amz-content-sha256"`
			MD5      bool     `json:"content-md5"`
			Checksum []string `json:"checksum"`
			Encoding string   `json:"content-encoding"`
		} `json:"sent"`
	}
	if jerr := json.Unmarshal(out, &res); jerr != nil || err != nil || !res.OK {
		t.Fatalf("boto3 round trip failed: %v\n%s", err, out)
	}
	for _, r := range res.Sent {
		p := r.Payload
		if len(p) == 64 {
			p = "<hex sha256>"
		}
		t.Logf("boto3 %s: %s ?%s sha256=%s md5=%v checksum=%v encoding=%q", res.Boto3, r.Method, r.Query, p, r.MD5, r.Checksum, r.Encoding)
	}
	if n := count("uploadPart"); n != 3 {
		t.Errorf("journal: %d uploadPart requests, want 3", n)
	}
	if n := count("completeMultipartUpload"); n != 1 {
		t.Errorf("journal: %d completeMultipartUpload requests, want 1", n)
	}
}
