package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"lineescrow/app/telecom"
	"lineescrow/models"
	"lineescrow/views"
)

// The operators' pages of fixed-line charging: the charges with what
// flagged them and the operator's settlements with their reconciliation
// (/ops/charges), and the advances to sellers within their caps
// (/ops/advances).

// telecomOpsPages are the operators' pages of fixed-line charging.
func (s *Server) telecomOpsPages(og *echo.Group) {
	og.GET("/charges", s.opsCharges)
	og.GET("/advances", s.opsAdvances)
}

// chargesQuery filters the operators' charges, on the page and in the API.
type chargesQuery struct {
	State   string `json:"state" enum:",requested,refused,accepted,void,billed,collected,overdue,written_off,cancelled,flagged" doc:"a charge state, or flagged"`
	Cycle   string `json:"cycle" doc:"a bill cycle, YYYY-MM"`
	OrderID int64  `json:"order_id" doc:"only this order's charges"`
}

// chargeAnswer is a charge as operators see it.
type chargeAnswer struct {
	ID             string               `json:"id"`
	OrderID        int64                `json:"order_id" doc:"0 when it pays an in-store payment"`
	InstoreID      string               `json:"instore_payment_id,omitempty" doc:"the in-store payment it pays, when not an order"`
	OrderTitle     string               `json:"order_title"`
	BuyerID        int64                `json:"buyer_id"`
	SellerID       int64                `json:"seller_id"`
	Phone          string               `json:"phone" doc:"masked: area code and the last four digits"`
	Amount         models.Money         `json:"amount"`
	State          string               `json:"state"`
	Waiting        string               `json:"waiting" enum:",operator,bill,payment,overdue" doc:"what it waits for now"`
	WorkOrderID    *string              `json:"work_order_id"`
	BillCycle      *string              `json:"bill_cycle"`
	DueAt          *time.Time           `json:"due_at"`
	DaysOverdue    int                  `json:"days_overdue"`
	LateFee        models.Money         `json:"late_fee"`
	Credited       models.Money         `json:"credited" doc:"refunded to the bill"`
	ToPending      models.Money         `json:"to_pending" doc:"the seller's proceeds put in pending"`
	Advanced       models.Money         `json:"advanced" doc:"of those, moved to available early"`
	Released       bool                 `json:"proceeds_released" doc:"the rest went to available: the operator is done with the charge"`
	HolderMismatch bool                 `json:"holder_mismatch" doc:"the consignee is not the line's holder"`
	Flagged        bool                 `json:"flagged" doc:"never advanced"`
	Links          []models.Link        `json:"links" doc:"what ties the seller to the line"`
	CreatedAt      time.Time            `json:"created_at"`
	Settled        *string              `json:"settled_cycle" doc:"the settlement that paid its collection over"`
	Attempts       int                  `json:"attempts"`
	LastError      string               `json:"last_error,omitempty"`
	OpenRefunds    []telecom.OpenRefund `json:"open_refunds" doc:"refunds not made yet at the phone company (a cancel or a bill credit)"`
}

type chargesAnswer struct {
	Charges     []chargeAnswer       `json:"charges"`
	Settlements []telecom.Settlement `json:"settlements" doc:"the cycles the operator settled, latest first"`
}

func chargeAnswers(cs []telecom.OpsCharge) []chargeAnswer {
	out := make([]chargeAnswer, 0, len(cs))
	for _, c := range cs {
		links := c.LinkList
		if links == nil {
			links = []models.Link{}
		}
		instoreID := ""
		if c.ForInstore() {
			instoreID = *c.InstorePaymentID
		}
		out = append(out, chargeAnswer{ID: c.ID, OrderID: c.OrderID, InstoreID: instoreID, OrderTitle: c.OrderTitle, BuyerID: c.BuyerID, SellerID: c.SellerID,
			Phone: models.MaskLandline(c.Phone), Amount: c.Amount, State: string(c.State), Waiting: c.Waiting, WorkOrderID: c.WorkOrderID,
			BillCycle: c.BillCycle, DueAt: c.DueAt, DaysOverdue: c.DaysOverdue, LateFee: c.LateFee, Credited: c.Credited,
			ToPending: c.ToPending, Advanced: c.Advanced, Released: c.ProceedsReleased, HolderMismatch: c.HolderMismatch,
			Flagged: c.Flagged, Links: links, CreatedAt: c.CreatedAt, Settled: c.SettledCycle, Attempts: c.Attempts, LastError: c.LastError,
			OpenRefunds: nonNil(c.Open)})
	}
	return out
}

