package shopsim

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
)

// Handler serves the shop under cfg.Prefix:
//
//	GET  /                   the products, and the orders with what the shop learnt
//	POST /checkout           product (and optional consignee): trade.create, then 303 to the cashier
//	GET  /return             the customer back from the cashier: trade.query, then the order
//	POST /notify             the platform's notifications: verified, answered "success"
//	POST /orders/query       out_trade_no: trade.query
//	POST /orders/ship        out_trade_no, carrier, tracking_no: trade.ship
//	POST /orders/refund      out_trade_no, amount: trade.refund
//	POST /switches           fail_next: answer the next notifications 500
//	GET  /key.pem            the shop's public key, to upload on the seller portal
//	GET  /shop.css
func (s *Shop) Handler() http.Handler {
	mux := http.NewServeMux()
	p := s.cfg.Prefix
	mux.HandleFunc("GET "+p+"/{$}", s.home)
	mux.HandleFunc("POST "+p+"/checkout", s.checkout)
	mux.HandleFunc("GET "+p+"/return", s.back)
	mux.HandleFunc("POST "+p+"/notify", s.notify)
	mux.HandleFunc("POST "+p+"/orders/{action}", s.orderAction)
	mux.HandleFunc("POST "+p+"/switches", s.switches)
	mux.HandleFunc("GET "+p+"/key.pem", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-pem-file")
		_, _ = w.Write([]byte(s.PublicKey()))
	})
	mux.HandleFunc("GET "+p+"/shop.css", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		_, _ = w.Write([]byte(css))
	})
	return mux
}

type pageVM struct {
	Prefix   string
	Products []Product
	Orders   []Order
	Focus    string // the order just returned to
	Message  string
	Problem  string
}

func (s *Shop) render(w http.ResponseWriter, status int, vm pageVM) {
	vm.Prefix, vm.Products, vm.Orders = s.cfg.Prefix, Products, s.Orders()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := page.Execute(w, vm); err != nil {
		s.cfg.Log.Error("shopsim page", "err", err)
	}
}

func (s *Shop) home(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, pageVM{Focus: r.URL.Query().Get("order"), Message: r.URL.Query().Get("msg")})
}

func (s *Shop) checkout(w http.ResponseWriter, r *http.Request) {
	o, err := s.Checkout(r.Context(), r.PostFormValue("product"), Consignee{Name: r.PostFormValue("consignee_name"),
		Phone: r.PostFormValue("consignee_phone"), Address: r.PostFormValue("consignee_address")})
	if err != nil {
		s.render(w, http.StatusBadGateway, pageVM{Problem: problem(err)})
		return
	}
	http.Redirect(w, r, o.CashierURL, http.StatusSeeOther)
}

// back is the return handler: whatever the query says about the payment,
// only trade.query's answer counts.
func (s *Shop) back(w http.ResponseWriter, r *http.Request) {
	params := map[string]string{}
	for k, vs := range r.URL.Query() {
		params[k] = vs[0]
	}
	o, err := s.Return(r.Context(), params)
	if err != nil {
		s.render(w, http.StatusBadRequest, pageVM{Problem: problem(err)})
		return
	}
	s.render(w, http.StatusOK, pageVM{Focus: o.OutTradeNo})
}

