package web

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"lineescrow/models"
)

// FuzzDecodeRequest feeds arbitrary JSON bodies, forms and path values to
// the decoder of every action's request type, as the API and the portal
// would: it never panics, and what it refuses it refuses as the person's
// mistake (EINVALID naming the field, ENOTFOUND for a path that is no id, or
// 413 for a body too large), never as an internal error.
func FuzzDecodeRequest(f *testing.F) {
	// The table is built by routing alone: no service is called. Every
	// service is present (an empty one), so every action is in the table,
	// including those of a service added later.
	var d Deps
	dv := reflect.ValueOf(&d).Elem()
	for i := range dv.NumField() {
		if fv := dv.Field(i); fv.Kind() == reflect.Pointer && fv.Type().Elem().Kind() == reflect.Struct && fv.Type().Elem().PkgPath() != "lineescrow/app/config" {
			fv.Set(reflect.New(fv.Type().Elem()))
		}
	}
	s := New(d)
	if len(s.table) < 40 {
		f.Fatalf("only %d actions in the table", len(s.table))
	}
	f.Add(uint16(0), `{"listing_id": 3, "quantity": 2, "consignee": {"name": "张伟", "phone": "13800138000", "address": "菏泽"}}`, "quantity=2&consignee_name=x", "3")
	f.Add(uint16(7), `{"amount": "12.30", "pay_password": "123456"}`, "amount=12.30&pay_password=123456", "12")
	f.Add(uint16(21), `{"amount": 1e400}`, "amount=NaN", "-1")
	f.Add(uint16(33), `{"frozen": "yes", "reason": null}`, "frozen=maybe&reason=%00", "99999999999999999999")
	f.Add(uint16(40), `[]`, "seller_id=1&seller_id=2", "abc")
	// Every action of the table is a seed of its own, so each run (the seeds
	// also run in go test) decodes every request type at least once.
	for i := range s.table {
		f.Add(uint16(i), `{}`, "", "1")
		f.Add(uint16(i), `{"x": 1}`, "x=1", "0")
	}
	f.Fuzz(func(t *testing.T, which uint16, body, form, pathValue string) {
		a := s.table[int(which)%len(s.table)]
		for _, api := range []bool{true, false} {
			e := echo.New()
			var req *http.Request
			if api {
				req = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
				req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
			} else {
				req = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form))
				req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationForm)
			}
			c := e.NewContext(req, httptest.NewRecorder())
			var names, values []string
			for _, part := range strings.Split(a.page+a.api, "/") {
				if strings.HasPrefix(part, ":") {
					names, values = append(names, part[1:]), append(values, pathValue)
				}
			}
			c.SetParamNames(names...)
			c.SetParamValues(values...)
			err := decodeRequest(c, a.newReq(), api)
			if err == nil {
				continue
			}
			var he *echo.HTTPError
			if errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge {
				continue
			}
			switch code := models.ErrorCode(err); code {
			case models.EINVALID, models.ENOTFOUND:
			default:
				t.Fatalf("%s (api %v): refused as %q: %v", a.name, api, code, err)
			}
		}
	})
}
