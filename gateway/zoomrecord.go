package gateway

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/meetings"
)

// Recordings kept: after a booking's meeting ends, the cloud recordings
// of each of its instances (a meeting held twice has two) are copied into
// RecordingsDir/<booking ID>/ (each file streamed to a temporary file,
// checked, then renamed into place), the organizer is mailed a link that
// works RecordingsKeep, and only then are they moved to Zoom's trash.
// Every file Zoom lists is copied first, participant audio files
// included: the trash takes them all. A file that fails to copy keeps
// everything on Zoom and the job tries again.
//
// A copy is checked against Zoom's size; files Zoom lists without size
// nor ID (CC, TIMELINE) are checked as far as possible: the transfer
// ended cleanly and the file is not empty. Copies are keyed by Zoom's file
// ID, or for those by instance, type and download URL, so two of them
// never stand for each other.

// Waits of the recordings job.
const (
	zoomRecordingsWait  = 48 * time.Hour   // after the end, give up looking for recordings
	zoomRecordingsRetry = 15 * time.Minute // look again for recordings not there yet
	zoomProcessingRetry = 10 * time.Minute // look again at files Zoom is still processing
)

// zoomRecordings is the recordings job of a booking.
func (g *Gateway) zoomRecordings(ctx context.Context, j meetings.Job) error {
	b, m, err := g.zoomAfterMeeting(ctx, j)
	if b == nil || err != nil {
		return err
	}
	now := g.opt.Now()
	held, files, err := g.zoomInstanceFiles(ctx, m.MeetingID)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		if now.After(b.End.Add(zoomRecordingsWait)) {
			return g.zoomFinish(ctx, j)
		}
		return &meetings.Later{At: now.Add(zoomRecordingsRetry), Why: "no cloud recording yet"}
	}
	for _, f := range files {
		if !f.Completed {
			return &meetings.Later{At: now.Add(zoomProcessingRetry), Why: "Zoom is still processing the recording"}
		}
	}
	if err := g.copyRecordings(ctx, b, files); err != nil {
		return err
	}
	if err := g.mailRecordings(ctx, b); err != nil {
		return err
	}
	// Every file of every instance is copied and verified, and the
	// organizer told: only now may Zoom's copies go (to its trash, from
	// which it can still be restored for 30 days).
	for _, in := range held {
		if err := g.zoom.caps.rec.TrashRecordings(ctx, in); err != nil {
			return fmt.Errorf("trash the recordings of instance %s (copies verified): %w", in, err)
		}
	}
	g.log.Info("zoom recordings copied and trashed", "booking_id", b.ID, "files", len(files), "instances", len(held))
	return g.zoomFinish(ctx, j)
}

// zoomInstances names the instances of a meeting that ended: their UUIDs,
// or the meeting's number (its last instance) while Zoom lists none.
func (g *Gateway) zoomInstances(ctx context.Context, id int64) ([]string, error) {
	past, err := g.zoom.caps.rec.Instances(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("list the meeting's instances: %w", err)
	}
	var out []string
	for _, p := range past {
		if p.UUID != "" && !slices.Contains(out, p.UUID) {
			out = append(out, p.UUID)
		}
	}
	if len(out) == 0 {
		out = []string{strconv.FormatInt(id, 10)}
	}
	return out, nil
}

