package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"lineescrow/app/gateway"
	"lineescrow/models"
	"lineescrow/views"
)

// The merchant gateway's pages: the seller's (/seller/gateway: the app id,
// the keys, the platform's key, the endpoints, the notifications with every
// try) and the operators' (/ops/merchants: approve, freeze, unfreeze), each
// with its API twin.

type keyRequest struct {
	PublicKey  string `json:"public_key" required:"true" doc:"the shop's RSA public key (at least 2048 bits), PEM"`
	GraceHours string `json:"grace_hours" doc:"when rotating: hours (0 to 24) the current key stays valid beside the new one; 0 unless set"`
}

type endpointsRequest struct {
	NotifyURL   string `json:"notify_url" doc:"where notifications go when a trade names none (empty: none)"`
	ReturnHosts string `json:"return_hosts" doc:"the hosts return URLs may be on, such as shop.example.com, separated by commas or new lines"`
}

type resendRequest struct {
	NotifyID string `path:"notify_id" json:"-"`
}

type approveRequest struct {
	SellerID int64 `json:"seller_id" required:"true" doc:"the seller's user number"`
}

type merchantStatusRequest struct {
	AppID  string `path:"app_id" json:"-"`
	Frozen bool   `json:"frozen" doc:"true to freeze (the gateway refuses its requests with MERCHANT_FROZEN), false to take payments again"`
	Note   string `json:"note" doc:"why; required to freeze"`
}

type notifyQuery struct {
	TradeNo string `json:"trade_no" doc:"only this trade's"`
	Limit   int    `json:"limit" doc:"at most 200; 50 unless set"`
}

// merchantAnswer is the merchant as its seller (or an operator) sees it.
type merchantAnswer struct {
	AppID       string    `json:"app_id"`
	SellerID    int64     `json:"seller_id"`
	Shop        string    `json:"shop,omitempty"`
	Status      string    `json:"status" enum:"approved,frozen"`
	StatusNote  string    `json:"status_note"`
	NotifyURL   string    `json:"notify_url"`
	ReturnHosts []string  `json:"return_hosts"`
	ApprovedAt  time.Time `json:"approved_at"`
}

type keyAnswer struct {
	Fingerprint string     `json:"fingerprint" doc:"SHA-256 of the key's DER, hex"`
	Bits        int        `json:"bits"`
	ValidFrom   time.Time  `json:"valid_from"`
	ValidUntil  *time.Time `json:"valid_until" doc:"null for the current key; a rotated key's end of grace"`
}

type merchantPageAnswer struct {
	Merchant            merchantAnswer `json:"merchant"`
	Keys                []keyAnswer    `json:"keys"`
	GatewayURL          string         `json:"gateway_url"`
	PlatformKey         string         `json:"platform_public_key" doc:"PEM: replies, notifications and returns are signed with its private half"`
	PlatformFingerprint string         `json:"platform_key_fingerprint"`
}

type notifyTryAnswer struct {
	Try        int       `json:"try"`
	At         time.Time `json:"at"`
	Outcome    string    `json:"outcome"`
	HTTPStatus *int      `json:"http_status"`
	Response   string    `json:"response" doc:"the start of the shop's answer"`
	Error      string    `json:"error"`
	ByHand     bool      `json:"by_hand"`
}

type notificationAnswer struct {
	NotifyID    string            `json:"notify_id"`
	TradeNo     string            `json:"trade_no"`
	Event       string            `json:"event"`
	TradeStatus string            `json:"trade_status"`
	URL         string            `json:"url"`
	Status      string            `json:"status" enum:"pending,retrying,delivered,failed"`
	NextTryAt   *time.Time        `json:"next_try_at"`
	DeliveredAt *time.Time        `json:"delivered_at"`
	CreatedAt   time.Time         `json:"created_at"`
	Tries       []notifyTryAnswer `json:"tries"`
}

type notificationsAnswer struct {
	Notifications []notificationAnswer `json:"notifications"`
}

type merchantsAnswer struct {
	Merchants []merchantAnswer `json:"merchants"`
}

func merchantAnswerOf(m gateway.Merchant, shop string) merchantAnswer {
	hosts := m.ReturnHosts
	if hosts == nil {
		hosts = []string{}
	}
	return merchantAnswer{AppID: m.AppID, SellerID: m.SellerID, Shop: shop, Status: m.Status, StatusNote: m.StatusNote,
		NotifyURL: m.NotifyURL, ReturnHosts: hosts, ApprovedAt: m.ApprovedAt}
}

