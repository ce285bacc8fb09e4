package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"lineescrow/models"
)

// Requests are plain structs. Every field has a `json` name; that name is
// also its form field (a nested struct's fields are prefixed with the outer
// name and "_": consignee_name). A field tagged `path:"id"` comes from the
// URL (and from the JSON body too when it also has a json name the API
// sends, as a checkout's listing_id). Tags read by the OpenAPI document:
// `required:"true"`, `enum:"a,b"`, `doc:"…"`, `format:"…"`.
//
// decodeRequest fills r from the request the same way whichever the source:
// a form for the portal, strict JSON for the API (application/json, no
// unknown fields, one value). Values are only parsed here (a number, an
// amount of money with at most two decimals); what they must be is decided
// by the services and models, once for both.
//
// Errors: EINVALID naming the field.
func decodeRequest(c echo.Context, r any, api bool) error {
	v := reflect.ValueOf(r).Elem()
	if api {
		if err := decodeAPIBody(c, r); err != nil {
			return err
		}
	} else if err := decodeForm(c, v, ""); err != nil {
		return err
	}
	return decodePath(c, v)
}

func hasParam(c echo.Context, name string) bool {
	for _, n := range c.ParamNames() {
		if n == name {
			return true
		}
	}
	return false
}

// readBody reads the request body and puts it back for the next reader.
func readBody(c echo.Context) ([]byte, error) {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge)
		}
		return nil, models.Errorf(models.EINVALID, "The body could not be read.")
	}
	c.Request().Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

// formParams are the posted form's values, for showing a form again; a form
// that cannot be read shows empty (decodeRequest has refused it already).
func formParams(c echo.Context) url.Values {
	p, err := c.FormParams()
	if err != nil {
		return url.Values{}
	}
	return p
}

// decodeAPIBody decodes a JSON body strictly; an empty body is an empty object.
func decodeAPIBody(c echo.Context, r any) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if mt != echo.MIMEApplicationJSON {
		return models.Errorf(models.EINVALID, "Send the body as application/json.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(r); err != nil {
		if e := models.AsError(err); e != nil {
			return e
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return models.FieldError(te.Field, "The field %s has the wrong type (%s).", te.Field, te.Value)
		}
		return models.Errorf(models.EINVALID, "The JSON body is malformed: %s.", err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return models.Errorf(models.EINVALID, "The JSON body must hold a single object.")
	}
	return nil
}

var (
	moneyType = reflect.TypeOf(models.Money{})
	fileType  = reflect.TypeOf(&multipart.FileHeader{})
)

// decodeForm fills the struct v from form values named by its json tags.
func decodeForm(c echo.Context, v reflect.Value, prefix string) error {
	t := v.Type()
	var ps []*models.Error
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := jsonName(f)
		if name == "" || name == "-" {
			continue
		}
		name = prefix + name
		fv := v.Field(i)
		if f.Type == fileType {
			// An uploaded file (multipart); none leaves it nil and the
			// service says what is missing.
			if fh, err := c.FormFile(name); err == nil {
				fv.Set(reflect.ValueOf(fh))
			}
			continue
		}
		if f.Type.Kind() == reflect.Struct && f.Type != moneyType {
			if err := decodeForm(c, fv, name+"_"); err != nil {
				if e := models.AsError(err); e != nil {
					ps = append(ps, e.Fields...)
					continue
				}
				return err
			}
			continue
		}
		raw := c.FormValue(name)
		if err := setText(fv, name, raw); err != nil {
			ps = append(ps, models.AsError(err))
		}
	}
	return models.Invalid(ps...)
}

// decodePath fills the fields tagged path from the URL.
func decodePath(c echo.Context, v reflect.Value) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		p := t.Field(i).Tag.Get("path")
		if p == "" || !hasParam(c, p) {
			continue // a route without it (the API's checkout names the listing in the body)
		}
		raw := c.Param(p)
		if v.Field(i).Kind() == reflect.Int64 {
			id, err := strconv.ParseInt(raw, 10, 64)
			if err != nil || id <= 0 {
				return models.Errorf(models.ENOTFOUND, "The page you asked for does not exist, or is not yours to see.")
			}
			v.Field(i).SetInt(id)
			continue
		}
		v.Field(i).SetString(raw)
	}
	return nil
}

// setText parses a form value into a field.
func setText(fv reflect.Value, name, raw string) error {
	raw = strings.TrimSpace(raw)
	switch {
	case fv.Type() == moneyType:
		if raw == "" {
			return nil // zero: the service says what is missing
		}
		m, err := models.ParseMoney(raw)
		if err != nil {
			return models.FieldError(name, "Enter an amount such as 259.00 (at most two decimals).")
		}
		fv.Set(reflect.ValueOf(m))
	case fv.Kind() == reflect.String:
		fv.SetString(raw)
	case fv.Kind() == reflect.Int || fv.Kind() == reflect.Int64:
		if raw == "" {
			return nil
		}
		n, err := strconv.ParseInt(strings.TrimPrefix(raw, "#"), 10, 64)
		if err != nil {
			return models.FieldError(name, "Enter a whole number.")
		}
		fv.SetInt(n)
	case fv.Kind() == reflect.Bool:
		fv.SetBool(raw == "true" || raw == "on" || raw == "1")
	case fv.Kind() == reflect.Pointer && fv.Type().Elem().Kind() == reflect.Bool:
		if raw != "" {
			b := raw == "true" || raw == "on" || raw == "1"
			fv.Set(reflect.ValueOf(&b))
		}
	case fv.Kind() == reflect.Pointer && fv.Type().Elem() == moneyType:
		if raw == "" {
			return nil
		}
		m, err := models.ParseMoney(raw)
		if err != nil {
			return models.FieldError(name, "Enter an amount such as 259.00 (at most two decimals).")
		}
		fv.Set(reflect.ValueOf(&m))
	default:
		return fmt.Errorf("field %s: cannot read a form value into %s", name, fv.Type())
	}
	return nil
}

func jsonName(f reflect.StructField) string {
	n, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return n
}
