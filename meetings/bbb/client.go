package bbb

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/meetings/internal/vtool"
)

// Algorithm is the hash of the checksum ("API Security Model": SHA-1 and
// SHA-256, SHA-384 and SHA-512 since 2.5, chosen by the server from the
// checksum's length).
type Algorithm string

// The checksum algorithms.
const (
	SHA1   Algorithm = "sha1"
	SHA256 Algorithm = "sha256"
	SHA384 Algorithm = "sha384"
	SHA512 Algorithm = "sha512"
)

func (a Algorithm) hash() func() hash.Hash {
	switch a {
	case SHA1:
		return sha1.New
	case SHA256:
		return sha256.New
	case SHA384:
		return sha512.New384
	case SHA512:
		return sha512.New
	}
	return nil
}

// Checksum returns hex(H(call + query + secret)), the API's checksum of a
// call whose query string, without the checksum parameter, is query.
func Checksum(a Algorithm, call, query string, secret []byte) string {
	h := a.hash()()
	h.Write([]byte(call))
	h.Write([]byte(query))
	h.Write(secret)
	return hex.EncodeToString(h.Sum(nil))
}

// Defaults of Options.
const (
	DefaultTimeout   = 15 * time.Second
	DefaultMaxAnswer = 64 << 10
)

// Options configures a Client. URL and Secret are required.
type Options struct {
	// URL is the API endpoint, https://HOST/bigbluebutton/api/ (the
	// address `bbb-conf --secret` prints, …/bigbluebutton/, is completed).
	URL    string
	Secret vtool.Secret
	// Checksum is the algorithm (default SHA256).
	Checksum Algorithm
	// HTTPClient defaults to a client that follows no redirect.
	HTTPClient *http.Client
	// Timeout bounds one call (DefaultTimeout); MaxAnswer its answer's
	// size in bytes (DefaultMaxAnswer).
	Timeout   time.Duration
	MaxAnswer int64
}

// Client calls a BigBlueButton server's API. It is safe for concurrent
// use.
type Client struct {
	base   *url.URL
	secret []byte
	alg    Algorithm
	hc     *http.Client
	o      Options
}

// NewClient checks o and returns a Client.
func NewClient(o Options) (*Client, error) {
	base, err := apiURL(o.URL)
	if err != nil {
		return nil, err
	}
	if o.Secret == "" {
		return nil, errors.New("bbb: empty shared secret")
	}
	if o.Checksum == "" {
		o.Checksum = SHA256
	}
	if o.Checksum.hash() == nil {
		return nil, fmt.Errorf("bbb: unknown checksum algorithm %q", o.Checksum)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxAnswer <= 0 {
		o.MaxAnswer = DefaultMaxAnswer
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	return &Client{base: base, secret: []byte(o.Secret.Reveal()), alg: o.Checksum, hc: hc, o: o}, nil
}

// apiURL completes the server's address to the API endpoint, ending in
// "/api/".
func apiURL(raw string) (*url.URL, error) {
	u, err := vtool.CheckURL("url", raw)
	if err != nil {
		return nil, fmt.Errorf("bbb: %w", err)
	}
	p := strings.TrimSuffix(u.Path, "/")
	if !strings.HasSuffix(p, "/api") {
		p += "/api"
	}
	u.Path = p + "/"
	return u, nil
}

// URL returns the signed URL of call with params: the query string as
// url.Values.Encode writes it (keys sorted, values escaped, a space as
// "+", as in the reference's example), then &checksum=.
func (c *Client) URL(call string, params url.Values) string {
	q := params.Encode()
	cs := Checksum(c.alg, call, q, c.secret)
	u := *c.base
	u.Path += call
	if q != "" {
		q += "&"
	}
	u.RawQuery = q + "checksum=" + cs
	return u.String()
}

// response is the XML every call answers (fields of create,
// isMeetingRunning and end; others are ignored).
type response struct {
	XMLName           xml.Name `xml:"response"`
	ReturnCode        string   `xml:"returncode"`
	MessageKey        string   `xml:"messageKey"`
	Message           string   `xml:"message"`
	MeetingID         string   `xml:"meetingID"`
	InternalMeetingID string   `xml:"internalMeetingID"`
	CreateTime        string   `xml:"createTime"`
	Running           string   `xml:"running"`
}

// call does one API call and returns its SUCCESS answer, or an *Error
// for FAILED, or an error matching ErrUnavailable.
func (c *Client) call(ctx context.Context, call string, params url.Values) (*response, error) {
	ctx, cancel := context.WithTimeout(ctx, c.o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL(call, params), nil)
	if err != nil {
		return nil, fmt.Errorf("bbb: %s: %w", call, err)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		// *url.Error quotes the URL, whose checksum would let anyone
		// replay the call: keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("%w: %s: %w", ErrUnavailable, call, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s: HTTP %d", ErrUnavailable, call, res.StatusCode)
	}
	return c.decode(call, res)
}

// decode reads a bounded XML answer.
func (c *Client) decode(call string, res *http.Response) (*response, error) {
	b, err := vtool.ReadBounded(res.Body, c.o.MaxAnswer)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrUnavailable, call, err)
	}
	var r response
	if err := xml.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%w: %s: answer is not the API's XML: %v", ErrUnavailable, call, err)
	}
	switch r.ReturnCode {
	case "SUCCESS":
		return &r, nil
	case "FAILED":
		return nil, &Error{Call: call, MessageKey: vtool.Title(r.MessageKey, 64), Message: vtool.Title(r.Message, 200)}
	}
	return nil, fmt.Errorf("%w: %s: returncode %q", ErrUnavailable, call, vtool.Title(r.ReturnCode, 32))
}

