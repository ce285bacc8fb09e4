// Package e2e holds the browser tests: the whole platform (web, River
// workers, bank simulator) on a fresh database, driven through Debian's
// Chromium by chromedp, the way people use it.
package e2e
