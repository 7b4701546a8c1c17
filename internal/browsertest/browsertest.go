// Package browsertest opens a tab of headless Chromium for the tests that
// check a page in a real browser: the HTML report and the local NEMS page.
// It is imported by tests only.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Chromium returns the browser binary the tests use: $NEMSFHIR_CHROMIUM,
// else the first of the usual Chromium and Chrome names on PATH; "" when
// there is none.
func Chromium() string {
	if p := os.Getenv("NEMSFHIR_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Require returns the browser binary, or skips the test, saying that
// what is not checked, when there is none or under -short: a test calls it
// first, before the work it would do for the browser.
func Require(t testing.TB, what string) string {
	t.Helper()
	bin := Chromium()
	if bin == "" {
		t.Skipf("no chromium binary (install Debian's chromium package, or set NEMSFHIR_CHROMIUM): %s", what)
	}
	if testing.Short() {
		t.Skipf("-short: no browser: %s", what)
	}
	return bin
}

// Tab starts headless Chromium with an empty profile and returns the
// context of one tab, which lives until timeout or the end of the test.
// Without a browser, or under -short, it skips the test as Require does. The flags keep Chromium off the network it would reach
// for by itself (updates, sync, background requests): a closed machine
// refuses those, and a test must see only the requests of its page.
func Tab(t testing.TB, timeout time.Duration, what string) context.Context {
	t.Helper()
	bin := Require(t, what)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
	)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(ctx)
	t.Cleanup(cancelTab)
	return ctx
}