// charges reads the charges page's data.
func (s *Server) charges(c echo.Context) ([]telecom.OpsCharge, []telecom.Settlement, chargesQuery, error) {
	var q chargesQuery
	if err := decodeQuery(c, &q); err != nil {
		return nil, nil, q, err
	}
	ctx := c.Request().Context()
	cs, err := s.Telecom.Charges(ctx, actor(c), telecom.ChargeQuery{State: q.State, Cycle: q.Cycle, OrderID: q.OrderID})
	if err != nil {
		return nil, nil, q, err
	}
	st, err := s.Telecom.Settlements(ctx, actor(c))
	return cs, st, q, err
}

func (s *Server) opsCharges(c echo.Context) error {
	cs, st, q, err := s.charges(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.OpsChargesPage(chargesVM(cs, st, q)))
}

func chargesVM(cs []telecom.OpsCharge, st []telecom.Settlement, q chargesQuery) views.OpsChargesVM {
	vm := views.OpsChargesVM{State: q.State, Cycle: q.Cycle, OrderID: q.OrderID}
	for _, c := range chargeAnswers(cs) {
		r := views.OpsChargeRow{ID: c.ID, OrderID: c.OrderID, InstoreID: c.InstoreID, Title: c.OrderTitle, Phone: c.Phone, Amount: c.Amount, State: c.State,
			Waiting: c.Waiting, DueAt: c.DueAt, LateFee: c.LateFee, Credited: c.Credited, Pending: c.ToPending.Sub(c.Advanced),
			Advanced: c.Advanced, HolderMismatch: c.HolderMismatch, Flagged: c.Flagged, CreatedAt: c.CreatedAt, LastError: c.LastError}
		if c.BillCycle != nil {
			r.Cycle = *c.BillCycle
		}
		for _, l := range c.Links {
			r.Links = append(r.Links, views.LinkLine{Kind: string(l.Kind), Detail: l.Detail})
		}
		for _, o := range c.OpenRefunds {
			r.Refunds = append(r.Refunds, views.OpenRefundRow{ID: o.ID, Amount: o.Amount, Method: o.Method, Attempts: o.Attempts,
				LastError: o.LastError, At: o.CreatedAt})
		}
		vm.Charges = append(vm.Charges, r)
	}
	for _, x := range st {
		vm.Settlements = append(vm.Settlements, views.SettlementRow{Cycle: x.Cycle, Reference: x.Reference, Announced: x.Announced,
			Received: x.Received, Total: x.TotalCollected, Commission: x.Commission, Status: x.ReconStatus, Lines: x.Lines,
			Matched: x.Matched, Breaks: x.Breaks, Error: x.ReconError})
	}
	return vm
}

type advancesAnswer struct {
	Total   models.Money             `json:"total" doc:"advanced on charges the operator has not collected yet"`
	Cap     models.Money             `json:"cap" doc:"the global cap (setting advance.global_cap)"`
	Sellers []telecom.SellerExposure `json:"sellers"`
}

func (s *Server) opsAdvances(c echo.Context) error { return s.advancesPage(c, http.StatusOK, nil, 0) }

// advancesAgain shows the advances page again with a refused form's error
// beside its field: seller sellerID's cap form, or the run form.
func (s *Server) advancesAgain(c echo.Context, err error, sellerID int64) error {
	return s.advancesPage(c, statusFor(err), err, sellerID)
}

