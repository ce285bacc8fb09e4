package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"lineescrow/app/funding"
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
	Fee              models.Money  `json:"fee"`
	Funding          string        `json:"funding,omitempty"`
	PayReference     string        `json:"pay_reference"`
	RefundAmount     *models.Money `json:"refund_amount,omitempty"`
	RefundReason     string        `json:"refund_reason,omitempty"`
	RefuseReason     string        `json:"refuse_reason,omitempty"`
	Consignee        apiConsignee  `json:"consignee"`
	Carrier          string        `json:"carrier,omitempty"`
	TrackingNo       string        `json:"tracking_no,omitempty"`
	Deadline         *apiDeadline  `json:"deadline,omitempty"`
	ConfirmExtended  bool          `json:"confirm_extended"`
	CloseReason      string        `json:"close_reason,omitempty"`
	CreatedAt        time.Time     `json:"created_at"`
	PaidAt           *time.Time    `json:"paid_at,omitempty"`
	ShippedAt        *time.Time    `json:"shipped_at,omitempty"`
	CompletedAt      *time.Time    `json:"completed_at,omitempty"`
	ClosedAt         *time.Time    `json:"closed_at,omitempty"`
	AllowedActions   []string      `json:"allowed_actions"`
	Timeline         []apiEvent    `json:"timeline,omitempty"`
	Ledger           []apiMovement `json:"ledger,omitempty"`
	PaymentInstructs *apiPayInstr  `json:"payment_instructions,omitempty"`
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
	Account    string       `json:"account"`
	Direction  string       `json:"direction"`
	Amount     models.Money `json:"amount"`
}

func apiMovements(moves []models.Movement) []apiMovement {
	out := make([]apiMovement, 0, len(moves))
	for _, m := range moves {
		out = append(out, apiMovement{TransferID: m.TransferID, At: m.At, Kind: m.Kind, Account: m.Account, Direction: string(m.Direction), Amount: m.Amount})
	}
	return out
}

type apiPayInstr struct {
	Bank      string       `json:"bank"`
	Account   string       `json:"account"`
	Holder    string       `json:"holder"`
	Amount    models.Money `json:"amount"`
	Reference string       `json:"reference"`
}

// toAPIOrder is an order in the API; with its page, also its timeline and ledger.
func (s *Server) toAPIOrder(c echo.Context, o *models.Order, page *orders.OrderPage) (apiOrder, error) {
	a := apiOrder{ID: o.ID, State: string(o.State), RefundState: string(o.Refund), ListingID: o.ListingID, Title: o.Title,
		UnitPrice: o.UnitPrice, Quantity: o.Quantity, Amount: o.Amount, Held: o.Held, Released: o.Released, Refunded: o.Refunded,
		Fee: o.Fee, Funding: string(o.Funding), PayReference: o.PayReference, RefundReason: o.RefundReason, RefuseReason: o.RefuseReason,
		Consignee: apiConsignee{o.ConsigneeName, o.ConsigneePhone, o.ConsigneeAddress}, Carrier: o.Carrier, TrackingNo: o.TrackingNo,
		ConfirmExtended: o.ConfirmExtended, CloseReason: o.CloseReason, CreatedAt: o.CreatedAt, PaidAt: o.PaidAt,
		ShippedAt: o.ShippedAt, CompletedAt: o.CompletedAt, ClosedAt: o.ClosedAt, AllowedActions: []string{}}
	if o.Refund != models.RefundNone {
		ra := o.RefundAmount
		a.RefundAmount = &ra
	}
	if o.TimerKind != models.TimerNone && o.TimerAt != nil {
		a.Deadline = &apiDeadline{Kind: string(o.TimerKind), At: *o.TimerAt}
	}
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
	}
	return a, nil
}

