package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"lineescrow/app/transfers"
	"lineescrow/models"
	"lineescrow/views"
)

// Transfers (app/transfers): the buyer's "Transfer" (the recipient's number
// and the amount, then their masked name and number beside the amount and
// the payment password), receipts for both sides, and their API twins.

type transferRequest struct {
	Number      string       `json:"number" required:"true" doc:"the recipient's mobile number, or the landline they bound, with its area code (spaces and dashes are ignored)"`
	Amount      models.Money `json:"amount" required:"true"`
	PayPassword string       `json:"pay_password" required:"true" format:"password" pattern:"^[0-9]{6}$" doc:"the sender's payment password"`
	RequestID   string       `json:"request_id" doc:"the portal form's key; the API uses the Idempotency-Key header instead"`
}

type transferCheckQuery struct {
	Number string `json:"number" required:"true" doc:"the recipient's mobile number or bound landline"`
	Amount string `json:"amount" required:"true" doc:"such as 50.00"`
}

// apiTransfer is a transfer as one of its sides sees it.
type apiTransfer struct {
	ID                 string       `json:"id"`
	Amount             models.Money `json:"amount"`
	Direction          string       `json:"direction" enum:"sent,received" doc:"as the caller sees it (operators: sent)"`
	CounterpartyName   string       `json:"counterparty_name" doc:"the other side's name, masked: 张*"`
	CounterpartyNumber string       `json:"counterparty_number" doc:"the other side's number, masked: 139****9000"`
	Channel            string       `json:"channel" enum:"web,hotline"`
	CreatedAt          time.Time    `json:"created_at"`
}

type transferCheckAnswer struct {
	Recipient transfers.Recipient `json:"recipient"`
	Amount    models.Money        `json:"amount"`
}

type transfersAnswer struct {
	Limits    transfers.Limits `json:"limits"`
	Transfers []apiTransfer    `json:"transfers" doc:"sent and received, newest first"`
}

func toAPITransfer(t *transfers.Transfer, viewer models.Actor) apiTransfer {
	side := transfers.SideOf(t, viewer)
	a := apiTransfer{ID: t.ID, Amount: t.Amount, Direction: "sent", CounterpartyName: side.CounterpartyName,
		CounterpartyNumber: side.CounterpartyNumber, Channel: t.Channel, CreatedAt: t.CreatedAt}
	if !side.Sent {
		a.Direction = "received"
	}
	return a
}

// transferRow is the view model of one transfer; it reads nothing but its
// arguments.
func transferRow(t *transfers.Transfer, viewer models.Actor) views.TransferRow {
	side := transfers.SideOf(t, viewer)
	return views.TransferRow{ID: t.ID, At: t.CreatedAt, Amount: t.Amount, Sent: side.Sent, Name: side.CounterpartyName,
		Number: side.CounterpartyNumber, Hotline: t.Channel == transfers.ChannelHotline, Href: "/transfers/" + t.ID}
}

func (s *Server) transferRoutes(b *echo.Group, api *echo.Group) {
	b.GET("/transfers", s.transfersPage)
	b.GET("/transfers/:id", s.transferReceipt)
	for _, a := range s.transferActions() {
		s.serve(a, api)
	}
	for _, r := range s.transferReads() {
		s.serveRead(r, api)
	}
}

// transfersPage is "Transfer": with no number and amount, their form; with
// them (its GET), the recipient's masked name and number beside the amount
// and the password.
func (s *Server) transfersPage(c echo.Context) error {
	f := views.FormFrom(formParams(c))
	number, amountText := c.QueryParam("number"), c.QueryParam("amount")
	if number == "" && amountText == "" || c.QueryParam("edit") != "" {
		return s.transfersWith(c, http.StatusOK, f, nil, models.Zero, "")
	}
	amount, r, err := s.checkTransfer(c, number, amountText)
	if err != nil {
		if e := fillForm(c, f, err); e != nil {
			return e
		}
		return s.transfersWith(c, statusFor(err), f, nil, models.Zero, "")
	}
	return s.transfersWith(c, http.StatusOK, f, r, amount, newRequestID())
}

// checkTransfer reads the amount as typed and checks the transfer: the
// amount's own problem first, the number's beside it.
func (s *Server) checkTransfer(c echo.Context, number, amountText string) (models.Money, *transfers.Recipient, error) {
	max := models.Zero
	if s.Config != nil {
		max = s.Config.MaxAmount
	}
	amount, aerr := models.ParseAmount(amountText, max)
	r, err := s.Transfers.Check(c.Request().Context(), actor(c), number, amount)
	if aerr != nil {
		err = models.Invalid(models.AsError(aerr), fieldProblem(err, "number"))
	}
	return amount, r, err
}

// fieldProblem is err's problem with field, or nil.
func fieldProblem(err error, field string) *models.Error {
	e := models.AsError(err)
	if e == nil {
		return nil
	}
	for _, p := range e.Fields {
		if p.Field == field {
			return p
		}
	}
	if e.Field == field {
		return e
	}
	return nil
}