func notificationAnswers(list []gateway.Notification) []notificationAnswer {
	out := make([]notificationAnswer, 0, len(list))
	for _, n := range list {
		a := notificationAnswer{NotifyID: n.NotifyID, TradeNo: n.TradeNo, Event: n.Event, TradeStatus: n.TradeStatus, URL: n.URL,
			Status: n.Status, NextTryAt: n.NextTryAt, DeliveredAt: n.DeliveredAt, CreatedAt: n.CreatedAt, Tries: []notifyTryAnswer{}}
		for _, t := range n.Log {
			a.Tries = append(a.Tries, notifyTryAnswer{Try: t.Try, At: t.At, Outcome: t.Outcome, HTTPStatus: t.HTTPStatus,
				Response: t.Response, Error: t.Error, ByHand: t.ByHand})
		}
		out = append(out, a)
	}
	return out
}

// graceOf reads the grace period in hours ("" is none).
func graceOf(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	h, err := strconv.Atoi(v)
	if err != nil || h < 0 || h > 24 {
		return 0, models.FieldError("grace_hours", "Choose a grace period from 0 to 24 hours.")
	}
	return time.Duration(h) * time.Hour, nil
}

// merchantPages are the seller's and the operators' gateway pages.
func (s *Server) merchantPages(sg, og *echo.Group) {
	sg.GET("/gateway", s.sellerGateway)
	sg.GET("/gateway/platform-key.pem", s.platformKeyPEM)
	og.GET("/merchants", s.opsMerchants)
}

func (s *Server) sellerGateway(c echo.Context) error {
	return s.sellerGatewayPage(c, http.StatusOK, views.NewForm(), nil)
}

// sellerGatewayPage shows the seller's gateway page with the key form kf and
// the endpoints form ef (nil: the merchant's own values).
func (s *Server) sellerGatewayPage(c echo.Context, status int, kf, ef *views.Form) error {
	ctx := c.Request().Context()
	p, err := s.Gateway.Merchant(ctx, actor(c))
	if models.ErrorCode(err) == models.ENOTFOUND {
		return render(c, status, views.MerchantPage(views.MerchantVM{}))
	} else if err != nil {
		return err
	}
	notes, err := s.Gateway.Notifications(ctx, actor(c), gateway.NotifyQuery{})
	if err != nil {
		return err
	}
	m := p.Merchant
	if ef == nil {
		ef = views.NewForm()
		ef.Values["notify_url"], ef.Values["return_hosts"] = m.NotifyURL, strings.Join(m.ReturnHosts, "\n")
	}
	vm := views.MerchantVM{Merchant: true, AppID: m.AppID, Status: m.Status, StatusNote: m.StatusNote, NotifyURL: m.NotifyURL,
		GatewayURL: p.GatewayURL, PlatformKey: p.PlatformKey, PlatformFingerprint: p.PlatformFingerprint, KeyForm: kf, EndForm: ef,
		Now: s.now()}
	for _, k := range p.Keys {
		vm.Keys = append(vm.Keys, views.MerchantKeyRow{Fingerprint: k.Fingerprint, Bits: k.Bits, ValidFrom: k.ValidFrom, ValidUntil: k.ValidUntil})
	}
	for _, n := range notificationAnswers(notes) {
		row := views.NotificationRow{NotifyID: n.NotifyID, TradeNo: n.TradeNo, Event: n.Event, TradeStatus: n.TradeStatus, URL: n.URL,
			Status: n.Status, NextTryAt: n.NextTryAt, CreatedAt: n.CreatedAt}
		for _, t := range n.Tries {
			tr := views.NotifyTryRow{Try: t.Try, At: t.At, Outcome: t.Outcome, Response: t.Response, Error: t.Error, ByHand: t.ByHand}
			if t.HTTPStatus != nil {
				tr.HTTPStatus = *t.HTTPStatus
			}
			row.Tries = append(row.Tries, tr)
		}
		vm.Notifications = append(vm.Notifications, row)
	}
	return render(c, status, views.MerchantPage(vm))
}