func (s *Server) tradeAPI(api *echo.Group, anyone, buyer, seller, operator echo.MiddlewareFunc) {
	e := s.Echo
	e.GET("/api/openapi.json", s.openAPI)
	idem, idemRequired := s.idempotent(false), s.idempotent(true)

	api.GET("/listings", s.apiListings)
	api.GET("/listings/:id", s.apiListing)
	api.GET("/seller/listings", s.apiSellerListings, seller)
	api.POST("/seller/listings", s.apiCreateListing, seller, idem)
	api.PUT("/seller/listings/:id", s.apiUpdateListing, seller)
	api.POST("/seller/listings/:id/status", s.apiListingStatus, seller)

	api.POST("/orders", s.apiCheckout, buyer, idemRequired)
	api.GET("/orders", s.apiOrders, anyone)
	api.GET("/orders/:id", s.apiOrder, anyone)
	api.POST("/orders/:id/pay", s.apiOrderAct(s.apiPay), buyer, idemRequired)
	api.POST("/orders/:id/cancel", s.apiOrderAct(s.apiCancel), buyer, idem)
	api.POST("/orders/:id/confirm", s.apiOrderAct(s.apiConfirm), buyer, idemRequired)
	api.POST("/orders/:id/extend", s.apiOrderAct(s.apiExtend), buyer, idem)
	api.POST("/orders/:id/refund", s.apiOrderAct(s.apiRefund), buyer, idemRequired)
	api.POST("/orders/:id/refund/withdraw", s.apiOrderAct(s.apiWithdraw), buyer, idem)
	api.POST("/orders/:id/dispute", s.apiOrderAct(s.apiDispute), buyer, idem)
	api.POST("/orders/:id/ship", s.apiOrderAct(s.apiShip), seller, idem)
	api.POST("/orders/:id/refund/accept", s.apiOrderAct(s.apiAccept), seller, idemRequired)
	api.POST("/orders/:id/refund/refuse", s.apiOrderAct(s.apiRefuse), seller, idem)
	api.POST("/orders/:id/decide", s.apiOrderAct(s.apiDecide), operator, idemRequired)

	api.GET("/wallet", s.apiWallet, buyer)
	api.GET("/ops/suspense", s.apiSuspense, operator)
	api.POST("/ops/suspense/:txn/assign", s.apiAssign, operator, idemRequired)
	api.POST("/ops/suspense/:txn/return", s.apiReturn, operator, idem)
	api.GET("/ops/clawbacks", s.apiClawbacks, operator)
	api.POST("/ops/clawbacks/:id/recover", s.apiClawbackDecision(true), operator, idemRequired)
	api.POST("/ops/clawbacks/:id/write-off", s.apiClawbackDecision(false), operator, idemRequired)
}

