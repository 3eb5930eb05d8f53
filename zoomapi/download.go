package zoomapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// DownloadOptions tune Download.
type DownloadOptions struct {
	// Token authorises the download: the download_token of a
	// recording.completed event, or a list's download_access_token. Empty:
	// the API access token. It goes in the Authorization header, where Zoom
	// takes tokens since February 2023
	// (https://developers.zoom.us/blog/access-token-change-faq/).
	Token Secret
	// SHA256 is a hex checksum to verify, when one is known.
	SHA256 string
	// MaxSize bounds a file whose size Zoom did not give; default 20 GiB.
	MaxSize int64
}

// Downloaded is a file copied and verified.
type Downloaded struct {
	Path   string
	Size   int64
	SHA256 string // hex, of the bytes written
	// Checked says how the copy was verified: "size" (Zoom's file_size),
	// "sha256" (a checksum given), or "complete" for a file Zoom gave
	// neither for (CC, TIMELINE): the transfer ended cleanly (its
	// Content-Length matched, or its chunked framing closed) and the
	// file is not empty. A cut that looks like a clean end cannot be
	// told from the whole file then.
	Checked string
}

// VerifyError is a copy that does not match what Zoom announced (size or
// checksum); the download is tried again, and nothing may be trashed.
type VerifyError struct {
	What       string
	Want, Have string
}

func (e *VerifyError) Error() string {
	return fmt.Sprintf("zoom: download: %s mismatch: want %s, have %s", e.What, e.Want, e.Have)
}

// Temporary is true: another download may succeed.
func (e *VerifyError) Temporary() bool { return true }

// Download copies a recording file into dir/name: it streams to a
// temporary file in dir, checks the size Zoom gave (and SHA256 when set),
// syncs it, renames it into place and syncs dir, so that name exists only
// complete and verified. A file with neither size nor checksum (CC,
// TIMELINE) is verified as far as possible: see Downloaded.Checked. Zoom
// answers a download URL with a redirect to its storage, which the client
// follows (Go's client drops the Authorization header when the redirect
// leaves the domain).
func (c *Client) Download(ctx context.Context, f RecordingFile, dir, name string, o DownloadOptions) (*Downloaded, error) {
	if err := c.checkDownload(f, name); err != nil {
		return nil, err
	}
	if o.MaxSize <= 0 {
		o.MaxSize = 20 << 30
	}
	var out *Downloaded
	err := c.retry(ctx, "download recording", true, c.opt.DownloadTimeout, func(ctx context.Context) error {
		d, err := c.downloadOnce(ctx, f, dir, name, o)
		out = d
		return err
	})
	return out, err
}

// checkDownload refuses a file not ready, a name that is not a plain file
// name, and a URL outside Zoom's domains (the token must not go elsewhere).
func (c *Client) checkDownload(f RecordingFile, name string) error {
	if f.Status != "" && f.Status != "completed" {
		return fmt.Errorf("zoom: download: the file is %q, not completed", f.Status)
	}
	if name == "" || name != filepath.Base(name) || strings.HasPrefix(name, ".") || strings.ContainsAny(name, `/\`) {
		return fmt.Errorf("zoom: download: %q is not a plain file name", name)
	}
	u, err := url.Parse(f.DownloadURL)
	if err != nil || u.Host == "" {
		return errors.New("zoom: download: the download URL is not absolute")
	}
	if u.Scheme != "https" && (u.Scheme != "http" || !isLoopback(u.Hostname())) {
		return errors.New("zoom: download: the download URL is not https")
	}
	if !c.downloadHostAllowed(u.Hostname()) {
		return fmt.Errorf("zoom: download: host %q is not one of Zoom's", u.Hostname())
	}
	return nil
}

func (c *Client) downloadHostAllowed(host string) bool {
	host = strings.ToLower(host)
	if base, err := url.Parse(c.opt.BaseURL); err == nil && strings.EqualFold(base.Hostname(), host) {
		return true
	}
	for _, d := range c.opt.DownloadDomains {
		d = strings.ToLower(d)
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// downloadOnce is one attempt; it leaves no temporary file behind.
func (c *Client) downloadOnce(ctx context.Context, f RecordingFile, dir, name string, o DownloadOptions) (*Downloaded, error) {
	resp, tok, err := c.getFile(ctx, f.DownloadURL, o.Token)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		if o.Token != "" {
			tok = "" // a download token cannot be renewed here
		}
		return nil, c.failure("download recording", resp, tok)
	}
	if f.FileSize > 0 && resp.ContentLength >= 0 && resp.ContentLength != f.FileSize {
		return nil, &VerifyError{What: "size", Want: fmt.Sprint(f.FileSize), Have: fmt.Sprint(resp.ContentLength)}
	}
	tmp, err := os.CreateTemp(dir, "."+name+".*.part")
	if err != nil {
		return nil, fmt.Errorf("zoom: download: %w", err)
	}
	d, err := copyVerified(ctx, tmp, resp.Body, f.FileSize, o)
	if err == nil {
		err = commit(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, err
	}
	d.Path = filepath.Join(dir, name)
	return d, nil
}

// getFile sends the GET with the download or access token. Go's client
// does not forward Authorization on a redirect to another domain (Zoom
// redirects downloads to its storage).
func (c *Client) getFile(ctx context.Context, rawURL string, token Secret) (*http.Response, Secret, error) {
	tok := token
	if tok == "" {
		var err error
		if tok, err = c.tokens.get(ctx); err != nil {
			return nil, "", err
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, "", fmt.Errorf("zoom: download: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+tok.Reveal())
	req.Header.Set("User-Agent", "roomgate-zoomapi")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, "", &transportError{op: "download recording", err: withoutURL(err)}
	}
	return resp, tok, nil
}

// copyVerified streams body into w, hashing it, and checks size and
// checksum.
func copyVerified(ctx context.Context, w io.Writer, body io.Reader, size int64, o DownloadOptions) (*Downloaded, error) {
	limit := o.MaxSize
	if size > 0 {
		limit = size
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(body, limit+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, &transportError{op: "download recording", err: ctx.Err()}
		}
		return nil, &transportError{op: "download recording", err: withoutURL(err)}
	}
	sum := hex.EncodeToString(h.Sum(nil))
	switch {
	case size > 0 && n != size:
		return nil, &VerifyError{What: "size", Want: fmt.Sprint(size), Have: fmt.Sprint(n)}
	case size <= 0 && n > limit:
		return nil, fmt.Errorf("zoom: download: the file exceeds %d bytes", limit)
	case o.SHA256 != "" && !strings.EqualFold(o.SHA256, sum):
		return nil, &VerifyError{What: "SHA-256", Want: strings.ToLower(o.SHA256), Have: sum}
	case size <= 0 && n == 0:
		return nil, &VerifyError{What: "size", Want: "more than 0 bytes", Have: "0"}
	}
	d := &Downloaded{Size: n, SHA256: sum, Checked: "complete"}
	switch {
	case o.SHA256 != "":
		d.Checked = "sha256"
	case size > 0:
		d.Checked = "size"
	}
	return d, nil
}

// commit syncs and closes tmp, renames it to final and syncs the
// directory, so that a crash leaves either no file or the whole one.
func commit(tmp *os.File, final string) error {
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("zoom: download: sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("zoom: download: close: %w", err)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return fmt.Errorf("zoom: download: %w", err)
	}
	d, err := os.Open(filepath.Dir(final))
	if err != nil {
		return fmt.Errorf("zoom: download: sync directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("zoom: download: sync directory: %w", err)
	}
	return nil
}
