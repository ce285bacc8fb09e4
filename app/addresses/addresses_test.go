package addresses_test

import (
	"fmt"
	"sync"
	"testing"

	"lineescrow/app/platform/ptest"
	"lineescrow/models"
)

func heze(detail string) models.AddressInput {
	return models.AddressInput{Recipient: "张伟", Phone: "138 0013 8000", ProvinceCode: "37", CityCode: "3717", DistrictCode: "371702", Detail: detail}
}

func TestAddressBook(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	buyer := e.Buyer.Actor()
	first, err := e.Addresses.Add(e.Ctx, buyer, heze("中华路 88 号"))
	if err != nil {
		t.Fatal(err)
	}
	if !first.IsDefault || first.Province != "山东省" || first.City != "菏泽市" || first.District != "牡丹区" || first.Phone != "13800138000" {
		t.Fatalf("first address: %+v", first)
	}
	if got := first.Full(); got != "山东省 菏泽市 牡丹区 中华路 88 号" {
		t.Errorf("full address %q", got)
	}
	in := models.AddressInput{Recipient: "李娜", Phone: "13900139000", ProvinceCode: "11", CityCode: "1101", DistrictCode: "110105", Detail: "建国路 1 号"}
	second, err := e.Addresses.Add(e.Ctx, buyer, in)
	if err != nil || second.IsDefault {
		t.Fatalf("second address: %+v %v", second, err)
	}
	if got := second.Full(); got != "北京市 朝阳区 建国路 1 号" {
		t.Errorf("a municipality's address %q", got)
	}
	list, err := e.Addresses.List(e.Ctx, buyer)
	if err != nil || len(list) != 2 || list[0].ID != first.ID {
		t.Fatalf("list: %v %v", list, err)
	}
	// Edit, then make it the default: one default.
	in.Detail, in.Default = "建国路 2 号", true
	if _, err := e.Addresses.Update(e.Ctx, buyer, second.ID, in); err != nil {
		t.Fatal(err)
	}
	if n := e.Count("SELECT count(*) FROM addresses WHERE buyer_id = ? AND is_default", e.Buyer.ID); n != 1 {
		t.Fatalf("%d defaults", n)
	}
	if got, _ := e.Addresses.Get(e.Ctx, nil, buyer, second.ID); !got.IsDefault || got.Detail != "建国路 2 号" {
		t.Fatalf("after the update: %+v", got)
	}
	if _, err := e.Addresses.SetDefault(e.Ctx, buyer, first.ID); err != nil {
		t.Fatal(err)
	}
	// Deleting the default makes the other one the default.
	if err := e.Addresses.Delete(e.Ctx, buyer, first.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.Addresses.Get(e.Ctx, nil, buyer, second.ID); !got.IsDefault {
		t.Fatal("no default after deleting the default")
	}
	if _, err := e.Addresses.Get(e.Ctx, nil, buyer, first.ID); models.ErrorCode(err) != models.ENOTFOUND {
		t.Fatalf("deleted address: %v", err)
	}
	// Bad input: every field's problem, nothing saved.
	_, err = e.Addresses.Add(e.Ctx, buyer, models.AddressInput{Recipient: "", Phone: "0530-5551234", ProvinceCode: "37", CityCode: "1101", Detail: ""})
	fields := map[string]bool{}
	for _, f := range models.AsError(err).Fields {
		fields[f.Field] = true
	}
	for _, f := range []string{"recipient", "phone", "city", "detail"} {
		if !fields[f] {
			t.Errorf("no error on %s: %v", f, err)
		}
	}
	if n := e.Count("SELECT count(*) FROM addresses WHERE buyer_id = ?", e.Buyer.ID); n != 1 {
		t.Fatalf("%d addresses after a refusal, want 1", n)
	}
	// Only buyers have an address book.
	if _, err := e.Addresses.Add(e.Ctx, e.Seller.Actor(), heze("中华路 88 号")); models.ErrorCode(err) != models.ENOTFOUND {
		t.Errorf("seller adds: %v", err)
	}
	if _, err := e.Addresses.List(e.Ctx, models.Anonymous); models.ErrorCode(err) != models.ENOTFOUND {
		t.Errorf("nobody lists: %v", err)
	}
}

// Another buyer's address is not found, whatever is asked of it, and stays
// as it was.
func TestSomeoneElsesAddressIsNotFound(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	mine, err := e.Addresses.Add(e.Ctx, e.Buyer.Actor(), heze("中华路 88 号"))
	if err != nil {
		t.Fatal(err)
	}
	other := e.Buyer2.Actor()
	if _, err := e.Addresses.Get(e.Ctx, nil, other, mine.ID); models.ErrorCode(err) != models.ENOTFOUND {
		t.Errorf("get: %v", err)
	}
	if _, err := e.Addresses.Update(e.Ctx, other, mine.ID, heze("别的路 1 号")); models.ErrorCode(err) != models.ENOTFOUND {
		t.Errorf("update: %v", err)
	}
	if _, err := e.Addresses.Update(e.Ctx, other, mine.ID, models.AddressInput{}); models.ErrorCode(err) != models.ENOTFOUND {
		t.Errorf("update with bad input: %v (must not tell the address exists)", err)
	}
	if _, err := e.Addresses.SetDefault(e.Ctx, other, mine.ID); models.ErrorCode(err) != models.ENOTFOUND {
		t.Errorf("set default: %v", err)
	}
	if err := e.Addresses.Delete(e.Ctx, other, mine.ID); models.ErrorCode(err) != models.ENOTFOUND {
		t.Errorf("delete: %v", err)
	}
	if got, err := e.Addresses.Get(e.Ctx, nil, e.Buyer.Actor(), mine.ID); err != nil || got.Detail != "中华路 88 号" || !got.IsDefault {
		t.Errorf("the owner's address changed: %+v %v", got, err)
	}
	// Nor can a checkout use it.
	l := e.Listing("10.00", 5)
	if _, err := e.Orders.Checkout(e.Ctx, other, models.Checkout{ListingID: l.ID, Quantity: 1, AddressID: mine.ID}); models.ErrorCode(err) != models.ENOTFOUND {
		t.Errorf("checkout with another's address: %v", err)
	}
}

// Concurrent changes of one book leave exactly one default: adds racing to
// be the first, and set-defaults racing each other.
func TestOneDefaultUnderConcurrency(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	buyer := e.Buyer.Actor()
	const n = 8
	ids := make([]int64, n)
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			in := heze(fmt.Sprintf("中华路 %d 号", i+1))
			in.Default = i%2 == 0
			a, err := e.Addresses.Add(e.Ctx, buyer, in)
			if err != nil {
				errs <- err
				return
			}
			ids[i] = a.ID
		}(i)
	}
	wg.Wait()
	if n := e.Count("SELECT count(*) FROM addresses WHERE buyer_id = ? AND is_default", e.Buyer.ID); n != 1 {
		t.Fatalf("%d defaults after concurrent adds", n)
	}
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(id int64) {
			defer wg.Done()
			if _, err := e.Addresses.SetDefault(e.Ctx, buyer, id); err != nil {
				errs <- err
			}
		}(ids[i])
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := e.Count("SELECT count(*) FROM addresses WHERE buyer_id = ? AND is_default", e.Buyer.ID); n != 1 {
		t.Fatalf("%d defaults after concurrent set-defaults", n)
	}
	if n := e.Count("SELECT count(*) FROM addresses WHERE buyer_id = ?", e.Buyer.ID); n != 8 {
		t.Fatalf("%d addresses, want 8", n)
	}
}

