package web

import (
	"time"

	"github.com/labstack/echo/v4"

	"lineescrow/app/orders"
	"lineescrow/models"
)

// apiOrder is an order in the JSON API.
type apiOrder struct {
	ID               int64         `json:"id"`
	State            string        `json:"state"`
	RefundState      string        `json:"refund_state"`
	ListingID        int64         `json:"listing_id"`
	Title            string        `json:"title"`
	UnitPrice        models.Money  `json:"unit_price"`
	Quantity         int           `json:"quantity"`
	Amount           models.Money  `json:"amount"`
	Held             models.Money  `json:"held"`
	Released         models.Money  `json:"released"`
	Refunded         models.Money  `json:"refunded"`
	Fee              *models.Money `json:"fee,omitempty" doc:"the platform's commission on what was released (for the seller and operators; never shown to the buyer)"`
	Funding          string        `json:"funding,omitempty"`
	PayReference     string        `json:"pay_reference"`
	RefundAmount     *models.Money `json:"refund_amount,omitempty"`
	RefundReason     string        `json:"refund_reason,omitempty"`
	RefuseReason     string        `json:"refuse_reason,omitempty"`
	Consignee        apiConsignee  `json:"consignee"`
	Carrier          string        `json:"carrier,omitempty" doc:"the carrier's name (a listed carrier's English name)"`
	CarrierCode      string        `json:"carrier_code,omitempty" doc:"the carrier's code (as the ship action takes it), other, or absent for orders shipped before the list"`
	TrackingNo       string        `json:"tracking_no,omitempty"`
	TrackingURL      string        `json:"tracking_url,omitempty" doc:"the carrier's public tracking page for this number, for the carriers whose page takes it"`
	Deadline         *apiDeadline  `json:"deadline,omitempty"`
	ConfirmExtended  bool          `json:"confirm_extended"`
	CloseReason      string        `json:"close_reason,omitempty"`
	CreatedAt        time.Time     `json:"created_at"`
	PaidAt           *time.Time    `json:"paid_at,omitempty"`
	ShippedAt        *time.Time    `json:"shipped_at,omitempty"`
	CompletedAt      *time.Time    `json:"completed_at,omitempty"`
	ClosedAt         *time.Time    `json:"closed_at,omitempty"`
	AllowedActions   []string      `json:"allowed_actions"`
	NextStep         string        `json:"next_step" doc:"what the caller has to do next: pay, ship, confirm, answer_refund, decide, or empty when the order waits for someone else"`
	Timeline         []apiEvent    `json:"timeline,omitempty"`
	Ledger           []apiMovement `json:"ledger,omitempty"`
	PaymentInstructs *apiPayInstr  `json:"payment_instructions,omitempty"`
	// Money is where the order's money is, in codes the portals write in
	// words (the order page's "Where the money is").
	Money apiOrderMoney `json:"money"`
	// Charge is the order's fixed-line charge (with the order's page only).
	Charge *apiOrderCharge `json:"charge,omitempty" doc:"the order's fixed-line charge, when it was paid (or is being paid) by one"`
}

// apiOrderMoney is where an order's money is: the buyer's side for the
// buyer and operators, the seller's proceeds for the seller and operators.
type apiOrderMoney struct {
	Buyer  []models.MoneyLine `json:"buyer,omitempty" doc:"where the buyer's money is, one line per place (the buyer and operators)"`
	Seller *models.Proceeds   `json:"seller,omitempty" doc:"gross, commission and net, and where the net is (the seller and operators; with a single order only)"`
}

type apiConsignee struct {
	Name    string `json:"name"`
	Phone   string `json:"phone"`
	Address string `json:"address"`
}

type apiDeadline struct {
	Kind string    `json:"kind"`
	At   time.Time `json:"at"`
}

type apiEvent struct {
	At        time.Time `json:"at"`
	Kind      string    `json:"kind"`
	ActorRole string    `json:"actor_role"`
	Detail    any       `json:"detail"`
}

type apiMovement struct {
	TransferID int64        `json:"transfer_id"`
	At         time.Time    `json:"at"`
	Kind       string       `json:"kind"`
	Ref        string       `json:"ref" doc:"what the transfer belongs to: order:N, payout:ID, bank:TXN (a bank transaction), user:N"`
	Account    string       `json:"account"`
	Direction  string       `json:"direction"`
	Amount     models.Money `json:"amount"`
}

func apiMovements(moves []models.Movement) []apiMovement {
	out := make([]apiMovement, 0, len(moves))
	for _, m := range moves {
		out = append(out, apiMovement{TransferID: m.TransferID, At: m.At, Kind: m.Kind, Ref: m.Ref, Account: m.Account, Direction: string(m.Direction), Amount: m.Amount})
	}
	return out
}

type apiPayInstr struct {
	Bank      string       `json:"bank"`
	Account   string       `json:"account"`
	Holder    string       `json:"holder"`
	Amount    models.Money `json:"amount" doc:"what to transfer: the order's amount, or (with the order's page, for its buyer) only what is still missing after earlier short transfers for it"`
	Reference string       `json:"reference"`
}