func (s *Shop) notify(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	params := map[string]string{}
	for k, vs := range r.PostForm {
		params[k] = vs[0]
	}
	status, body := s.Notify(params)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func (s *Shop) orderAction(w http.ResponseWriter, r *http.Request) {
	out := r.PostFormValue("out_trade_no")
	var err error
	switch r.PathValue("action") {
	case "query":
		_, err = s.Query(r.Context(), out)
	case "ship":
		_, err = s.Ship(r.Context(), out, r.PostFormValue("carrier"), r.PostFormValue("tracking_no"))
	case "refund":
		_, err = s.Refund(r.Context(), out, r.PostFormValue("amount"), r.PostFormValue("reason"))
	default:
		http.NotFound(w, r)
		return
	}
	if err != nil {
		s.render(w, http.StatusBadGateway, pageVM{Focus: out, Problem: problem(err)})
		return
	}
	http.Redirect(w, r, s.cfg.Prefix+"/?order="+url.QueryEscape(out), http.StatusSeeOther)
}

func (s *Shop) switches(w http.ResponseWriter, r *http.Request) {
	n, _ := strconv.Atoi(r.PostFormValue("fail_next"))
	s.FailNextNotifications(max(0, min(n, 8)))
	http.Redirect(w, r, s.cfg.Prefix+"/?msg="+url.QueryEscape("The next "+strconv.Itoa(max(0, min(n, 8)))+" notifications will be answered 500."), http.StatusSeeOther)
}

func problem(err error) string {
	var ge *GatewayError
	if errors.As(err, &ge) {
		return "LineEscrow refused: " + ge.Code + " — " + ge.Msg
	}
	return err.Error()
}

var page = template.Must(template.New("shop").Funcs(template.FuncMap{
	"paid": func(o Order) bool { return o.Paid() },
	"when": func(o Learnt) string { return o.At.In(beijing).Format("01-02 15:04:05") },
}).Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>牡丹小铺 · Peony Corner</title><link rel="stylesheet" href="{{.Prefix}}/shop.css"></head>
<body>
<header><h1>牡丹小铺 <small>Peony Corner</small></h1><p>A demo shop that takes its payments through LineEscrow's gateway.</p></header>
{{with .Problem}}<p class="problem" data-testid="shop-problem">{{.}}</p>{{end}}
{{with .Message}}<p class="message">{{.}}</p>{{end}}
<section><h2>商品 Products</h2>
<form method="post" action="{{.Prefix}}/checkout" data-testid="shop-checkout">
{{range .Products}}<label class="product"><input type="radio" name="product" value="{{.ID}}" required> {{.Name}} <b>¥{{.Price}}</b></label>{{end}}
<details><summary>Delivery address (optional: otherwise you give it at the cashier)</summary>
<label>Name <input name="consignee_name" autocomplete="name"></label>
<label>Phone <input name="consignee_phone" autocomplete="tel"></label>
<label>Address <input name="consignee_address" autocomplete="street-address"></label></details>
<button data-testid="shop-buy">Pay with LineEscrow 固话宝</button>
</form></section>
<section><h2>订单 Orders <small>what the shop learnt, and how</small></h2>
{{if not .Orders}}<p>No orders yet.</p>{{end}}
{{range .Orders}}<article class="order{{if eq .OutTradeNo $.Focus}} focus{{end}}" data-testid="shop-order" data-out-trade-no="{{.OutTradeNo}}">
<h3>{{.OutTradeNo}} · {{.Product.Name}} · ¥{{.Product.Price}}</h3>
<p>Status: <b data-testid="shop-order-status">{{.Status}}</b> {{with .EscrowState}}({{.}}){{end}}
{{if paid .}}<span class="paid" data-testid="shop-order-paid">paid — confirmed by LineEscrow</span>{{end}}
{{with .Refunded}}{{if ne . "0.00"}} · refunded ¥{{.}}{{end}}{{end}}
{{if .TrackingNo}} · shipped by {{.Carrier}}, {{.TrackingNo}}{{end}}</p>
<ol class="log">{{range .Log}}<li>{{when .}} <b>{{.Source}}</b> {{.Status}} {{.Note}}</li>{{end}}</ol>
<div class="actions">
{{if eq .Status "WAIT_BUYER_PAY"}}<a href="{{.CashierURL}}">Go to the cashier</a>{{end}}
<form method="post" action="{{$.Prefix}}/orders/query"><input type="hidden" name="out_trade_no" value="{{.OutTradeNo}}"><button>Ask LineEscrow (trade.query)</button></form>
{{if eq .Status "TRADE_SUCCESS"}}<form method="post" action="{{$.Prefix}}/orders/ship" data-testid="shop-ship"><input type="hidden" name="out_trade_no" value="{{.OutTradeNo}}">
<input name="carrier" value="SF Express" aria-label="Carrier"><input name="tracking_no" value="{{.SampleTracking}}" aria-label="Tracking number" pattern="[A-Za-z0-9-]{6,40}"><button>Ship (trade.ship)</button></form>{{end}}
{{if or (eq .Status "TRADE_SUCCESS") (eq .Status "WAIT_BUYER_CONFIRM_GOODS")}}<form method="post" action="{{$.Prefix}}/orders/refund"><input type="hidden" name="out_trade_no" value="{{.OutTradeNo}}">
<input name="amount" value="{{.Product.Price}}" aria-label="Amount"><input name="reason" value="out of stock" aria-label="Reason"><button>Refund (trade.refund)</button></form>{{end}}
</div></article>{{end}}
</section>
<section><h2>Integration</h2>
<form method="post" action="{{.Prefix}}/switches"><label>Answer the next <input name="fail_next" type="number" min="0" max="8" value="1"> notifications with HTTP 500</label> <button>Set</button></form>
<p><a href="{{.Prefix}}/key.pem">The shop's public key</a> (upload it on LineEscrow's seller portal).</p>
</section>
</body></html>`))

const css = `body{font-family:system-ui,sans-serif;max-width:44rem;margin:0 auto;padding:1rem;color:#222}
header h1{color:#a3124f;margin-bottom:0}small{color:#666;font-weight:normal}
.product{display:block;margin:.4rem 0}label{display:block;margin:.3rem 0}input{font:inherit}
button{font:inherit;padding:.4rem .8rem;margin:.3rem 0;background:#a3124f;color:#fff;border:0;border-radius:4px}
.order{border:1px solid #ddd;border-radius:6px;padding:.6rem;margin:.6rem 0}.order.focus{border-color:#a3124f}
.paid{color:#0a7d32;font-weight:bold}.problem{background:#fde8e8;padding:.5rem}.message{background:#e8f4fd;padding:.5rem}
.log{font-size:.85rem;color:#444}.actions form{display:inline-block;margin-right:.5rem}`
