package testkit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fileemu/fileemu/testkit"
)

// exampleT stands in for the *testing.T a test has and an example lacks, so that the examples
// below run the same code a test would. Embedding testing.TB provides the interface's unexported
// method; the kit calls only the methods defined here (any other one panics on the nil TB). A
// failure prints a FAIL line, so the output no longer matches and the example fails.
type exampleT struct {
	testing.TB
	cleanups []func()
}

func (*exampleT) Helper()                           {}
func (*exampleT) Name() string                      { return "Example" }
func (t *exampleT) Cleanup(f func())                { t.cleanups = append(t.cleanups, f) }
func (*exampleT) Errorf(format string, args ...any) { fmt.Printf("FAIL: "+format+"\n", args...) }
func (*exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

// end runs the cleanups as the end of a test does.
func (t *exampleT) end() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

const userID = "497f6eca-6276-4993-bfeb-53cbbbba6f08"

// signedURL asks the Haufe API of base for an upload URL.
func signedURL(client *http.Client, base, filename string) (status int, fileURL string) {
	req, _ := http.NewRequest(http.MethodGet, base+"/v1/files/signed-url?filename="+filename, nil)
	req.Header.Set("api-key", "any-key")
	req.Header.Set("user-id", userID)
	resp, err := client.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var body struct {
		FileURL string `json:"file_url"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.FileURL
}

// put uploads content to a presigned URL.
func put(client *http.Client, fileURL, content string) int {
	req, _ := http.NewRequest(http.MethodPut, fileURL, strings.NewReader(content))
	req.Header.Set("Content-Type", "text/plain")
	resp, err := client.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// A test starts an emulator, takes an isolated session, drives the emulated API through the
// kit's validating client and asserts on the journal. The journal is written before each
// response is sent, so nothing needs to wait.
func ExampleStart() {
	t := &exampleT{} // in a test: the test's t
	defer t.end()

	emu := testkit.Start(t) // stopped when t ends
	s := emu.Session(t)     // isolated namespace, dropped when t ends
	client := emu.Client(t) // fails t on any response that breaks the API's spec
	base := s.URL("haufe")  // configure the application under test with this base URL

	status, fileURL := signedURL(client, base, "report.txt")
	fmt.Println("signed-url:", status)
	fmt.Println("upload URL in the session:", strings.HasPrefix(fileURL, s.URL("s3")+"/haufe-files/"))
	fmt.Println("upload:", put(client, fileURL, "Quarterly report: revenue up.\n"))

	s.AssertCalled(t, "getSignedUrl", 1)
	s.AssertCalled(t, "putObject", 1)
	fmt.Println("journal entries:", s.Count(t))
	for _, r := range s.Requests(t) {
		fmt.Printf("%s %s %d api-key=%q\n", r.API, r.Operation, r.Status, r.Headers["Api-Key"])
	}
	st := s.State(t)
	fmt.Println("stored:", len(st.Objects), st.Objects[0].Size, st.Objects[0].ContentType)
	// Output:
	// signed-url: 200
	// upload URL in the session: true
	// upload: 200
	// journal entries: 2
	// haufe getSignedUrl 200 api-key="REDACTED"
	// s3 putObject 200 api-key=""
	// stored: 1 30 text/plain
}

// Programs without a testing.TB use New and the Admin client. A session needs no setup: a
// client given a /_s/{id} base URL is isolated on its first request.
func Example() {
	emu, err := testkit.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer emu.Close()
	ctx := context.Background()
	base := emu.URL + "/_s/example"

	status, fileURL := signedURL(http.DefaultClient, base, "notes.txt")
	fmt.Println("signed-url:", status)
	fmt.Println("upload:", put(http.DefaultClient, fileURL, "hello"))

	n, err := emu.Admin.Count(ctx, "example", testkit.Operation("putObject"))
	fmt.Println("uploads:", n, err)
	st, err := emu.Admin.State(ctx, "example")
	fmt.Println("stored:", st.Objects[0].SHA256, err)
	others, err := emu.Admin.Count(ctx, "default")
	fmt.Println("default session:", others, err)
	// Output:
	// signed-url: 200
	// upload: 200
	// uploads: 1 <nil>
	// stored: 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824 <nil>
	// default session: 0 <nil>
}

// A Clock makes time-dependent behaviour testable: the Haufe upload URL expires after 600
// seconds.
func ExampleClock() {
	t := &exampleT{}
	defer t.end()

	clock := testkit.NewClock(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	emu := testkit.Start(t, testkit.WithClock(clock.Now))
	s := emu.Session(t)
	client := emu.Client(t)

	_, fileURL := signedURL(client, s.URL("haufe"), "late.txt")
	clock.Advance(601 * time.Second)
	fmt.Println("upload after 601s:", put(client, fileURL, "too late"))
	fmt.Println("stored:", len(s.State(t).Objects))
	fmt.Println("refused uploads:", s.Count(t, testkit.Operation("putObject"), testkit.Status(http.StatusForbidden)))
	// Output:
	// upload after 601s: 403
	// stored: 0
	// refused uploads: 1
}
