package jitsi_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// payload is the part of a token the tests read.
type payload struct {
	Iss, Aud, Sub, Room string
	Nbf, Exp            int64
	Moderator           bool
	Context             struct {
		User struct{ Name, Email, Moderator, Affiliation string }
	}
}

// verify checks a token as Prosody's token_verification would, written
// from RFC 7519 §7.2 without the package's code: three base64url parts,
// a header {"alg":"HS256"}, the HMAC-SHA256 of the first two parts, then
// nbf <= now < exp (§4.1.4, §4.1.5).
func verify(tok string, secret []byte, now time.Time) (payload, error) {
	var p payload
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return p, errors.New("not three parts")
	}
	dec := base64.RawURLEncoding
	hb, err := dec.DecodeString(parts[0])
	if err != nil {
		return p, err
	}
	var h struct{ Alg, Typ string }
	if err := json.Unmarshal(hb, &h); err != nil || h.Alg != "HS256" || h.Typ != "JWT" {
		return p, fmt.Errorf("header %s", hb)
	}
	sig, err := dec.DecodeString(parts[2])
	if err != nil {
		return p, err
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(parts[0] + "." + parts[1]))
	if !hmac.Equal(sig, m.Sum(nil)) {
		return p, errors.New("bad signature")
	}
	pb, err := dec.DecodeString(parts[1])
	if err != nil {
		return p, err
	}
	d := json.NewDecoder(bytes.NewReader(pb))
	if err := d.Decode(&p); err != nil {
		return p, err
	}
	if now.Unix() < p.Nbf {
		return p, errors.New("not yet valid")
	}
	if now.Unix() >= p.Exp {
		return p, errors.New("expired")
	}
	return p, nil
}

// opensslMAC computes the token's signature with openssl, a second route
// to the same HMAC.
func opensslMAC(t *testing.T, input string, secret []byte) string {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed: the second route is skipped")
	}
	cmd := exec.Command("openssl", "dgst", "-sha256", "-binary", "-hmac", string(secret))
	cmd.Stdin = strings.NewReader(input)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl: %v", err)
	}
	return base64.RawURLEncoding.EncodeToString(out)
}
