package phonesim

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// Voice speaks prompts as WAV files with Debian's espeak-ng and its
// Mandarin voice (apt-get install espeak-ng), cached on disk by the text's
// hash. Without espeak-ng there is no Voice and the page is text only.
type Voice struct {
	Bin string // the espeak-ng executable
	Dir string // the cache
}

// NewVoice returns a Voice caching in dir, or nil when espeak-ng is not
// installed.
func NewVoice(dir string) *Voice {
	bin, err := exec.LookPath("espeak-ng")
	if err != nil {
		return nil
	}
	return &Voice{Bin: bin, Dir: dir}
}

// Key is the cache name of a prompt's text.
func Key(text string) string {
	h := sha256.Sum256([]byte("cmn\x00" + text))
	return hex.EncodeToString(h[:])
}

// WAV returns the file of text spoken, making it the first time.
func (v *Voice) WAV(ctx context.Context, text string) (string, error) {
	path := filepath.Join(v.Dir, Key(text)+".wav")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if err := os.MkdirAll(v.Dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(v.Dir, "speak-*.wav")
	if err != nil {
		return "", err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, v.Bin, "-v", "cmn", "-s", "160", "-w", tmp.Name(), "--", text).CombinedOutput(); err != nil {
		return "", fmt.Errorf("espeak-ng: %v: %s", err, out)
	}
	// Renamed into place whole, so a concurrent reader never sees half a file.
	return path, os.Rename(tmp.Name(), path)
}