// zoomInstanceFiles lists the files of every instance of meeting id and
// the instances that have some.
func (g *Gateway) zoomInstanceFiles(ctx context.Context, id int64) ([]string, []ZoomFile, error) {
	ins, err := g.zoomInstances(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	var held []string
	var all []ZoomFile
	for _, in := range ins {
		files, err := g.zoom.caps.rec.Recordings(ctx, in)
		if err != nil {
			return nil, nil, err
		}
		if len(files) > 0 {
			held = append(held, in)
		}
		for _, f := range files {
			f.Instance = in
			all = append(all, f)
		}
	}
	return held, all, nil
}

// zoomFileKey names a file for good: Zoom's file ID, or for a file
// without one (CC, TIMELINE) its instance, type and download URL.
func zoomFileKey(f ZoomFile) string {
	if f.ID != "" {
		return f.ID
	}
	sum := sha256.Sum256([]byte(f.Instance + "\x00" + f.Type + "\x00" + f.URLHash))
	return "nid-" + hex.EncodeToString(sum[:12])
}

// copyRecordings copies every file not copied yet, recording each copy
// once verified.
func (g *Gateway) copyRecordings(ctx context.Context, b *Booking, files []ZoomFile) error {
	z := g.zoom.opt
	have, err := z.Store.ZoomRecordings(ctx, b.ID)
	if err != nil {
		return err
	}
	done := map[string]bool{}
	for _, r := range have {
		done[r.FileID] = r.DeletedAt.IsZero()
	}
	for _, f := range files {
		key := zoomFileKey(f)
		if done[key] {
			continue
		}
		name := g.recordingName(b, f, key)
		c, err := g.zoom.caps.rec.Download(ctx, f, b.ID, name)
		if err != nil {
			z.Metrics.ZoomEvent("recording_copy_failed")
			return fmt.Errorf("copy recording %s: %w", name, err)
		}
		r := ZoomRecording{BookingID: b.ID, FileID: key, Name: name, FileType: f.Type, Size: c.Size, SHA256: c.SHA256,
			ExpiresAt: b.End.Add(z.RecordingsKeep).UTC()}
		err = g.opt.Store.Update(ctx, func(tx Tx) error {
			ztx, err := meetingTx(tx)
			if err != nil {
				return err
			}
			return ztx.SaveZoomRecording(ctx, &r)
		})
		if err != nil {
			return err
		}
		done[key] = true
		g.log.Info("zoom recording copied", "booking_id", b.ID, "file", name, "type", f.Type, "bytes", c.Size,
			"checked", c.Checked)
		z.Metrics.ZoomRecordingCopied(c.Size)
	}
	return nil
}

// recordingName is the file name of a copy: date and time of the file's
// start (the booking's when unknown), kind, a piece of its key (two files
// may be of one kind) and the extension, in letters, digits, "-", "_" and
// "." only.
func (g *Gateway) recordingName(b *Booking, f ZoomFile, key string) string {
	kind := f.RecordingType
	switch {
	case f.Participant && f.Name != "":
		kind = "participant_" + strings.TrimSuffix(f.Name, filepath.Ext(f.Name))
	case f.Participant:
		kind = "participant"
	case kind == "":
		kind = f.Type
	}
	kind = storedText(kind, 60)
	id := strings.TrimPrefix(key, "nid-")
	if len(id) > 8 {
		id = id[:8]
	}
	ext := strings.ToLower(f.Extension)
	if ext == "" && f.Name != "" {
		ext = strings.ToLower(strings.TrimPrefix(filepath.Ext(f.Name), "."))
	}
	if ext == "" {
		ext = "bin"
	}
	at := b.Start
	if !f.Start.IsZero() {
		at = f.Start
	}
	name := fmt.Sprintf("%s_%s_%s.%s", at.In(g.opt.Location).Format("2006-01-02_1504"), kind, id, ext)
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, name)
}

// mailRecordings mails the organizer the link to the copies, once.
func (g *Gateway) mailRecordings(ctx context.Context, b *Booking) error {
	z := g.zoom.opt
	recs, err := z.Store.ZoomRecordings(ctx, b.ID)
	if err != nil {
		return err
	}
	return g.opt.Store.Update(ctx, func(tx Tx) error {
		ztx, err := meetingTx(tx)
		if err != nil {
			return err
		}
		first, err := ztx.ZoomAlertOnce(ctx, "recordings-mail:"+strconv.FormatInt(b.ID, 10), g.opt.Now().UTC())
		if err != nil || !first {
			return err
		}
		token := newToken()
		m, err := zoomEdit(ctx, ztx, b.ID, func(m *ZoomMeeting) {
			m.RecordingsToken, m.RecordingsUntil = TokenHash(token), b.End.Add(z.RecordingsKeep).UTC()
		})
		if err != nil {
			return err
		}
		if g.mustNotAnswer(b.Organizer) {
			return nil
		}
		v := g.zoomBookingView(b)
		v.Zoom = g.zoomBaseView()
		v.Zoom.RecordingsURL = strings.TrimRight(z.PublicURL, "/") + "/recordings/" + token
		v.Zoom.RecordingsUntil = m.RecordingsUntil.In(g.opt.Location)
		for _, r := range recs {
			v.Zoom.Files = append(v.Zoom.Files, ZoomFileView{Name: r.Name, Type: r.FileType, Size: humanSize(r.Size)})
		}
		text, err := g.opt.Renderer.Render(v.Lang, TmplZoomRecordings, v)
		if err != nil {
			return fmt.Errorf("render %s mail: %w", TmplZoomRecordings, err)
		}
		key := "zoom-recordings:" + strconv.FormatInt(b.ID, 10)
		return g.queueNotice(ctx, tx, key, "", g.roomSender(b), Address{Name: b.OrganizerName, Addr: b.Organizer}, text)
	})
}

// newToken returns 256 random bits, URL-safe.
func newToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("gateway: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// TokenHash is what is stored of a link's token: its SHA-256, in hex, so
// that the database alone does not open the links.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// zoomCleanup removes the copies whose link expired.
func (g *Gateway) zoomCleanup(ctx context.Context) error {
	z := g.zoom.opt
	if !z.Recordings {
		return nil
	}
	old, err := z.Store.ExpiredZoomRecordings(ctx, g.opt.Now(), 100)
	if err != nil {
		return err
	}
	for _, r := range old {
		if err := z.copies().Remove(r.BookingID, r.Name); err != nil {
			return err
		}
		err := g.opt.Store.Update(ctx, func(tx Tx) error {
			ztx, err := meetingTx(tx)
			if err != nil {
				return err
			}
			return ztx.MarkZoomRecordingDeleted(ctx, r.ID, g.opt.Now().UTC())
		})
		if err != nil {
			return err
		}
		g.log.Info("recording copy removed: its link expired", "booking_id", r.BookingID, "file", r.Name)
	}
	return nil
}
