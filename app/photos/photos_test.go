package photos

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"strings"
	"testing"

	"lineescrow/models"
)

func picture(w, h int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	return img
}

func jpegBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, picture(w, h), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, picture(w, h)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withEXIF puts an APP1 Exif segment (a TIFF header, an empty IFD and a
// telltale text standing for a GPS position) right after the JPEG's SOI.
func withEXIF(jpg []byte, secret string) []byte {
	payload := append([]byte("Exif\x00\x00II*\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00"), secret...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, jpg[2:]...)
}

// pngClaiming is a valid 1×1 PNG whose header claims w×h pixels.
func pngClaiming(t *testing.T, w, h uint32) []byte {
	b := pngBytes(t, 1, 1)
	// signature (8), length (4), "IHDR" (4), then width and height; the CRC
	// covers "IHDR" and its 13 bytes of data.
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

func TestProcessAcceptsEachFormat(t *testing.T) {
	webpData, err := os.ReadFile("testdata/blue-purple-pink.lossy.webp")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"jpeg": jpegBytes(t, 900, 600),
		"png":  pngBytes(t, 2000, 1000),
		"webp": webpData,
	} {
		t.Run(name, func(t *testing.T) {
			img, err := Process(data)
			if err != nil {
				t.Fatalf("Process: %v", err)
			}
			for size, out := range map[string][]byte{"thumb": img.Thumb, "large": img.Large} {
				cfg, format, err := image.DecodeConfig(bytes.NewReader(out))
				if err != nil || format != "jpeg" {
					t.Fatalf("%s is not a JPEG: %v %q", size, err, format)
				}
				if size == "thumb" && (cfg.Width != ThumbSize || cfg.Height != ThumbSize) {
					t.Errorf("thumb is %d×%d, want %d square", cfg.Width, cfg.Height, ThumbSize)
				}
				if size == "large" && (cfg.Width != img.Width || cfg.Height != img.Height || cfg.Width > LargeSize || cfg.Height > LargeSize) {
					t.Errorf("large is %d×%d (recorded %d×%d)", cfg.Width, cfg.Height, img.Width, img.Height)
				}
			}
			if len(img.Hash) != 64 {
				t.Errorf("hash %q", img.Hash)
			}
		})
	}
}

func TestProcessShrinksLargeImagesKeepingTheirShape(t *testing.T) {
	img, err := Process(pngBytes(t, 3200, 1600))
	if err != nil {
		t.Fatal(err)
	}
	if img.Width != LargeSize || img.Height != LargeSize/2 {
		t.Errorf("large view %d×%d, want %d×%d", img.Width, img.Height, LargeSize, LargeSize/2)
	}
}

func TestProcessRemovesEXIF(t *testing.T) {
	const secret = "GPS 31.2304N 121.4737E"
	in := withEXIF(jpegBytes(t, 300, 200), secret)
	if _, err := jpeg.Decode(bytes.NewReader(in)); err != nil {
		t.Fatalf("the test's JPEG with EXIF does not decode: %v", err)
	}
	img, err := Process(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range [][]byte{img.Thumb, img.Large} {
		if bytes.Contains(out, []byte("Exif")) || bytes.Contains(out, []byte(secret)) {
			t.Error("the output kept the EXIF segment")
		}
	}
}

func TestProcessRefuses(t *testing.T) {
	var gifData bytes.Buffer
	if err := gif.Encode(&gifData, picture(10, 10), nil); err != nil {
		t.Fatal(err)
	}
	jpg := jpegBytes(t, 400, 300)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "Choose an image"},
		{"gif", gifData.Bytes(), "GIF images are not accepted"},
		// A text file named photo.jpg and sent as image/jpeg: the name and the
		// header are not read at all, only the bytes.
		{"text named .jpg", []byte("this is not a photo, whatever photo.jpg says"), "not a JPEG, PNG or WebP"},
		{"too many pixels", pngClaiming(t, 8000, 6000), "too many pixels"},
		{"truncated jpeg", jpg[:len(jpg)/2], "damaged or incomplete"},
		{"truncated png", pngBytes(t, 200, 200)[:300], "damaged or incomplete"},
		{"too large a file", append(jpegBytes(t, 10, 10), make([]byte, MaxBytes)...), "larger than 8 MB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Process(tc.data)
			e := models.AsError(err)
			if e == nil || e.Code != models.EINVALID || e.Field != Field {
				t.Fatalf("Process = %v, want an EINVALID error on the field %q", err, Field)
			}
			if !strings.Contains(e.Message, tc.want) {
				t.Errorf("message %q, want it to say %q", e.Message, tc.want)
			}
		})
	}
}
