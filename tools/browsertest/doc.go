// Package browsertest loads segscope's HTML reports in headless chromium
// (and firefox, where installed) through the DevTools protocol: a module
// of its own, so that chromedp, which only these tests use, stays out of
// segscope's go.mod and binary.
package browsertest
