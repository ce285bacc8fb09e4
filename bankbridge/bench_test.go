package bankbridge

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// BenchmarkVerify checks a transfer.received delivery the size the bank sends,
// with two signatures on it (a key rotation's grace), as every callback is.
//
//	go test ./bankbridge -run '^$' -bench Verify -benchmem
func BenchmarkVerify(b *testing.B) {
	key := []byte("0123456789abcdef0123456789abcdef")
	body := []byte(`{"id":"evt_1","type":"transfer.received","created_at":"2026-12-02T08:00:00Z","data":{"bank_txn_id":"TXN0001",` +
		`"amount":"259.00","currency":"CNY","payer_name":"张伟","payer_account":"6222020200112233445","memo":"` +
		strings.Repeat("付款 912345678 ", 4) + `"}}`)
	now := time.Unix(1_790_000_000, 0)
	h := http.Header{}
	SetHeaders(h, key, "evt_1", now, body)
	h.Set("webhook-signature", "v1,"+strings.Repeat("A", 43)+"= "+h.Get("webhook-signature"))
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for i := 0; i < b.N; i++ {
		if id, err := Verify(key, h, body, now); err != nil || id != "evt_1" {
			b.Fatal(id, err)
		}
	}
}
