package orders_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"

	"lineescrow/app/orders"
	"lineescrow/app/platform/ptest"
	"lineescrow/models"
)

// pngOf is a small PNG of one colour (each shade a different photo).
func pngOf(t *testing.T, shade uint8) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = shade
	}
	img.Set(0, 0, color.NRGBA{255, 0, 0, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func photoIDs(l *models.Listing) []int64 {
	var ids []int64
	for i, p := range l.Photos {
		if p.Position != i {
			return nil
		}
		ids = append(ids, p.ID)
	}
	return ids
}

func TestListingPhotosUpToSixInOrder(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	l := e.Listing("20.00", 3)
	seller := e.Seller.Actor()
	var got *models.Listing
	for i := range models.MaxPhotos {
		var err error
		if got, err = e.Orders.AddPhoto(e.Ctx, seller, l.ID, pngOf(t, uint8(40*i))); err != nil {
			t.Fatalf("photo %d: %v", i+1, err)
		}
	}
	ids := photoIDs(got)
	if len(ids) != models.MaxPhotos || got.CoverURL != got.Photos[0].ThumbURL {
		t.Fatalf("photos %+v, cover %q", got.Photos, got.CoverURL)
	}
	if _, err := e.Orders.AddPhoto(e.Ctx, seller, l.ID, pngOf(t, 250)); models.ErrorField(err) != "photo" {
		t.Fatalf("a seventh photo: %v", err)
	}
	other := e.User("13700137001", models.RoleSeller, "Other seller")
	if _, err := e.Orders.AddPhoto(e.Ctx, other.Actor(), l.ID, pngOf(t, 1)); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("another seller adds a photo: %v", err)
	}
	if _, err := e.Orders.DeletePhoto(e.Ctx, other.Actor(), l.ID, ids[0]); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("another seller deletes a photo: %v", err)
	}

	got, err := e.Orders.MovePhoto(e.Ctx, seller, l.ID, ids[3], "first")
	if err != nil {
		t.Fatal(err)
	}
	want := []int64{ids[3], ids[0], ids[1], ids[2], ids[4], ids[5]}
	if g := photoIDs(got); !equal(g, want) {
		t.Fatalf("after moving the fourth first: %v, want %v", g, want)
	}
	if got, err = e.Orders.MovePhoto(e.Ctx, seller, l.ID, ids[5], "later"); err != nil || !equal(photoIDs(got), want) {
		t.Fatalf("moving the last later changed the order: %v %v", photoIDs(got), err)
	}
	if got, err = e.Orders.MovePhoto(e.Ctx, seller, l.ID, ids[1], "earlier"); err != nil {
		t.Fatal(err)
	}
	want = []int64{ids[3], ids[1], ids[0], ids[2], ids[4], ids[5]}
	if g := photoIDs(got); !equal(g, want) {
		t.Fatalf("after moving one earlier: %v, want %v", g, want)
	}

	if got, err = e.Orders.DeletePhoto(e.Ctx, seller, l.ID, ids[3]); err != nil {
		t.Fatal(err)
	}
	want = []int64{ids[1], ids[0], ids[2], ids[4], ids[5]}
	if g := photoIDs(got); !equal(g, want) {
		t.Fatalf("after deleting the cover: %v, want %v (positions without gaps)", g, want)
	}
	if _, err := e.Orders.AddPhoto(e.Ctx, seller, l.ID, pngOf(t, 250)); err != nil {
		t.Fatalf("a sixth photo after deleting one: %v", err)
	}
	if _, err := e.Orders.AddPhoto(e.Ctx, seller, l.ID, pngOf(t, 7)); models.ErrorField(err) != "photo" {
		t.Fatalf("the seventh again: %v", err)
	}
	// The photo's bytes are served by their hash: the JPEG of the thumbnail.
	data, err := e.Orders.PhotoBytes(e.Ctx, got.Photos[0].Hash, models.PhotoThumb)
	if err != nil || !bytes.HasPrefix(data, []byte{0xFF, 0xD8}) {
		t.Fatalf("thumb: %v", err)
	}
	if _, err := e.Orders.PhotoBytes(e.Ctx, got.Photos[0].Hash, "huge"); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("an unknown size: %v", err)
	}
	list, err := e.Orders.Listings(e.Ctx, models.Actor{}, orders.ListingQuery{})
	if err != nil || len(list) != 1 || list[0].CoverURL != models.PhotoPath(got.Photos[0].Hash, models.PhotoThumb) {
		t.Fatalf("the card's cover: %+v %v", list, err)
	}
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestOrderTotalIncludesShipping(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	l, err := e.Orders.CreateListing(e.Ctx, e.Seller.Actor(), models.ListingInput{Title: "牡丹花茶 Peony tea", Price: "129.50", Stock: "5",
		Category: "food", ShippingFee: "12.00"})
	if err != nil {
		t.Fatal(err)
	}
	if l.Category != "food" || l.ShippingFee.String() != "12.00" {
		t.Fatalf("listing %+v", l)
	}
	o := e.Checkout(e.Buyer, l, 2)
	if o.Amount.String() != "271.00" || o.Shipping.String() != "12.00" || o.Goods().String() != "259.00" {
		t.Fatalf("amount %s, shipping %s, goods %s; want 271.00 = 259.00 + 12.00", o.Amount, o.Shipping, o.Goods())
	}
	payByWallet(t, e, o)
	if b := e.Balance(models.EscrowAccount(o.ID)); b != "271.00" {
		t.Fatalf("escrow holds %s, want the goods and the shipping", b)
	}
	if _, err := e.Orders.Ship(e.Ctx, e.Seller.Actor(), o.ID, "SF Express", "SF1234567890123"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Orders.Confirm(e.Ctx, e.Buyer.Actor(), o.ID, ptest.PIN); err != nil {
		t.Fatal(err)
	}
	got := e.Order(o.ID)
	if got.State != models.Completed || got.Released.String() != "271.00" {
		t.Fatalf("after confirm: released %s, fee %s", got.Released, got.Fee)
	}
	if b := e.Balance(models.EscrowAccount(o.ID)); b != "0.00" {
		t.Fatalf("escrow keeps %s", b)
	}

	for field, in := range map[string]models.ListingInput{
		"shipping_fee": {Title: "x", Price: "1.00", Stock: "1", ShippingFee: "-1.00"},
		"category":     {Title: "x", Price: "1.00", Stock: "1", Category: "weapons"},
	} {
		if _, err := e.Orders.CreateListing(e.Ctx, e.Seller.Actor(), in); models.ErrorField(err) != field {
			t.Errorf("%s: %v", field, err)
		}
	}
}
