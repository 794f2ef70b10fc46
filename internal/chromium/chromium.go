// Package chromium starts Debian's chromium, headless, for the browser tests (the Weavy UI kit,
// the dashboard): never a downloaded browser build. CI installs it with apt (.ci/run).
package chromium

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Find returns the path of the installed chromium, failing t (naming what needs it) when there
// is none.
func Find(t testing.TB, what string) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatalf("chromium is not installed: %s needs Debian's chromium (apt-get install -y chromium; .ci/run installs it)", what)
	return ""
}

// Tab starts chromium at path and returns the context of a tab in it, ended when t ends or
// after timeout. extra options (a window size) add to the defaults: headless, no sandbox (CI
// runs as root), no GPU, no /dev/shm (small in containers).
func Tab(t testing.TB, path string, timeout time.Duration, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.Flag("disable-dev-shm-usage", true))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(opts, extra...)...)
	t.Cleanup(cancelAlloc)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelCtx)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	t.Cleanup(cancel)
	return ctx
}
