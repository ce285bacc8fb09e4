package e2e

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"lineescrow/app/platform/ptest"
)

// TestSellerUploadsAPhotoTheCardShowsIt: a seller adds a photo from the
// listing's edit page on a phone; the shop's card shows it at 375 px, within
// the screen.
func TestSellerUploadsAPhotoTheCardShowsIt(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	l := a.Listing("36.00", 5)
	img := image.NewNRGBA(image.Rect(0, 0, 1200, 900))
	for y := 0; y < 900; y++ {
		for x := 0; x < 1200; x++ {
			img.Set(x, y, color.NRGBA{uint8(x / 5), uint8(y / 4), 160, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "peony.png")
	if err := os.WriteFile(file, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	seller := browser(t)
	a.login(t, seller, a.Seller.Login, ptest.Password)
	run(t, seller, "upload a photo",
		chromedp.Navigate(fmt.Sprintf("%s/seller/listings/%d/edit", a.URL, l.ID)),
		visible(`[data-testid="photo-form"]`),
		chromedp.SetUploadFiles(css(`#f-photo`), []string{file}),
		click(`[data-testid="photo-submit"]`),
		visible(`[data-testid="photo-0"] img`),
	)

	buyer := person(t, seller)
	card := fmt.Sprintf(`[data-testid="listing-%d"] img[data-testid="listing-cover"]`, l.ID)
	// Headless Chromium keeps its window at least 500 px wide: the phone's
	// width is emulated.
	run(t, buyer, "open the shop on a phone", chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile),
		chromedp.Navigate(a.URL+"/listings"), visible(card))
	// The image has loaded (the browser decoded it) and fits the phone's width.
	width, err := chromedp.Run(buyer, chromedp.Evaluate[float64](`new Promise((resolve) => {
		const img = document.querySelector('`+card+`');
		const done = () => resolve(img.naturalWidth > 0 ? img.getBoundingClientRect().width : -1);
		if (img.complete) { done(); } else { img.addEventListener('load', done); img.addEventListener('error', done); }
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if width < 200 || width > 375 {
		t.Fatalf("the card's photo is %.0f px wide at 375 px (or did not load: -1)", width)
	}
	overflow, err := chromedp.Run(buyer, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	if err != nil || overflow {
		t.Fatalf("the shop scrolls sideways at 375 px: %v", err)
	}
}
