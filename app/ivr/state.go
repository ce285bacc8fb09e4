package ivr

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Data is what a flow carries from one step of a call to the next. It is
// signed, not secret: the IVR platform sees it. It never holds what the
// caller typed.
type Data map[string]string

// state is the call state a document hands back in its submit: signed with
// the server's key, so the platform (or anyone) cannot change it.
type state struct {
	Call int64  `json:"c"`
	Kind string `json:"k"` // flow, confirm, pin, agent
	Flow string `json:"f,omitempty"`
	Step string `json:"s,omitempty"`
	// In names the fields the document collects for the step.
	In   []string `json:"i,omitempty"`
	Data Data     `json:"d,omitempty"`
	Exp  int64    `json:"e"`
}

// StateLife is how long a document's state may be sent back.
const StateLife = 30 * time.Minute

var errBadState = errors.New("ivr: bad or expired call state")

func (s *Service) seal(st state) string {
	st.Exp = s.now().Add(StateLife).Unix()
	b, _ := json.Marshal(st)
	body := base64.RawURLEncoding.EncodeToString(b)
	return body + "." + s.sig(body)
}

func (s *Service) sig(body string) string {
	m := hmac.New(sha256.New, s.Key)
	m.Write([]byte("ivr-state:" + body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Service) open(token string) (state, error) {
	var st state
	body, sig, ok := strings.Cut(token, ".")
	if !ok || len(s.Key) == 0 || !hmac.Equal([]byte(sig), []byte(s.sig(body))) {
		return st, errBadState
	}
	b, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || json.Unmarshal(b, &st) != nil || st.Call <= 0 || s.now().Unix() > st.Exp {
		return st, errBadState
	}
	return st, nil
}
