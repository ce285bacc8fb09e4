// Package photos turns an uploaded file into the pictures a listing shows: it
// accepts JPEG, PNG and WebP only, judged by the file's bytes (never by its
// name or the Content-Type the browser sent), refuses files and images too
// large before decoding them (the pixel count is read from the header, so a
// small file that would decode to gigabytes is refused unread), and re-encodes
// what it keeps as JPEG: re-encoding from the decoded pixels drops whatever
// metadata the file carried (EXIF with its GPS position, XMP, comments).
package photos

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"

	"github.com/disintegration/imaging"
	"golang.org/x/image/webp"

	"lineescrow/models"
)

// Limits of an upload.
const (
	MaxBytes  = 8 << 20    // a file larger than this is refused unread
	MaxPixels = 40_000_000 // width × height, read from the header
	// ThumbSize is the side of the square thumbnail of cards; LargeSize the
	// longest side of the large view.
	ThumbSize = 480
	LargeSize = 1600
)

// Field is the form and API field the upload comes in.
const Field = "photo"

// Image is an accepted upload: both sizes as JPEG, and the large one's size.
type Image struct {
	Thumb, Large  []byte
	Width, Height int
	// Hash names the image by its content (the large JPEG's SHA-256), so its
	// URL never serves other bytes and can be cached for good.
	Hash string
}

// Process checks an upload and makes its thumbnail and large view.
//
// Errors: EINVALID (field photo) for an empty, too large, damaged or
// truncated file, a format other than JPEG, PNG or WebP, or too many pixels.
func Process(data []byte) (*Image, error) {
	if len(data) == 0 {
		return nil, models.FieldError(Field, "Choose an image to upload.")
	}
	if len(data) > MaxBytes {
		return nil, models.FieldError(Field, "The file is larger than %d MB.", MaxBytes>>20)
	}
	kind := http.DetectContentType(data)
	var decodeConfig func([]byte) (image.Config, error)
	switch kind {
	case "image/jpeg":
		decodeConfig = func(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) }
	case "image/png":
		decodeConfig = func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) }
	case "image/webp":
		decodeConfig = func(b []byte) (image.Config, error) { return webp.DecodeConfig(bytes.NewReader(b)) }
	case "image/gif":
		return nil, models.FieldError(Field, "GIF images are not accepted: upload a JPEG, PNG or WebP photo.")
	default:
		return nil, models.FieldError(Field, "This file is not a JPEG, PNG or WebP image, whatever its name says.")
	}
	cfg, err := decodeConfig(data)
	if err != nil {
		return nil, damaged()
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, models.FieldError(Field, "The image has too many pixels: at most %d megapixels.", MaxPixels/1_000_000)
	}
	img, err := decode(kind, data)
	if err != nil {
		return nil, damaged()
	}
	// Transparent parts become white, as JPEG has no transparency.
	flat := imaging.New(img.Bounds().Dx(), img.Bounds().Dy(), color.White)
	flat = imaging.Overlay(flat, img, image.Point{}, 1)

	large := image.Image(flat)
	if flat.Bounds().Dx() > LargeSize || flat.Bounds().Dy() > LargeSize {
		large = imaging.Fit(flat, LargeSize, LargeSize, imaging.Lanczos)
	}
	thumb := imaging.Fill(flat, ThumbSize, ThumbSize, imaging.Center, imaging.Lanczos)
	out := &Image{Width: large.Bounds().Dx(), Height: large.Bounds().Dy()}
	if out.Large, err = encode(large); err != nil {
		return nil, err
	}
	if out.Thumb, err = encode(thumb); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(out.Large)
	out.Hash = hex.EncodeToString(sum[:])
	return out, nil
}

func damaged() error {
	return models.FieldError(Field, "The image is damaged or incomplete: upload it again, or choose another.")
}

// decode decodes data of the sniffed kind. A JPEG is turned upright by its
// EXIF orientation (phones store photos sideways and say so there), before
// the EXIF is dropped with the rest of the metadata.
func decode(kind string, data []byte) (image.Image, error) {
	r := bytes.NewReader(data)
	switch kind {
	case "image/jpeg":
		return imaging.Decode(r, imaging.AutoOrientation(true))
	case "image/png":
		return png.Decode(r)
	default:
		return webp.Decode(r)
	}
}

func encode(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		return nil, fmt.Errorf("encode photo: %w", err)
	}
	return buf.Bytes(), nil
}