func (s *Server) transfersWith(c echo.Context, status int, f *views.Form, r *transfers.Recipient, amount models.Money, key string) error {
	ctx := c.Request().Context()
	l, err := s.Transfers.LimitsFor(ctx, actor(c))
	if err != nil {
		return err
	}
	mine, err := s.Transfers.Mine(ctx, actor(c))
	if err != nil {
		return err
	}
	vm := views.TransfersVM{Form: f, Amount: amount, RequestID: key, MaxAmount: l.MaxAmount, Left: l.Left, Balance: l.Balance,
		NoPayPassword: !currentUser(c).HasPayPassword()}
	if r != nil {
		vm.Confirm, vm.Number, vm.NumberMasked, vm.NameMasked = true, r.Number, r.NumberMasked, r.NameMasked
	}
	for i := range mine {
		vm.Recent = append(vm.Recent, transferRow(&mine[i], actor(c)))
	}
	return render(c, status, views.TransfersPage(vm))
}

func (s *Server) transferReceipt(c echo.Context) error {
	t, err := s.Transfers.Get(c.Request().Context(), actor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.TransferReceiptPage(views.TransferReceiptVM{Row: transferRow(t, actor(c))}))
}

// transferAgain shows the form again: a problem with the number or the
// amount on the first step, any other (the password, the balance) on the
// confirm step, with the same request id.
func (s *Server) transferAgain(c echo.Context, req any, err error) error {
	r := req.(*transferRequest)
	f := views.FormFrom(formParams(c), "pay_password")
	if e := fillForm(c, f, err); e != nil {
		return e
	}
	if field := models.ErrorField(err); field == "number" || field == "amount" {
		return s.transfersWith(c, statusFor(err), f, nil, models.Zero, "")
	}
	rcp, rerr := s.Transfers.Recipient(c.Request().Context(), actor(c), r.Number)
	if rerr != nil {
		return s.transfersWith(c, statusFor(err), f, nil, models.Zero, "")
	}
	key := r.RequestID
	if key == "" {
		key = newRequestID()
	}
	return s.transfersWith(c, statusFor(err), f, rcp, r.Amount, key)
}

func (s *Server) transferActions() []action {
	return []action{
		typed(action{name: "transfer.send", summary: "Send money from the balance to another person's balance, found by their mobile or bound landline number (payment password)",
			tag: "transfers", page: "/transfers", api: "/transfers", roles: buyerRoles, keyed: true, status: http.StatusCreated,
			resp: apiTransfer{}, errs: []int{403, 409, 423},
			answer: func(c echo.Context, res any) (any, error) {
				return toAPITransfer(res.(*transfers.Transfer), actor(c)), nil
			},
			done: func(c echo.Context, res any) string {
				t := res.(*transfers.Transfer)
				return views.Tf(c.Request().Context(), "Sent %s to %s.", t.Amount.Display(), models.MaskName(t.RecipientName))
			},
			next: func(c echo.Context, res any) string {
				if t, ok := res.(*transfers.Transfer); ok {
					return "/transfers/" + t.ID
				}
				return "/transfers"
			},
			again: s.transferAgain,
		}, func(c echo.Context, r *transferRequest) (any, error) {
			key := c.Request().Header.Get("Idempotency-Key")
			if key == "" {
				key = r.RequestID
			} else {
				key = "api:" + key
			}
			return s.Transfers.Send(c.Request().Context(), actor(c), transfers.Request{Number: r.Number, Amount: r.Amount,
				PayPassword: r.PayPassword, IdemKey: key})
		}),
	}
}

func (s *Server) transferReads() []read {
	return []read{
		{name: "transfer.list", summary: "The buyer's transfers sent and received, newest first, with the limits and the balance as they stand",
			tag: "transfers", pages: []string{"/transfers"}, api: "/transfers", roles: buyerRoles, resp: transfersAnswer{},
			handler: func(c echo.Context) error {
				ctx := c.Request().Context()
				l, err := s.Transfers.LimitsFor(ctx, actor(c))
				if err != nil {
					return err
				}
				list, err := s.Transfers.Mine(ctx, actor(c))
				if err != nil {
					return err
				}
				out := transfersAnswer{Limits: l, Transfers: []apiTransfer{}}
				for i := range list {
					out.Transfers = append(out.Transfers, toAPITransfer(&list[i], actor(c)))
				}
				return c.JSON(http.StatusOK, out)
			}},
		{name: "transfer.check", summary: "Check a transfer before the payment password: the recipient's masked name and number, or why it cannot be sent",
			tag: "transfers", api: "/transfers/check", roles: buyerRoles, query: transferCheckQuery{}, resp: transferCheckAnswer{},
			handler: func(c echo.Context) error {
				var q transferCheckQuery
				if err := decodeQuery(c, &q); err != nil {
					return err
				}
				amount, r, err := s.checkTransfer(c, q.Number, q.Amount)
				if err != nil {
					return err
				}
				return c.JSON(http.StatusOK, transferCheckAnswer{Recipient: *r, Amount: amount})
			}},
		{name: "transfer.get", summary: "One transfer's receipt, to its sender, its recipient or an operator",
			tag: "transfers", pages: []string{"/transfers/:id"}, api: "/transfers/:id", roles: []models.Role{models.RoleBuyer, models.RoleOperator}, resp: apiTransfer{},
			handler: func(c echo.Context) error {
				t, err := s.Transfers.Get(c.Request().Context(), actor(c), c.Param("id"))
				if err != nil {
					return err
				}
				return c.JSON(http.StatusOK, toAPITransfer(t, actor(c)))
			}},
	}
}