// platformKeyPEM downloads the platform's public key.
func (s *Server) platformKeyPEM(c echo.Context) error {
	if _, err := s.Gateway.Merchant(c.Request().Context(), actor(c)); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="lineescrow-public-key.pem"`)
	return c.Blob(http.StatusOK, "application/x-pem-file", []byte(s.Gateway.PlatformPublicKey()))
}

func (s *Server) opsMerchants(c echo.Context) error {
	return s.opsMerchantsPage(c, http.StatusOK, views.NewForm())
}

func (s *Server) opsMerchantsPage(c echo.Context, status int, f *views.Form) error {
	list, err := s.merchantList(c)
	if err != nil {
		return err
	}
	vm := views.OpsMerchantsVM{Form: f}
	for _, m := range list {
		vm.Merchants = append(vm.Merchants, views.MerchantRow{AppID: m.AppID, SellerID: m.SellerID, ShopName: m.Shop, Status: m.Status,
			StatusNote: m.StatusNote, NotifyURL: m.NotifyURL, ApprovedAt: m.ApprovedAt})
	}
	return render(c, status, views.OpsMerchantsPage(vm))
}

// merchantList is every merchant with its shop's name.
func (s *Server) merchantList(c echo.Context) ([]merchantAnswer, error) {
	ctx := c.Request().Context()
	list, err := s.Gateway.Merchants(ctx, actor(c))
	if err != nil {
		return nil, err
	}
	out := make([]merchantAnswer, 0, len(list))
	for _, m := range list {
		shop, err := s.Gateway.Names.ShopName(ctx, m.SellerID)
		if err != nil && models.ErrorCode(err) != models.ENOTFOUND {
			return nil, err
		}
		out = append(out, merchantAnswerOf(m, shop))
	}
	return out, nil
}

// merchantActions are the seller's gateway settings and the operators'
// approvals.
func (s *Server) merchantActions() []action {
	sellerAgain := func(key bool) func(c echo.Context, _ any, err error) error {
		return func(c echo.Context, _ any, err error) error {
			f := views.FormFrom(formParams(c))
			if e := fillForm(c, f, err); e != nil {
				return e
			}
			if key {
				return s.sellerGatewayPage(c, statusFor(err), f, nil)
			}
			return s.sellerGatewayPage(c, statusFor(err), views.NewForm(), f)
		}
	}
	return []action{
		typed(action{name: "merchant.key", summary: "Upload the shop's RSA public key (PEM, at least 2048 bits); a new key rotates, the old one staying valid for the grace period chosen (sellers who are merchants)",
			tag: "gateway", page: "/seller/gateway/key", api: "/merchant/key", roles: sellerRoles, status: http.StatusCreated, resp: keyAnswer{},
			errs: []int{404},
			done: message("Key saved: requests signed with it are accepted from now on."), next: to("/seller/gateway#keys"),
			again: sellerAgain(true),
		}, func(c echo.Context, r *keyRequest) (any, error) {
			grace, err := graceOf(r.GraceHours)
			if err != nil {
				return nil, err
			}
			k, err := s.Gateway.UploadKey(c.Request().Context(), actor(c), r.PublicKey, grace)
			if err != nil {
				return nil, err
			}
			return keyAnswer{Fingerprint: k.Fingerprint, Bits: k.Bits, ValidFrom: k.ValidFrom, ValidUntil: k.ValidUntil}, nil
		}),
		typed(action{name: "merchant.endpoints", summary: "Set the shop's default notify URL and the hosts its return URLs may be on (sellers who are merchants)",
			tag: "gateway", method: http.MethodPut, page: "/seller/gateway/endpoints", api: "/merchant/endpoints", roles: sellerRoles,
			resp: merchantAnswer{}, errs: []int{404},
			done: message("Saved."), next: to("/seller/gateway#endpoints"), again: sellerAgain(false),
		}, func(c echo.Context, r *endpointsRequest) (any, error) {
			m, err := s.Gateway.SetEndpoints(c.Request().Context(), actor(c), gateway.Endpoints{NotifyURL: r.NotifyURL, ReturnHosts: r.ReturnHosts})
			if err != nil {
				return nil, err
			}
			return merchantAnswerOf(*m, ""), nil
		}),
		typed(action{name: "merchant.resend", summary: "Send one of the shop's notifications again now (one more try, logged with the others)",
			tag: "gateway", page: "/seller/gateway/notifications/:notify_id/resend", api: "/merchant/notifications/:notify_id/resend",
			roles: sellerRoles, status: http.StatusAccepted, resp: statusAnswer{}, errs: []int{404},
			done: message("Sending it again now. Its result appears below in a moment."), next: to("/seller/gateway#notifications"),
		}, func(c echo.Context, r *resendRequest) (any, error) {
			if err := s.Gateway.Resend(c.Request().Context(), actor(c), r.NotifyID); err != nil {
				return nil, err
			}
			return statusAnswer{Status: "queued"}, nil
		}),
		typed(action{name: "merchant.approve", summary: "Approve a seller as a merchant of the gateway: it gets an app id (operators; audited). Approving again returns the same merchant",
			tag: "operators", page: "/ops/merchants", api: "/ops/merchants", roles: operatorRoles, resp: merchantAnswer{}, errs: []int{404},
			done: func(c echo.Context, res any) string {
				return views.Tf(c.Request().Context(), "Approved: the shop's app id is %s.", res.(merchantAnswer).AppID)
			},
			next: to("/ops/merchants"),
			again: func(c echo.Context, _ any, err error) error {
				f := views.FormFrom(formParams(c))
				if e := fillForm(c, f, err); e != nil {
					return e
				}
				return s.opsMerchantsPage(c, statusFor(err), f)
			},
		}, func(c echo.Context, r *approveRequest) (any, error) {
			if r.SellerID <= 0 {
				return nil, models.FieldError("seller_id", "Enter the seller's number.")
			}
			m, err := s.Gateway.Approve(c.Request().Context(), actor(c), r.SellerID)
			if models.ErrorCode(err) == models.ENOTFOUND {
				return nil, models.FieldError("seller_id", "No seller has this number.")
			} else if err != nil {
				return nil, err
			}
			return merchantAnswerOf(*m, ""), nil
		}),
		typed(action{name: "merchant.status", summary: "Freeze a merchant (with a note) or let it take payments again (operators; audited)",
			tag: "operators", page: "/ops/merchants/:app_id/status", api: "/ops/merchants/:app_id/status", roles: operatorRoles,
			resp: merchantAnswer{}, errs: []int{404},
			done: func(c echo.Context, res any) string {
				if res.(merchantAnswer).Status == gateway.Frozen {
					return views.T(c.Request().Context(), "Merchant frozen: the gateway refuses its requests.")
				}
				return views.T(c.Request().Context(), "The merchant takes payments again.")
			},
			next: to("/ops/merchants"),
		}, func(c echo.Context, r *merchantStatusRequest) (any, error) {
			m, err := s.Gateway.SetStatus(c.Request().Context(), actor(c), r.AppID, r.Frozen, r.Note)
			if err != nil {
				return nil, err
			}
			return merchantAnswerOf(*m, ""), nil
		}),
	}
}

// merchantReads are the gateway pages' twins in the API.
func (s *Server) merchantReads() []read {
	return []read{
		{name: "merchant.get", summary: "The shop as a merchant of the gateway: app id, status, endpoints, keys, the gateway URL and the platform's public key (sellers)",
			tag: "gateway", pages: []string{"/seller/gateway", "/seller/gateway/platform-key.pem"}, api: "/merchant", roles: sellerRoles,
			resp: merchantPageAnswer{}, handler: func(c echo.Context) error {
				p, err := s.Gateway.Merchant(c.Request().Context(), actor(c))
				if err != nil {
					return err
				}
				a := merchantPageAnswer{Merchant: merchantAnswerOf(p.Merchant, ""), Keys: []keyAnswer{}, GatewayURL: p.GatewayURL,
					PlatformKey: p.PlatformKey, PlatformFingerprint: p.PlatformFingerprint}
				for _, k := range p.Keys {
					a.Keys = append(a.Keys, keyAnswer{Fingerprint: k.Fingerprint, Bits: k.Bits, ValidFrom: k.ValidFrom, ValidUntil: k.ValidUntil})
				}
				return c.JSON(http.StatusOK, a)
			}},
		{name: "merchant.notifications", summary: "The shop's notifications, newest first, each with every try, its status and the shop's answer (sellers)",
			tag: "gateway", api: "/merchant/notifications", roles: sellerRoles, query: notifyQuery{}, resp: notificationsAnswer{},
			handler: func(c echo.Context) error {
				var q notifyQuery
				if err := decodeQuery(c, &q); err != nil {
					return err
				}
				list, err := s.Gateway.Notifications(c.Request().Context(), actor(c), gateway.NotifyQuery{TradeNo: q.TradeNo, Limit: q.Limit})
				if err != nil {
					return err
				}
				return c.JSON(http.StatusOK, notificationsAnswer{Notifications: notificationAnswers(list)})
			}},
		{name: "merchant.list", summary: "The gateway's merchants, newest first (operators)", tag: "operators", pages: []string{"/ops/merchants"},
			api: "/ops/merchants", roles: operatorRoles, resp: merchantsAnswer{}, handler: func(c echo.Context) error {
				list, err := s.merchantList(c)
				if err != nil {
					return err
				}
				return c.JSON(http.StatusOK, merchantsAnswer{Merchants: list})
			}},
	}
}
