package web

import (
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"

	"lineescrow/app/photos"
	"lineescrow/models"
	"lineescrow/views"
)

// PhotoBodyLimit caps a photo upload's body: the largest file accepted and
// room for the form around it, so that a file just too large is refused
// beside its field rather than by the body limit.
const PhotoBodyLimit = "9M"

var uploadPath = regexp.MustCompile(`^(/api/v1)?/seller/listings/[0-9]+/photos$`)

// isUpload reports whether the request is a photo upload (which has its own
// body limit).
func isUpload(c echo.Context) bool {
	return c.Request().Method == http.MethodPost && uploadPath.MatchString(c.Request().URL.Path)
}

func notUpload(c echo.Context) bool { return !isUpload(c) }

type photoRequest struct {
	ID    int64                 `path:"id" json:"-"`
	Photo *multipart.FileHeader `json:"photo" required:"true" doc:"a JPEG, PNG or WebP image of at most 8 MB and 40 megapixels"`
}

type photoRef struct {
	ID    int64 `path:"id" json:"-"`
	Photo int64 `path:"photo" json:"-"`
}

type photoMoveRequest struct {
	ID    int64  `path:"id" json:"-"`
	Photo int64  `path:"photo" json:"-"`
	Move  string `json:"move" required:"true" enum:"first,earlier,later" doc:"first makes it the cover"`
}

// readUpload reads the uploaded file, at most one byte past the limit (so
// that photos.Process says it is too large).
func readUpload(fh *multipart.FileHeader) ([]byte, error) {
	if fh == nil {
		return nil, nil
	}
	f, err := fh.Open()
	if err != nil {
		return nil, models.FieldError(photos.Field, "The file could not be read: upload it again.")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, photos.MaxBytes+1))
	if err != nil {
		return nil, models.FieldError(photos.Field, "The file could not be read: upload it again.")
	}
	return data, nil
}

// photoActions are the seller's changes to a listing's photos.
func (s *Server) photoActions() []action {
	back := func(c echo.Context, _ any) string {
		return fmt.Sprintf("/seller/listings/%s/edit#photos", c.Param("id"))
	}
	return []action{
		typed(action{name: "listing.photo.add", summary: "Add a photo to a listing (multipart/form-data, field photo)", tag: "sellers",
			page: "/seller/listings/:id/photos", api: "/seller/listings/:id/photos", roles: sellerRoles, multipart: true,
			status: http.StatusCreated, resp: models.Listing{}, errs: []int{404, 413},
			done: message("Photo added."), next: back,
			again: func(c echo.Context, req any, err error) error {
				return s.listingEditPage(c, req.(*photoRequest).ID, nil, err)
			},
		}, func(c echo.Context, r *photoRequest) (any, error) {
			data, err := readUpload(r.Photo)
			if err != nil {
				return nil, err
			}
			return s.Orders.AddPhoto(c.Request().Context(), actor(c), r.ID, data)
		}),
		typed(action{name: "listing.photo.delete", summary: "Remove a photo of a listing", tag: "sellers", method: http.MethodDelete,
			page: "/seller/listings/:id/photos/:photo/delete", api: "/seller/listings/:id/photos/:photo", roles: sellerRoles,
			resp: models.Listing{}, errs: []int{404}, done: message("Photo removed."), next: back,
		}, func(c echo.Context, r *photoRef) (any, error) {
			return s.Orders.DeletePhoto(c.Request().Context(), actor(c), r.ID, r.Photo)
		}),
		typed(action{name: "listing.photo.move", summary: "Move a photo of a listing earlier, later or first (the cover)", tag: "sellers",
			page: "/seller/listings/:id/photos/:photo/move", api: "/seller/listings/:id/photos/:photo/move", roles: sellerRoles,
			resp: models.Listing{}, errs: []int{404}, next: back,
		}, func(c echo.Context, r *photoMoveRequest) (any, error) {
			return s.Orders.MovePhoto(c.Request().Context(), actor(c), r.ID, r.Photo, r.Move)
		}),
	}
}

// photo serves a photo by its content hash. The URL names the content, so
// the answer never changes: browsers and proxies keep it for a year without
// asking again, and the ETag answers a revalidation with 304.
func (s *Server) photo(c echo.Context) error {
	size, ok := strings.CutSuffix(c.Param("size"), ".jpg")
	if !ok {
		return models.Errorf(models.ENOTFOUND, "The page you asked for does not exist, or is not yours to see.")
	}
	hash := c.Param("hash")
	data, err := s.Orders.PhotoBytes(c.Request().Context(), hash, size)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	etag := `"` + hash + "-" + size + `"`
	h.Set("ETag", etag)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	if match := c.Request().Header.Get("If-None-Match"); match != "" && (match == etag || match == "*") {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, "image/jpeg", data)
}

// listingEditPage shows the listing's form and photos, with err beside its
// field: on the listing's form, or on the photo's when photo is nil.
func (s *Server) listingEditPage(c echo.Context, id int64, f *views.Form, err error) error {
	l, lerr := s.Orders.Listing(c.Request().Context(), actor(c), id)
	if lerr != nil {
		return lerr
	}
	if l.SellerID != currentUser(c).ID {
		return models.Errorf(models.ENOTFOUND, "The page you asked for does not exist, or is not yours to see.")
	}
	pf := views.NewForm()
	if f == nil {
		f = listingForm(l)
		if e := fillForm(c, pf, err); e != nil {
			return e
		}
	} else if e := fillForm(c, f, err); e != nil {
		return e
	}
	status := http.StatusOK
	if err != nil {
		status = statusFor(err)
	}
	return render(c, status, views.ListingFormPage(views.ListingFormVM{ID: l.ID, Form: f, Listing: l, PhotoForm: pf}))
}

func listingForm(l *models.Listing) *views.Form {
	f := views.NewForm()
	f.Values = map[string]string{"title": l.Title, "description": l.Description, "price": l.Price.String(),
		"stock": fmt.Sprint(l.Stock), "category": l.Category, "shipping_fee": l.ShippingFee.String()}
	return f
}
