package chat

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Tokens signed by roomgate. A token is
//
//	base64url(payload) "." base64url(HMAC-SHA256(key, label || payload))
//
// where payload is the claim's fields joined by newlines (no field holds
// one) and label separates the kinds (a link token is no button token).
// A token proves that roomgate wrote it and when it expires; single use
// comes from storage (Links.UseNonce records each nonce spent).

// Errors of token checks.
var (
	ErrTokenInvalid = errors.New("invalid token")
	ErrTokenExpired = errors.New("expired token")
	// ErrUsed: the token's nonce was already spent (Links).
	ErrUsed = errors.New("this link or button was already used")
)

// MinKey is the shortest signing key accepted, in bytes.
const MinKey = 32

// maxToken bounds what is read of a token.
const maxToken = 2048

const (
	labelLink   = "roomgate chat link v1\n"
	labelAction = "roomgate chat action v1\n"
)

// Signer signs and checks link and button tokens.
type Signer struct{ key []byte }

// NewSigner uses key, at least MinKey bytes.
func NewSigner(key []byte) (*Signer, error) {
	if len(key) < MinKey {
		return nil, fmt.Errorf("chat signing key: %d bytes, at least %d needed", len(key), MinKey)
	}
	return &Signer{key: append([]byte(nil), key...)}, nil
}

// NewNonce draws 128 random bits as hex.
func NewNonce() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand: " + err.Error()) // never fails on supported systems
	}
	return hex.EncodeToString(b[:])
}

func (s *Signer) mac(label, payload string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(label))
	m.Write([]byte(payload))
	return m.Sum(nil)
}

func (s *Signer) sign(label string, fields ...string) string {
	payload := strings.Join(fields, "\n")
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." +
		base64.RawURLEncoding.EncodeToString(s.mac(label, payload))
}

// open checks a token's signature (in constant time) and returns its n
// fields.
func (s *Signer) open(label, token string, n int) ([]string, error) {
	if len(token) > maxToken {
		return nil, ErrTokenInvalid
	}
	p64, m64, ok := strings.Cut(token, ".")
	if !ok {
		return nil, ErrTokenInvalid
	}
	payload, err1 := strict.DecodeString(p64)
	sum, err2 := strict.DecodeString(m64)
	if err1 != nil || err2 != nil || !hmac.Equal(sum, s.mac(label, string(payload))) {
		return nil, ErrTokenInvalid
	}
	fields := strings.Split(string(payload), "\n")
	if len(fields) != n {
		return nil, ErrTokenInvalid
	}
	return fields, nil
}

// unix reads a canonical decimal Unix time.
func unix(s string) (time.Time, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || s != strconv.FormatInt(v, 10) {
		return time.Time{}, ErrTokenInvalid
	}
	return time.Unix(v, 0), nil
}

func stamp(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// clean reports fields that a token can carry.
func clean(fields ...string) bool {
	for _, f := range fields {
		if f == "" || strings.ContainsAny(f, "\n") {
			return false
		}
	}
	return true
}

// LinkClaim is what a link token says: the chat account (server and user
// ID) to link to the address, until Expires; Nonce makes it single-use.
type LinkClaim struct {
	Server, User, Address, Nonce string
	Expires                      time.Time
}

// LinkToken signs a link claim.
func (s *Signer) LinkToken(c LinkClaim) (string, error) {
	if !clean(c.Server, c.User, c.Address, c.Nonce) {
		return "", ErrTokenInvalid
	}
	return s.sign(labelLink, c.Server, c.User, c.Address, c.Nonce, stamp(c.Expires)), nil
}

// ReadLink checks a link token; the claim comes back with ErrTokenExpired
// too, for logs.
func (s *Signer) ReadLink(token string, now time.Time) (LinkClaim, error) {
	f, err := s.open(labelLink, token, 5)
	if err != nil {
		return LinkClaim{}, err
	}
	exp, err := unix(f[4])
	if err != nil || !clean(f[:4]...) {
		return LinkClaim{}, ErrTokenInvalid
	}
	c := LinkClaim{Server: f[0], User: f[1], Address: f[2], Nonce: f[3], Expires: exp}
	if !now.Before(exp) {
		return c, ErrTokenExpired
	}
	return c, nil
}

// ActionBook is the action of a button that books a slot.
const ActionBook = "book"

// ActionClaim is what a button token says: the action, the slot, the chat
// account it was offered to, and its expiry; Nonce makes it single-use.
type ActionClaim struct {
	Action       string
	Slot         Slot
	Server, User string
	Nonce        string
	Expires      time.Time
}

// ActionToken signs a button claim.
func (s *Signer) ActionToken(c ActionClaim) (string, error) {
	if !clean(c.Action, c.Server, c.User, c.Nonce) {
		return "", ErrTokenInvalid
	}
	return s.sign(labelAction, c.Action, stamp(c.Slot.Start), stamp(c.Slot.End), c.Server, c.User, c.Nonce, stamp(c.Expires)), nil
}

// ReadAction checks a button token.
func (s *Signer) ReadAction(token string, now time.Time) (ActionClaim, error) {
	f, err := s.open(labelAction, token, 7)
	if err != nil {
		return ActionClaim{}, err
	}
	start, err1 := unix(f[1])
	end, err2 := unix(f[2])
	exp, err3 := unix(f[6])
	if err1 != nil || err2 != nil || err3 != nil || !clean(f[0], f[3], f[4], f[5]) || !end.After(start) {
		return ActionClaim{}, ErrTokenInvalid
	}
	c := ActionClaim{Action: f[0], Slot: Slot{Start: start, End: end}, Server: f[3], User: f[4], Nonce: f[5], Expires: exp}
	if !now.Before(exp) {
		return c, ErrTokenExpired
	}
	return c, nil
}

// strict decodes only the canonical encoding: a token has one spelling.
var strict = base64.RawURLEncoding.Strict()
