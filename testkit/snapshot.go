package testkit

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
)

// Snapshot returns the archive of the session's whole state and stored bytes (GET
// /__admin/sessions/{id}/snapshot): restore it with Restore, into this or any session of any
// emulator of the same version.
func (a *Admin) Snapshot(ctx context.Context, session string) ([]byte, error) {
	var b bytes.Buffer
	if err := a.SnapshotTo(ctx, session, &b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// SnapshotTo streams the archive of the session into w.
func (a *Admin) SnapshotTo(ctx context.Context, session string, w io.Writer) error {
	path := "/sessions/" + url.PathEscape(session) + "/snapshot"
	resp, err := a.send(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("admin GET %s: status %d: %s", path, resp.StatusCode, bytes.TrimSpace(b))
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("admin GET %s: read: %w", path, err)
	}
	return nil
}

// Restore replaces the session's state (creating the session if needed) with the archive's
// (PUT /__admin/sessions/{id}/snapshot). An archive the emulator cannot read changes nothing;
// the error names the member at fault.
func (a *Admin) Restore(ctx context.Context, session string, archive io.Reader) error {
	path := "/sessions/" + url.PathEscape(session) + "/snapshot"
	resp, err := a.send(ctx, http.MethodPut, path, archive)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("admin PUT %s: status %d: %s", path, resp.StatusCode, bytes.TrimSpace(b))
	}
	return nil
}

// send sends one admin request with a raw body and returns the response as it is.
func (a *Admin) send(ctx context.Context, method, path string, body io.Reader) (*http.Response, error) {
	return a.do(ctx, method, path, nil, "application/x-tar", body)
}

// Snapshot returns the archive of the session's state and stored bytes; see Admin.Snapshot.
func (s *Session) Snapshot(t testing.TB) []byte {
	t.Helper()
	b, err := s.admin.Snapshot(context.Background(), s.ID)
	if err != nil {
		t.Fatalf("testkit: snapshot: %v", err)
	}
	return b
}

// Restore replaces the session's state with the archive's; see Admin.Restore.
func (s *Session) Restore(t testing.TB, archive []byte) {
	t.Helper()
	if err := s.admin.Restore(context.Background(), s.ID, bytes.NewReader(archive)); err != nil {
		t.Fatalf("testkit: restore: %v", err)
	}
}
