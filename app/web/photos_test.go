package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"lineescrow/app/platform/ptest"
	"lineescrow/models"
)

func pngPhoto(t *testing.T, shade uint8) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 80, 60))
	for i := range img.Pix {
		img.Pix[i] = shade
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// multipartBody is a form with one file, named as a browser would send it
// (the name and the Content-Type claimed are the sender's, never trusted).
func multipartBody(t *testing.T, fields map[string]string, filename string, data []byte) (io.Reader, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	fw, err := w.CreateFormFile("photo", filename)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = w.Close()
	return &b, w.FormDataContentType()
}

// upload sends a photo to the API and returns the status and answer.
func (e *tradeEnv) upload(t *testing.T, token string, listingID int64, filename string, data []byte) (int, map[string]any) {
	t.Helper()
	body, ctype := multipartBody(t, nil, filename, data)
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/seller/listings/%d/photos", e.ts.URL, listingID), body)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out := map[string]any{}
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func TestPhotoUploadServeAndLimit(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	l := e.Listing("88.00", 4)
	token := e.token(t, e.Seller)

	code, body := e.upload(t, token, l.ID, "tea.png", pngPhoto(t, 10))
	if code != http.StatusCreated {
		t.Fatalf("upload: %d %v", code, body)
	}
	photos, _ := body["photos"].([]any)
	if len(photos) != 1 {
		t.Fatalf("answer's photos: %v", body)
	}
	thumb := photos[0].(map[string]any)["thumb_url"].(string)
	if body["cover_url"] != thumb || !strings.HasPrefix(thumb, "/photos/") {
		t.Fatalf("cover %v, thumb %q", body["cover_url"], thumb)
	}

	// Served by anyone, as a JPEG, cached for good; a revalidation is a 304.
	res, err := http.Get(e.ts.URL + thumb)
	if err != nil {
		t.Fatal(err)
	}
	img, _ := io.ReadAll(res.Body)
	res.Body.Close()
	etag := res.Header.Get("ETag")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/jpeg" || !bytes.HasPrefix(img, []byte{0xFF, 0xD8}) ||
		!strings.Contains(res.Header.Get("Cache-Control"), "immutable") || etag == "" {
		t.Fatalf("GET %s: %d %v", thumb, res.StatusCode, res.Header)
	}
	req, _ := http.NewRequest("GET", e.ts.URL+thumb, nil)
	req.Header.Set("If-None-Match", etag)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusNotModified {
		t.Fatalf("revalidation: %v %v", res, err)
	}
	if res, _ := http.Get(e.ts.URL + strings.Replace(thumb, "thumb.jpg", "huge.jpg", 1)); res.StatusCode != 404 {
		t.Fatalf("an unknown size: %d", res.StatusCode)
	}

	// A text file named .jpg is refused on the field, whatever its name.
	if code, body := e.upload(t, token, l.ID, "photo.jpg", []byte("not an image at all, only its name is")); code != 422 ||
		body["error"].(map[string]any)["field"] != "photo" {
		t.Fatalf("text as .jpg: %d %v", code, body)
	}
	// JSON is refused: the upload is multipart.
	if code, _, _ := e.api(t, "POST", fmt.Sprintf("/api/v1/seller/listings/%d/photos", l.ID), token, "", map[string]string{"photo": "x"}); code != 422 {
		t.Fatalf("JSON upload: %d", code)
	}
	// Another seller cannot add to the listing.
	other := e.User("13700137002", models.RoleSeller, "Other")
	if code, _ := e.upload(t, e.token(t, other), l.ID, "a.png", pngPhoto(t, 99)); code != 404 {
		t.Fatalf("another seller's upload: %d", code)
	}

	for i := 1; i < models.MaxPhotos; i++ {
		if code, body := e.upload(t, token, l.ID, "p.png", pngPhoto(t, uint8(20+20*i))); code != http.StatusCreated {
			t.Fatalf("photo %d: %d %v", i+1, code, body)
		}
	}
	code, body = e.upload(t, token, l.ID, "seventh.png", pngPhoto(t, 250))
	if code != 422 || body["error"].(map[string]any)["field"] != "photo" {
		t.Fatalf("a seventh photo: %d %v", code, body)
	}

	// The portal: the card shows the cover, the edit page the six photos and
	// no upload form; removing one brings the form back, and a refused file
	// shows its reason beside the field.
	b := (&env{t: t, ts: e.ts}).browser()
	if p := b.get("/listings"); p.find(fmt.Sprintf(`[data-testid="listing-%d"] img[data-testid="listing-cover"]`, l.ID)).AttrOr("src", "") != thumb {
		t.Fatalf("the card's cover: %s", p.body)
	}
	b.login(e.Seller.Login, ptest.Password)
	edit := fmt.Sprintf("/seller/listings/%d/edit", l.ID)
	p := b.get(edit)
	if n := p.find(`[data-testid="listing-photos"] li img`).Length(); n != models.MaxPhotos || p.find(`[data-testid="photo-form"]`).Length() != 0 {
		t.Fatalf("edit page: %d photos, upload form %d", n, p.find(`[data-testid="photo-form"]`).Length())
	}
	del, _ := p.find(`[data-testid="photo-5"] form[action$="/delete"]`).Attr("action")
	if r := b.post(del, nil); r.status != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.status)
	}
	csrf := b.csrf()
	form, ctype := multipartBody(t, map[string]string{"_csrf": csrf}, "anim.png", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"))
	r := b.do("POST", fmt.Sprintf("/seller/listings/%d/photos", l.ID), form, "Content-Type", ctype)
	if r.status != 422 || !strings.Contains(r.text(`[data-testid="error-photo"]`), "GIF") {
		t.Fatalf("a GIF in the portal: %d %q", r.status, r.text(`[data-testid="error-photo"]`))
	}
	form, ctype = multipartBody(t, map[string]string{"_csrf": csrf}, "ok.png", pngPhoto(t, 251))
	if r := b.do("POST", fmt.Sprintf("/seller/listings/%d/photos", l.ID), form, "Content-Type", ctype); r.status != http.StatusSeeOther {
		t.Fatalf("portal upload: %d %s", r.status, r.text(`[data-testid="error-photo"]`))
	}
	if n := b.get(edit).find(`[data-testid="listing-photos"] li`).Length(); n != models.MaxPhotos {
		t.Fatalf("after delete and upload: %d photos", n)
	}
}

func TestOrderPageShowsShippingAndPhoto(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	l, err := e.Orders.CreateListing(e.Ctx, e.Seller.Actor(), models.ListingInput{Title: "牡丹花茶 Peony tea", Price: "50.00", Stock: "3",
		Category: "food", ShippingFee: "8.00"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.AddPhoto(e.Ctx, e.Seller.Actor(), l.ID, pngPhoto(t, 70)); err != nil {
		t.Fatal(err)
	}
	o := e.Checkout(e.Buyer, l, 2)
	b := (&env{t: t, ts: e.ts}).browser()
	b.login(e.Buyer.Login, ptest.Password)
	p := b.get(fmt.Sprintf("/orders/%d", o.ID))
	if p.text(`[data-testid="order-goods"]`) != "¥100.00" || p.text(`[data-testid="order-shipping"]`) != "¥8.00" ||
		p.text(`[data-testid="order-total"]`) != "¥108.00" || p.find(`img[data-testid="order-photo"]`).Length() != 1 {
		t.Fatalf("order page: goods %q shipping %q total %q", p.text(`[data-testid="order-goods"]`), p.text(`[data-testid="order-shipping"]`),
			p.text(`[data-testid="order-total"]`))
	}
	if got := p.text(`[data-testid="pay-amount"]`); got != "" && got != "¥108.00" {
		t.Fatalf("the amount to pay is %q, want the total", got)
	}
}

func TestListingsByCategory(t *testing.T) {
	t.Parallel()
	e := newTradeEnv(t)
	food, err := e.Orders.CreateListing(e.Ctx, e.Seller.Actor(), models.ListingInput{Title: "牡丹花茶", Price: "20.00", Stock: "1", Category: "food"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.CreateListing(e.Ctx, e.Seller.Actor(), models.ListingInput{Title: "牡丹画", Price: "200.00", Stock: "1", Category: "crafts"}); err != nil {
		t.Fatal(err)
	}
	code, body, _ := e.api(t, "GET", "/api/v1/listings?category=food", "", "", nil)
	list, _ := body["listings"].([]any)
	if code != 200 || len(list) != 1 || list[0].(map[string]any)["id"] != float64(food.ID) || list[0].(map[string]any)["category"] != "food" {
		t.Fatalf("food listings: %d %v", code, body)
	}
	if code, _, _ := e.api(t, "GET", "/api/v1/listings?category=weapons", "", "", nil); code != 422 {
		t.Fatalf("an unknown category: %d", code)
	}
	b := (&env{t: t, ts: e.ts}).browser()
	p := b.get("/listings?category=crafts")
	if n := p.find(`[data-testid="listings"] a.card`).Length(); n != 1 || p.find(`[data-testid="category"] option[selected]`).AttrOr("value", "") != "crafts" {
		t.Fatalf("the shop filtered by crafts: %d cards", n)
	}
}