// A checkout from a saved address keeps a copy: editing or deleting the
// address later leaves the order as it was.
func TestCheckoutKeepsACopyOfTheAddress(t *testing.T) {
	t.Parallel()
	e := ptest.New(t)
	buyer := e.Buyer.Actor()
	a, err := e.Addresses.Add(e.Ctx, buyer, heze("中华路 88 号"))
	if err != nil {
		t.Fatal(err)
	}
	l := e.Listing("10.00", 5)
	o, err := e.Orders.Checkout(e.Ctx, buyer, models.Checkout{ListingID: l.ID, Quantity: 1, AddressID: a.ID, ConsigneeName: "ignored"})
	if err != nil {
		t.Fatal(err)
	}
	if o.ConsigneeName != "张伟" || o.ConsigneePhone != "13800138000" || o.ConsigneeAddress != "山东省 菏泽市 牡丹区 中华路 88 号" {
		t.Fatalf("consignee: %q %q %q", o.ConsigneeName, o.ConsigneePhone, o.ConsigneeAddress)
	}
	if _, err := e.Addresses.Update(e.Ctx, buyer, a.ID, heze("人民路 1 号")); err != nil {
		t.Fatal(err)
	}
	if err := e.Addresses.Delete(e.Ctx, buyer, a.ID); err != nil {
		t.Fatal(err)
	}
	if got := e.Order(o.ID); got.ConsigneeAddress != "山东省 菏泽市 牡丹区 中华路 88 号" {
		t.Fatalf("the order's address changed: %q", got.ConsigneeAddress)
	}
}