func (s *Server) apiListings(c echo.Context) error {
	limit, _ := strconv.Atoi(c.QueryParam("limit"))
	offset, _ := strconv.Atoi(c.QueryParam("offset"))
	list, err := s.Orders.Listings(c.Request().Context(), viewerActor(c), orders.ListingQuery{Search: c.QueryParam("q"), Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	if list == nil {
		list = []models.Listing{}
	}
	return c.JSON(http.StatusOK, map[string]any{"listings": list})
}

func (s *Server) apiListing(c echo.Context) error {
	l, err := s.pathListing(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}

func (s *Server) apiSellerListings(c echo.Context) error {
	u := currentUser(c)
	list, err := s.Orders.Listings(c.Request().Context(), u.Actor(), orders.ListingQuery{SellerID: u.ID, Limit: 100})
	if err != nil {
		return err
	}
	if list == nil {
		list = []models.Listing{}
	}
	return c.JSON(http.StatusOK, map[string]any{"listings": list})
}

// apiListingBody is a listing in requests: price as a string, stock a number.
type apiListingBody struct {
	Title       string       `json:"title"`
	Description string       `json:"description"`
	Price       models.Money `json:"price"`
	Stock       int          `json:"stock"`
}

func (b apiListingBody) input() models.ListingInput {
	return models.ListingInput{Title: b.Title, Description: b.Description, Price: b.Price.String(), Stock: strconv.Itoa(b.Stock)}
}

func (s *Server) apiCreateListing(c echo.Context) error {
	var b apiListingBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	l, err := s.Orders.CreateListing(c.Request().Context(), actor(c), b.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, l)
}

func (s *Server) apiUpdateListing(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var b apiListingBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	l, err := s.Orders.UpdateListing(c.Request().Context(), actor(c), id, b.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}

func (s *Server) apiListingStatus(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var b struct {
		Status string `json:"status"`
	}
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	if err := s.Orders.SetListingStatus(c.Request().Context(), actor(c), id, b.Status); err != nil {
		return err
	}
	l, err := s.Orders.Listing(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}

func (s *Server) apiCheckout(c echo.Context) error {
	var b struct {
		ListingID int64        `json:"listing_id"`
		Quantity  int          `json:"quantity"`
		Consignee apiConsignee `json:"consignee"`
	}
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	o, err := s.Orders.Checkout(c.Request().Context(), actor(c), models.Checkout{ListingID: b.ListingID, Quantity: b.Quantity,
		ConsigneeName: b.Consignee.Name, ConsigneePhone: b.Consignee.Phone, ConsigneeAddress: b.Consignee.Address})
	if err != nil {
		return err
	}
	out, err := s.toAPIOrder(c, o, nil)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) apiOrders(c echo.Context) error {
	before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	limit, _ := strconv.Atoi(c.QueryParam("limit"))
	list, err := s.Orders.List(c.Request().Context(), actor(c), orders.Query{State: c.QueryParam("state"), Search: c.QueryParam("q"), BeforeID: before, Limit: limit})
	if err != nil {
		return err
	}
	out := make([]apiOrder, 0, len(list))
	for i := range list {
		a, err := s.toAPIOrder(c, &list[i], nil)
		if err != nil {
			return err
		}
		out = append(out, a)
	}
	return c.JSON(http.StatusOK, map[string]any{"orders": out})
}

func (s *Server) apiOrder(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := s.Orders.OrderPage(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	out, err := s.toAPIOrder(c, &p.Order, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// apiOrderAct wraps an order action: parse the body, act, answer with the order.
func (s *Server) apiOrderAct(act func(c echo.Context, id int64) (*models.Order, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		o, err := act(c, id)
		if err != nil {
			return err
		}
		out, err := s.toAPIOrder(c, o, nil)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	}
}

type pinBody struct {
	PayPassword string `json:"pay_password"`
}

// optionalJSON decodes a body when there is one.
func optionalJSON(c echo.Context, v any) error {
	if c.Request().ContentLength == 0 {
		return nil
	}
	return decodeJSON(c, v)
}

func (s *Server) apiPay(c echo.Context, id int64) (*models.Order, error) {
	var b pinBody
	if err := decodeJSON(c, &b); err != nil {
		return nil, err
	}
	return s.Orders.PayFromWallet(c.Request().Context(), actor(c), id, b.PayPassword)
}

func (s *Server) apiCancel(c echo.Context, id int64) (*models.Order, error) {
	return s.Orders.Cancel(c.Request().Context(), actor(c), id)
}

func (s *Server) apiConfirm(c echo.Context, id int64) (*models.Order, error) {
	var b pinBody
	if err := decodeJSON(c, &b); err != nil {
		return nil, err
	}
	return s.Orders.Confirm(c.Request().Context(), actor(c), id, b.PayPassword)
}

func (s *Server) apiExtend(c echo.Context, id int64) (*models.Order, error) {
	return s.Orders.ExtendConfirm(c.Request().Context(), actor(c), id)
}

func (s *Server) apiRefund(c echo.Context, id int64) (*models.Order, error) {
	var b struct {
		Amount models.Money `json:"amount"`
		Reason string       `json:"reason"`
	}
	if err := decodeJSON(c, &b); err != nil {
		return nil, err
	}
	if !b.Amount.IsPositive() {
		return nil, models.FieldError("amount", "The amount must be greater than zero.")
	}
	return s.Orders.RequestRefund(c.Request().Context(), actor(c), id, b.Amount, b.Reason)
}

func (s *Server) apiWithdraw(c echo.Context, id int64) (*models.Order, error) {
	return s.Orders.WithdrawRefund(c.Request().Context(), actor(c), id)
}

func (s *Server) apiDispute(c echo.Context, id int64) (*models.Order, error) {
	return s.Orders.Escalate(c.Request().Context(), actor(c), id)
}

func (s *Server) apiShip(c echo.Context, id int64) (*models.Order, error) {
	var b struct {
		Carrier    string `json:"carrier"`
		TrackingNo string `json:"tracking_no"`
	}
	if err := decodeJSON(c, &b); err != nil {
		return nil, err
	}
	return s.Orders.Ship(c.Request().Context(), actor(c), id, b.Carrier, b.TrackingNo)
}

func (s *Server) apiAccept(c echo.Context, id int64) (*models.Order, error) {
	var b pinBody
	if err := decodeJSON(c, &b); err != nil {
		return nil, err
	}
	return s.Orders.AcceptRefund(c.Request().Context(), actor(c), id, b.PayPassword)
}

func (s *Server) apiRefuse(c echo.Context, id int64) (*models.Order, error) {
	var b struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(c, &b); err != nil {
		return nil, err
	}
	return s.Orders.RefuseRefund(c.Request().Context(), actor(c), id, b.Reason)
}

func (s *Server) apiDecide(c echo.Context, id int64) (*models.Order, error) {
	var b struct {
		Decision    string        `json:"decision"`
		BuyerAmount *models.Money `json:"buyer_amount"`
		Reason      string        `json:"reason"`
	}
	if err := decodeJSON(c, &b); err != nil {
		return nil, err
	}
	amt := models.Zero
	if b.BuyerAmount != nil {
		amt = *b.BuyerAmount
	}
	return s.Orders.Decide(c.Request().Context(), actor(c), id, models.Decision(b.Decision), amt, b.Reason)
}

func (s *Server) apiWallet(c echo.Context) error {
	w, err := s.Funding.WalletOf(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	b := s.bankInfo()
	return c.JSON(http.StatusOK, map[string]any{"balance": w.Balance,
		"topup": apiPayInstr{Bank: b.Bank, Account: b.Account, Holder: b.Holder, Reference: w.Reference}, "history": apiMovements(w.Moves)})
}

func (s *Server) apiSuspense(c echo.Context) error {
	credits, err := s.Funding.Credits(c.Request().Context(), actor(c), true, 200)
	if err != nil {
		return err
	}
	if credits == nil {
		credits = []funding.Credit{}
	}
	return c.JSON(http.StatusOK, map[string]any{"credits": credits})
}

func (s *Server) apiAssign(c echo.Context) error {
	var b struct {
		OrderID int64  `json:"order_id"`
		UserID  int64  `json:"user_id"`
		Note    string `json:"note"`
	}
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	ctx, txn := c.Request().Context(), c.Param("txn")
	var err error
	switch {
	case b.OrderID > 0 && b.UserID == 0:
		err = s.Funding.AssignToOrder(ctx, actor(c), txn, b.OrderID, b.Note)
	case b.UserID > 0 && b.OrderID == 0:
		err = s.Funding.AssignToWallet(ctx, actor(c), txn, b.UserID, b.Note)
	default:
		err = models.Errorf(models.EINVALID, "Give either order_id or user_id.")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "assigned"})
}

func (s *Server) apiReturn(c echo.Context) error {
	var b struct {
		Note string `json:"note"`
	}
	if err := optionalJSON(c, &b); err != nil {
		return err
	}
	if err := s.Funding.MarkForReturn(c.Request().Context(), actor(c), c.Param("txn"), b.Note); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "return_requested"})
}