// toAPIOrder is an order in the API; with its page, also its timeline and ledger.
func (s *Server) toAPIOrder(c echo.Context, o *models.Order, page *orders.OrderPage) apiOrder {
	a := apiOrder{ID: o.ID, State: string(o.State), RefundState: string(o.Refund), ListingID: o.ListingID, Title: o.Title,
		UnitPrice: o.UnitPrice, Quantity: o.Quantity, Amount: o.Amount, Held: o.Held, Released: o.Released, Refunded: o.Refunded,
		Funding: string(o.Funding), PayReference: o.PayReference, RefundReason: o.RefundReason, RefuseReason: o.RefuseReason,
		Consignee: apiConsignee{o.ConsigneeName, o.ConsigneePhone, o.ConsigneeAddress}, Carrier: o.Carrier, CarrierCode: o.CarrierCode, TrackingNo: o.TrackingNo, TrackingURL: o.TrackingLink(),
		ConfirmExtended: o.ConfirmExtended, CloseReason: o.CloseReason, CreatedAt: o.CreatedAt, PaidAt: o.PaidAt,
		ShippedAt: o.ShippedAt, CompletedAt: o.CompletedAt, ClosedAt: o.ClosedAt, AllowedActions: []string{}}
	if !actor(c).IsBuyer() {
		fee := o.Fee
		a.Fee = &fee
	}
	if page != nil {
		a.Money = apiOrderMoney{Buyer: page.Buyer, Seller: page.Proceeds}
	} else if !actor(c).IsSeller() {
		a.Money.Buyer = models.BuyerMoney(*o)
	}
	if o.Refund != models.RefundNone {
		ra := o.RefundAmount
		a.RefundAmount = &ra
	}
	if o.TimerKind != models.TimerNone && o.TimerAt != nil {
		a.Deadline = &apiDeadline{Kind: string(o.TimerKind), At: *o.TimerAt}
	}
	a.NextStep = string(o.NextStep(partyOf(actor(c).Role)))
	allowed := models.Allowed(*o, actor(c))
	for _, act := range models.AllActions {
		if allowed[act] {
			a.AllowedActions = append(a.AllowedActions, string(act))
		}
	}
	if o.State == models.AwaitingPayment {
		b := s.bankInfo()
		a.PaymentInstructs = &apiPayInstr{Bank: b.Bank, Account: b.Account, Holder: b.Holder, Amount: o.Amount, Reference: o.PayReference}
	}
	if page != nil {
		for _, e := range page.Events {
			var d any
			_ = jsonUnmarshal(e.Detail, &d)
			a.Timeline = append(a.Timeline, apiEvent{At: e.At, Kind: e.Kind, ActorRole: e.ActorRole, Detail: d})
		}
		a.Ledger = apiMovements(page.Moves)
		a.Charge = toAPIOrderCharge(page.Charge)
		if a.PaymentInstructs != nil && page.Missing.IsPositive() {
			a.PaymentInstructs.Amount = page.Missing
		}
	}
	return a
}

// A read is what a page shows, served to programs as its twin in the API:
// declared once, here, for the routes and the OpenAPI document. pages are
// the portal paths it is the twin of (the parity test holds every portal
// page to having one).
type read struct {
	name, summary, tag string
	pages              []string
	api                string
	roles              []models.Role // nil: public
	query              any           // a value of the query's type, decoded by decodeQuery
	resp               any
	handler            echo.HandlerFunc
}

// tradeReads are the API's reads of trades and queues.
func (s *Server) tradeReads() []read {
	return []read{
		{name: "listing.list", summary: "Browse and search listings", tag: "listings", pages: []string{"/", "/listings"}, api: "/listings",
			query: listingsQuery{}, resp: listingsAnswer{}, handler: s.apiListings},
		{name: "listing.get", summary: "One listing", tag: "listings", pages: []string{"/listings/:id"}, api: "/listings/:id",
			resp: models.Listing{}, handler: s.apiListing},
		{name: "listing.mine", summary: "The seller's own listings, withdrawn ones included", tag: "sellers",
			pages: []string{"/seller/listings"}, api: "/seller/listings", roles: sellerRoles, resp: listingsAnswer{}, handler: s.apiSellerListings},
		{name: "order.list", summary: "Orders the caller may see (a buyer's, a seller's, all for operators)", tag: "orders",
			pages: []string{"/orders", "/seller/orders", "/ops/orders", "/ops/disputes"}, api: "/orders", roles: anyRoles,
			query: ordersQuery{}, resp: ordersAnswer{}, handler: s.apiOrders},
		{name: "order.get", summary: "An order with its timeline and the ledger movements of its money the caller may see", tag: "orders",
			pages: []string{"/orders/:id", "/seller/orders/:id", "/ops/orders/:id"}, api: "/orders/:id", roles: anyRoles,
			resp: apiOrder{}, handler: s.apiOrder},
		{name: "wallet.get", summary: "Prepaid balance, top-up instructions and history", tag: "wallet", pages: []string{"/wallet"},
			api: "/wallet", roles: buyerRoles, resp: walletAnswer{}, handler: s.apiWallet},
		{name: "suspense.list", summary: "Unmatched transfers and those marked for return (operators)", tag: "operators",
			pages: []string{"/ops/suspense"}, api: "/ops/suspense", roles: operatorRoles, resp: creditsAnswer{}, handler: s.apiSuspense},
		{name: "clawback.list", summary: "Recalled payments people owe the platform (operators): unresolved ones, or all with all=true",
			tag: "operators", pages: []string{"/ops/clawbacks"}, api: "/ops/clawbacks", roles: operatorRoles, query: allQuery{},
			resp: clawbacksAnswer{}, handler: s.apiClawbacks},
	}
}
