package gateway

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The facilitators' links. A token is
//
//	<nonce>.<action>.<expiry>.<mac>
//
// nonce: 32 lower-case hex digits naming the approval (Booking.Approval);
// action: "approve" or "refuse"; expiry: Unix seconds, the start of the
// request's first date; mac: base64url (no padding) of HMAC-SHA256 under
// ApprovalOptions.Key of approvalMACLabel and the first three fields.
// The link carries no booking ID, name or address: a token proves only
// that roomgate wrote it, and single use comes from the bookings' state
// (once decided they are no longer pending).

// Errors of Approval and DecideApproval.
var (
	// ErrApprovalInvalid: the token is malformed or its signature wrong.
	ErrApprovalInvalid = errors.New("this approval link is not valid")
	// ErrApprovalExpired: the request's meeting has begun.
	ErrApprovalExpired = errors.New("this approval link has expired: the meeting has begun")
	// ErrApprovalReplaced: the organizer changed the request since; the
	// facilitators got a new mail for it.
	ErrApprovalReplaced = errors.New("the request was changed since this link was sent; a newer mail asks for it")
	// ErrApprovalDone: the request was already decided (ApprovalView.State
	// says how).
	ErrApprovalDone = errors.New("this request was already decided")
)

// Actions of approval links.
const (
	ApprovalApprove = "approve"
	ApprovalRefuse  = "refuse"
)

// approvalMACLabel separates the links' MACs from any other use of the key.
const approvalMACLabel = "roomgate approval link v1\n"

// maxTokenLen bounds what is read of a token.
const maxTokenLen = 200

// newNonce draws 128 random bits as hex.
func newNonce() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand: " + err.Error()) // never fails on supported systems
	}
	return hex.EncodeToString(b[:])
}

// ApprovalToken is the link token for one approval and action, valid
// until expires.
func (g *Gateway) ApprovalToken(nonce, action string, expires time.Time) string {
	payload := nonce + "." + action + "." + strconv.FormatInt(expires.Unix(), 10)
	return payload + "." + base64.RawURLEncoding.EncodeToString(g.approvalMAC(payload))
}

func (g *Gateway) approvalMAC(payload string) []byte {
	m := hmac.New(sha256.New, g.opt.Approval.Key)
	m.Write([]byte(approvalMACLabel))
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// approvalLink is the facilitators' URL for a token.
func (g *Gateway) approvalLink(token string) string {
	return strings.TrimRight(g.opt.Approval.PublicURL, "/") + "/approval?t=" + url.QueryEscape(token)
}

// approvalLinks signs both links of an approval.
func (g *Gateway) approvalLinks(nonce string, expires time.Time) *ApprovalLinks {
	return &ApprovalLinks{Approve: g.approvalLink(g.ApprovalToken(nonce, ApprovalApprove, expires)),
		Refuse: g.approvalLink(g.ApprovalToken(nonce, ApprovalRefuse, expires)), Expires: expires.In(g.opt.Location)}
}

// ApprovalLinks are the two signed links of a facilitators' mail.
type ApprovalLinks struct {
	Approve, Refuse string
	Expires         time.Time // display zone
}

// approvalClaim is what a valid token says.
type approvalClaim struct {
	nonce, action string
	expires       time.Time
}

// readToken checks a token's form and signature (in constant time), then
// its expiry against now.
func (g *Gateway) readToken(token string, now time.Time) (approvalClaim, error) {
	if len(g.opt.Approval.Key) < minApprovalKey || len(token) > maxTokenLen {
		return approvalClaim{}, ErrApprovalInvalid
	}
	parts := strings.Split(token, ".")
	if len(parts) != 4 || !isNonce(parts[0]) || (parts[1] != ApprovalApprove && parts[1] != ApprovalRefuse) {
		return approvalClaim{}, ErrApprovalInvalid
	}
	sum, err := base64.RawURLEncoding.DecodeString(parts[3])
	if err != nil || !hmac.Equal(sum, g.approvalMAC(strings.Join(parts[:3], "."))) {
		return approvalClaim{}, ErrApprovalInvalid
	}
	unix, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || parts[2] != strconv.FormatInt(unix, 10) {
		return approvalClaim{}, ErrApprovalInvalid
	}
	c := approvalClaim{nonce: parts[0], action: parts[1], expires: time.Unix(unix, 0)}
	if !now.Before(c.expires) {
		return c, ErrApprovalExpired
	}
	return c, nil
}

// isNonce reports 32 lower-case hex digits.
func isNonce(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// describeClaim is a token for logs: its action and a prefix of its nonce,
// never the signature.
func describeClaim(c approvalClaim) string {
	if len(c.nonce) < 8 {
		return c.action
	}
	return fmt.Sprintf("%s %s…", c.action, c.nonce[:8])
}
