package snapshot_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/fileemu/fileemu/internal/session"
	"github.com/fileemu/fileemu/testkit"
)

// With a data directory, the state prepare built through every API survives a restart: a new
// emulator on the same directory serves it, every flow continues, the moved clocks stay moved,
// and a Haufe signed URL handed out before the restart still uploads after it.
func TestDataDirRestartKeepsEveryAPI(t *testing.T) {
	dir := t.TempDir()
	emuA := testkit.Start(t, testkit.WithDataDir(dir))
	a := &api{t: t, http: emuA.Client(t), s: emuA.Resume(t, "kept")}
	p := prepare(t, a, 5<<20)
	ctx := context.Background()
	if _, err := emuA.Admin.AdvanceClock(ctx, "kept", 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, err := emuA.Admin.AdvanceClock(ctx, "", time.Minute); err != nil {
		t.Fatal(err)
	}
	var su struct {
		FileID  string `json:"file_id"`
		FileURL string `json:"file_url"`
	}
	a.must(200, "GET", "haufe /v1/files/signed-url?filename=after.txt", haufeUser, nil, &su)
	before, err := emuA.Admin.Snapshot(ctx, "kept")
	if err != nil {
		t.Fatal(err)
	}
	emuA.Close()

	emuB := testkit.Start(t, testkit.WithDataDir(dir))
	b := &api{t: t, http: emuB.Client(t), s: emuB.Resume(t, "kept")}
	if after, err := emuB.Admin.Snapshot(ctx, "kept"); err != nil || !bytes.Equal(after, before) {
		t.Errorf("the session's snapshot after the restart differs (err %v, %d and %d bytes)", err, len(after), len(before))
	}
	for _, c := range []struct {
		session string
		want    time.Duration
	}{{"", time.Minute}, {"kept", 5 * time.Minute}} {
		st, err := emuB.Admin.GetClock(ctx, c.session)
		if err != nil || !st.Moved || st.Offset != c.want {
			t.Errorf("clock %q after the restart: %+v (%v), want offset %v", c.session, st, err, c.want)
		}
	}
	// The URL signed before the restart (10 min, on a session clock moved ahead) still takes the upload.
	content := []byte("uploaded after the restart")
	// The new emulator listens on another port: the request goes there with the URL's host
	// (signed), as through a port that forwards to wherever fileemu runs now.
	req, err := http.NewRequest("PUT", strings.Replace(su.FileURL, emuA.URL, emuB.URL, 1), bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = strings.TrimPrefix(emuA.URL, "http://")
	if resp, body := testkit.Do(t, b.http, req); resp.StatusCode != 200 {
		t.Fatalf("PUT to the URL signed before the restart = %d %s", resp.StatusCode, body)
	}
	var st struct {
		Status string `json:"processing_status"`
	}
	for b.must(200, "GET", "haufe /v1/files/"+su.FileID+"/status", haufeUser, nil, &st); st.Status == "PROCESSING"; {
		b.must(200, "GET", "haufe /v1/files/"+su.FileID+"/status", haufeUser, nil, &st)
	}
	if got := b.must(200, "GET", "haufe /v1/files/"+su.FileID, haufeUser, nil, nil); !bytes.Equal(got, content) {
		t.Errorf("content uploaded through the old URL = %q", got)
	}
	continues(t, b, p)

	// What the flows did after the restart is kept too: a third start serves it.
	after, err := emuB.Admin.Snapshot(ctx, "kept")
	if err != nil {
		t.Fatal(err)
	}
	emuB.Close()
	emuC := testkit.Start(t, testkit.WithDataDir(dir))
	if again, err := emuC.Admin.Snapshot(ctx, "kept"); err != nil || !bytes.Equal(again, after) {
		t.Errorf("the snapshot after a second restart differs (err %v, %d and %d bytes)", err, len(again), len(after))
	}
}

// A state file that does not parse, or names an object the session does not hold, refuses the
// start with a message naming it.
func TestDataDirCorruptStateRefusesStart(t *testing.T) {
	dir := t.TempDir()
	emu := testkit.Start(t, testkit.WithDataDir(dir))
	a := &api{t: t, http: emu.Client(t), s: emu.Resume(t, "s")}
	prepare(t, a, 5<<20)
	emu.Close()
	states, _ := filepath.Glob(filepath.Join(dir, "sessions", "s", "blobs*", "state", "*.json"))
	if len(states) < 5 {
		t.Fatalf("state files: %v, want one per API", states)
	}
	for _, c := range []struct {
		file  string
		spoil func(b []byte) []byte
	}{
		{"weavy.json", func(b []byte) []byte { return b[:len(b)/2] }},
		{"s3.json", func(b []byte) []byte { return bytes.Replace(b, []byte(`"blob": "`), []byte(`"blob": "gone-`), 1) }},
		{"haufe.json", func(b []byte) []byte { return bytes.Replace(b, []byte(`"seed":`), []byte(`"unknown":`), 1) }},
		{"desk.json", func(b []byte) []byte { return bytes.Replace(b, []byte(`"version": 1`), []byte(`"version": 99`), 1) }},
	} {
		path := filepath.Join(filepath.Dir(states[0]), c.file)
		good, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		bad := c.spoil(good)
		if bytes.Equal(bad, good) {
			t.Fatalf("%s was not spoiled:\n%s", c.file, good)
		}
		os.WriteFile(path, bad, 0o644)
		_, err = testkit.New(testkit.WithDataDir(dir))
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("start with a broken %s = %v, want an error naming %s", c.file, err, path)
		}
		t.Logf("%s: %v", c.file, err)
		os.WriteFile(path, good, 0o644)
	}
	e, err := testkit.New(testkit.WithDataDir(dir))
	if err != nil {
		t.Fatalf("start with the files mended: %v", err)
	}
	e.Close()
}

// What the admin API changes is kept too: a restored snapshot, a reset session, a dropped one.
func TestDataDirKeepsAdminChanges(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	emuA := testkit.Start(t, testkit.WithDataDir(dir))
	for _, id := range []string{"reset", "dropped", "restored"} {
		prepare(t, &api{t: t, http: emuA.Client(t), s: emuA.Resume(t, id)}, 5<<20)
	}
	snap, err := emuA.Admin.Snapshot(ctx, "restored")
	if err != nil {
		t.Fatal(err)
	}
	r := &api{t: t, http: emuA.Client(t), s: emuA.Resume(t, "restored")}
	r.must(201, "PUT", "weavy /api/apps/made-after-the-snapshot", with(weavyAuth, jsonCT), `{"type":"files","name":"Later"}`, nil)
	if err := emuA.Admin.Restore(ctx, "restored", bytes.NewReader(snap)); err != nil {
		t.Fatal(err)
	}
	if err := emuA.Admin.Reset(ctx, "reset"); err != nil {
		t.Fatal(err)
	}
	empty, err := emuA.Admin.Snapshot(ctx, "reset")
	if err != nil {
		t.Fatal(err)
	}
	if err := emuA.Admin.DeleteSession(ctx, "dropped"); err != nil {
		t.Fatal(err)
	}
	emuA.Close()

	emuB := testkit.Start(t, testkit.WithDataDir(dir))
	for id, want := range map[string][]byte{"restored": snap, "reset": empty} {
		if got, err := emuB.Admin.Snapshot(ctx, id); err != nil || !bytes.Equal(got, want) {
			t.Errorf("session %s after the restart: snapshot differs (err %v, %d and %d bytes)", id, err, len(got), len(want))
		}
	}
	b := &api{t: t, http: emuB.Client(t), s: emuB.Resume(t, "restored")}
	b.must(404, "GET", "weavy /api/apps/made-after-the-snapshot", weavyAuth, nil, nil)
	b.must(404, "GET", "admin /sessions/dropped", nil, nil, nil)
}

// A session reset in place (the default session) gives S3 a new side store for its parts
// (side-2): the state names it, and a restart finds the parts there.
func TestDataDirKeepsPartsInALaterSideStore(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	emuA := testkit.Start(t, testkit.WithDataDir(dir))
	a := &api{t: t, http: emuA.Client(t), s: emuA.Resume(t, "default")}
	prepare(t, a, 5<<20)
	if err := emuA.Admin.Reset(ctx, "default"); err != nil {
		t.Fatal(err)
	}
	s3c := a.s3()
	if _, err := s3c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("again")}); err != nil {
		t.Fatal(err)
	}
	mu, err := s3c.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{Bucket: aws.String("again"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	part := []byte("the only part")
	up, err := s3c.UploadPart(ctx, &awss3.UploadPartInput{Bucket: aws.String("again"), Key: aws.String("k"),
		UploadId: mu.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader(part)})
	if err != nil {
		t.Fatal(err)
	}
	live, err := session.StoreDir(dir, "default")
	if err != nil {
		t.Fatal(err)
	}
	state, _ := os.ReadFile(filepath.Join(live, "state", "s3.json"))
	if !bytes.Contains(state, []byte(`"side": "side-2"`)) {
		t.Errorf("S3 state after a reset in place names no side-2:\n%s", state)
	}
	emuA.Close()

	emuB := testkit.Start(t, testkit.WithDataDir(dir))
	b := &api{t: t, http: emuB.Client(t), s: emuB.Resume(t, "default")}
	s3c = b.s3()
	if _, err := s3c.CompleteMultipartUpload(ctx, &awss3.CompleteMultipartUploadInput{Bucket: aws.String("again"), Key: aws.String("k"),
		UploadId: mu.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{
			{PartNumber: aws.Int32(1), ETag: up.ETag}}}}); err != nil {
		t.Fatal(err)
	}
	obj, err := s3c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("again"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(obj.Body)
	if !bytes.Equal(got, part) {
		t.Errorf("completed after the restart: %q", got)
	}
	// The reset session's Weavy app is gone, before and after the restart alike.
	b.must(404, "GET", "weavy /api/apps/project-files", weavyAuth, nil, nil)
}