// CreateParams are the create parameters roomgate sets.
type CreateParams struct {
	// MeetingID: 2 to 256 characters, no comma (since 2.4).
	MeetingID string
	// Name: 2 to 64 characters (since 2.4).
	Name string
	// AttendeePW and ModeratorPW (legacy, 2 to 64 characters): create is
	// idempotent only when they are the same as the first call's.
	AttendeePW, ModeratorPW string
	Record                  bool
	// ExpireIfNoUserJoined and ExpireWhenLastUserLeft, rounded up to
	// minutes (meetingExpireIfNoUserJoinedInMinutes and
	// meetingExpireWhenLastUserLeftInMinutes, since 2.5); 0 leaves the
	// server's default.
	ExpireIfNoUserJoined, ExpireWhenLastUserLeft time.Duration
	// Meta are meta_ parameters, e.g. {"bbb-origin": "roomgate"}.
	Meta map[string]string
}

// Meeting is create's answer.
type Meeting struct {
	MeetingID, InternalMeetingID string
	// CreateTime is the server's createTime, in milliseconds.
	CreateTime int64
	// Existed is true when the meeting was already there
	// (messageKey duplicateWarning).
	Existed bool
}

// Create creates the meeting, or finds it when it exists with the same
// passwords ("The create call is idempotent").
func (c *Client) Create(ctx context.Context, p CreateParams) (Meeting, error) {
	v := url.Values{"meetingID": {p.MeetingID}, "name": {p.Name}, "record": {strconv.FormatBool(p.Record)}}
	setIf(v, "attendeePW", p.AttendeePW)
	setIf(v, "moderatorPW", p.ModeratorPW)
	setMinutes(v, "meetingExpireIfNoUserJoinedInMinutes", p.ExpireIfNoUserJoined)
	setMinutes(v, "meetingExpireWhenLastUserLeftInMinutes", p.ExpireWhenLastUserLeft)
	for k, val := range p.Meta {
		v.Set("meta_"+k, val)
	}
	r, err := c.call(ctx, "create", v)
	if err != nil {
		return Meeting{}, err
	}
	ct, _ := strconv.ParseInt(r.CreateTime, 10, 64)
	return Meeting{MeetingID: r.MeetingID, InternalMeetingID: r.InternalMeetingID, CreateTime: ct,
		Existed: r.MessageKey == "duplicateWarning"}, nil
}

func setIf(v url.Values, k, val string) {
	if val != "" {
		v.Set(k, val)
	}
}

func setMinutes(v url.Values, k string, d time.Duration) {
	if d > 0 {
		v.Set(k, strconv.FormatInt(int64((d+time.Minute-1)/time.Minute), 10))
	}
}

// Role is a join's role (since 2.4).
type Role string

// The roles.
const (
	Moderator Role = "MODERATOR"
	Viewer    Role = "VIEWER"
)

// JoinParams are a join URL's parameters.
type JoinParams struct {
	MeetingID, FullName string
	Role                Role
	// Password is the legacy password matching Role, for servers older
	// than 2.4, which ignore role; "" leaves it out.
	Password string
	// CreateTime, when not 0, binds the URL to that session of the
	// meeting.
	CreateTime int64
}

// JoinURL returns the signed join URL; it makes no call. The user's
// browser opens it and the server redirects to its client.
func (c *Client) JoinURL(p JoinParams) string {
	v := url.Values{"meetingID": {p.MeetingID}, "fullName": {p.FullName}, "role": {string(p.Role)}}
	setIf(v, "password", p.Password)
	if p.CreateTime != 0 {
		v.Set("createTime", strconv.FormatInt(p.CreateTime, 10))
	}
	return c.URL("join", v)
}

// IsMeetingRunning reports whether the meeting is running (someone is in
// it).
func (c *Client) IsMeetingRunning(ctx context.Context, meetingID string) (bool, error) {
	r, err := c.call(ctx, "isMeetingRunning", url.Values{"meetingID": {meetingID}})
	if err != nil {
		return false, err
	}
	switch r.Running {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("%w: isMeetingRunning: running %q", ErrUnavailable, vtool.Title(r.Running, 16))
}

// End ends the meeting and sends its participants away. The server ends
// it a few seconds later ("end").
func (c *Client) End(ctx context.Context, meetingID string) error {
	_, err := c.call(ctx, "end", url.Values{"meetingID": {meetingID}})
	return err
}