func (s *Server) advancesPage(c echo.Context, status int, refused error, sellerID int64) error {
	ex, err := s.Telecom.ExposureOf(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	vm := views.OpsAdvancesVM{Total: ex.Total, Cap: ex.Cap}
	for _, se := range ex.Sellers {
		vm.Sellers = append(vm.Sellers, views.AdvanceRow{SellerID: se.SellerID, Shop: se.ShopName, Pending: se.Pending,
			Advanced: se.Advanced, Cap: se.Cap, OwnCap: se.OwnCap})
	}
	if refused != nil {
		f := views.FormFrom(formParams(c))
		if e := fillForm(c, f, refused); e != nil {
			return e
		}
		vm.FormFor, vm.Form = sellerID, f
	}
	return render(c, status, views.OpsAdvancesPage(vm))
}

// telecomOpsReads are the API twins of the operators' telecom pages.
func (s *Server) telecomOpsReads() []read {
	return []read{
		{name: "charge.list", summary: "Fixed-line charges with what flagged them, and the operator's settlements with their reconciliation (operators)",
			tag: "operators", pages: []string{"/ops/charges"}, api: "/ops/charges", roles: operatorRoles, query: chargesQuery{},
			resp: chargesAnswer{}, handler: func(c echo.Context) error {
				cs, st, _, err := s.charges(c)
				if err != nil {
					return err
				}
				if st == nil {
					st = []telecom.Settlement{}
				}
				return c.JSON(http.StatusOK, chargesAnswer{Charges: chargeAnswers(cs), Settlements: st})
			}},
		{name: "advance.exposure", summary: "Advances (垫资): what is advanced and not collected yet, against the global cap and each seller's (operators)",
			tag: "operators", pages: []string{"/ops/advances"}, api: "/ops/advances", roles: operatorRoles, resp: advancesAnswer{},
			handler: func(c echo.Context) error {
				ex, err := s.Telecom.ExposureOf(c.Request().Context(), actor(c))
				if err != nil {
					return err
				}
				return c.JSON(http.StatusOK, advancesAnswer{Total: ex.Total, Cap: ex.Cap, Sellers: ex.Sellers})
			}},
	}
}

type chargeStateAnswer struct {
	ID    string `json:"id"`
	State string `json:"state"`
}

type settlementReconRequest struct {
	Cycle string `path:"cycle" json:"-"`
}

type advanceRunRequest struct {
	SellerID int64 `json:"seller_id" doc:"only this seller; 0 or absent: every seller"`
}

type chargeRetryRequest struct {
	ID string `path:"id" json:"-"`
}

type refundToWalletRequest struct {
	ID   string `path:"id" json:"-"`
	Note string `json:"note" required:"true" doc:"why the bill could not be credited (at most 500 characters)"`
}

type advanceCapRequest struct {
	SellerID int64  `path:"id" json:"-"`
	Cap      string `json:"cap" doc:"an amount such as 5000.00; 0 stops advances to the seller; empty: the default setting"`
}

// telecomOpsActions are what operators do with settlements and advances.
func (s *Server) telecomOpsActions() []action {
	return []action{
		typed(action{name: "settlement.reconcile", summary: "Reconcile a settled cycle's report with the charges again (operators; audited)",
			tag: "operators", page: "/ops/settlements/:cycle/reconcile", api: "/ops/settlements/:cycle/reconcile", roles: operatorRoles,
			resp: telecom.Settlement{}, errs: []int{http.StatusForbidden, http.StatusNotFound, http.StatusServiceUnavailable},
			done: func(c echo.Context, res any) string {
				st := res.(*telecom.Settlement)
				return views.Tf(c.Request().Context(), "Cycle %s reconciled: %d of %d lines matched, %d breaks.", st.Cycle, st.Matched, st.Lines, st.Breaks)
			},
			next: to("/ops/charges"),
		}, func(c echo.Context, r *settlementReconRequest) (any, error) {
			return s.Telecom.Rerun(c.Request().Context(), actor(c), r.Cycle)
		}),
		typed(action{name: "charge.retry", summary: "Ask the phone company again, now, for a charge it has not answered (operators; audited); the same charge id makes it one work order",
			tag: "operators", page: "/ops/charges/:id/retry", api: "/ops/charges/:id/retry", roles: operatorRoles, resp: chargeStateAnswer{},
			errs: []int{http.StatusForbidden, http.StatusNotFound, http.StatusServiceUnavailable},
			done: message("The phone company was asked again."), next: to("/ops/charges"),
		}, func(c echo.Context, r *chargeRetryRequest) (any, error) {
			ch, err := s.Telecom.RetryCharge(c.Request().Context(), actor(c), r.ID)
			if err != nil {
				return nil, err
			}
			return chargeStateAnswer{ID: ch.ID, State: string(ch.State)}, nil
		}),
		typed(action{name: "refund.retry", summary: "Make a refund at the phone company again, now (operators; audited)",
			tag: "operators", page: "/ops/refunds/:id/retry", api: "/ops/refunds/:id/retry", roles: operatorRoles, resp: statusAnswer{},
			errs: []int{http.StatusForbidden, http.StatusNotFound, http.StatusServiceUnavailable},
			done: message("Refund made at the phone company."), next: to("/ops/charges"),
		}, func(c echo.Context, r *chargeRetryRequest) (any, error) {
			if err := s.Telecom.RetryRefund(c.Request().Context(), actor(c), r.ID); err != nil {
				return nil, err
			}
			return statusAnswer{Status: "done"}, nil
		}),
		typed(action{name: "refund.to_wallet", summary: "Refund the buyer's balance instead when the phone company will not credit the bill (operators; a note; audited)",
			tag: "operators", page: "/ops/refunds/:id/to-wallet", api: "/ops/refunds/:id/to-wallet", roles: operatorRoles, resp: statusAnswer{},
			errs: []int{http.StatusForbidden, http.StatusNotFound}, done: message("Refunded to the buyer's balance."), next: to("/ops/charges"),
		}, func(c echo.Context, r *refundToWalletRequest) (any, error) {
			if err := s.Telecom.RefundToWallet(c.Request().Context(), actor(c), r.ID, r.Note); err != nil {
				return nil, err
			}
			return statusAnswer{Status: "done"}, nil
		}),
		typed(action{name: "advance.run", summary: "Advance sellers' proceeds waiting for the operator now, within the caps, never for a flagged order (operators; audited)",
			tag: "operators", page: "/ops/advances/run", api: "/ops/advances/run", roles: operatorRoles, idem: true,
			resp: telecom.AdvanceResult{}, errs: []int{http.StatusForbidden, http.StatusConflict},
			done: func(c echo.Context, res any) string {
				r := res.(telecom.AdvanceResult)
				return views.Tf(c.Request().Context(), "Advanced %s on %d orders.", r.Amount.Display(), r.Charges)
			},
			next:  to("/ops/advances"),
			again: func(c echo.Context, _ any, err error) error { return s.advancesAgain(c, err, 0) },
		}, func(c echo.Context, r *advanceRunRequest) (any, error) {
			return s.Telecom.Advance(c.Request().Context(), actor(c), r.SellerID)
		}),
		typed(action{name: "advance.cap", summary: "Set one seller's advance cap, or go back to the default (operators; audited)",
			tag: "operators", page: "/ops/sellers/:id/advance-cap", api: "/ops/sellers/:id/advance-cap", roles: operatorRoles,
			resp: statusAnswer{}, errs: []int{http.StatusForbidden, http.StatusNotFound}, done: message("Advance cap saved."),
			next: to("/ops/advances"),
			again: func(c echo.Context, req any, err error) error {
				return s.advancesAgain(c, err, req.(*advanceCapRequest).SellerID)
			},
		}, func(c echo.Context, r *advanceCapRequest) (any, error) {
			if err := s.Telecom.SetSellerCap(c.Request().Context(), actor(c), r.SellerID, r.Cap); err != nil {
				return nil, err
			}
			return statusAnswer{Status: "saved"}, nil
		}),
	}
}
