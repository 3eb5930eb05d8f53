package gateway

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
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
	held, files, err := g.zoom.caps.InstanceFiles(ctx, m.MeetingID)
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
		if err := g.zoom.caps.Rec.TrashRecordings(ctx, in); err != nil {
			return fmt.Errorf("trash the recordings of instance %s (copies verified): %w", in, err)
		}
	}
	g.log.Info("zoom recordings copied and trashed", "booking_id", b.ID, "files", len(files), "instances", len(held))
	return g.zoomFinish(ctx, j)
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
		key := meetings.FileKey(f)
		if done[key] {
			continue
		}
		name := meetings.FileName(f, key, b.Start, g.opt.Location)
		c, err := g.zoom.caps.Rec.Download(ctx, f, b.ID, name)
		if err != nil {
			z.Metrics.ZoomEvent("recording_copy_failed")
			return fmt.Errorf("copy recording %s: %w", name, err)
		}
		r := meetings.Recording{BookingID: b.ID, FileID: key, Name: name, FileType: f.Type, Size: c.Size, SHA256: c.SHA256,
			ExpiresAt: b.End.Add(z.RecordingsKeep).UTC()}
		err = g.opt.Store.Update(ctx, func(tx Tx) error {
			ztx, err := meetingTx(tx)
			if err != nil {
				return err
			}
			return ztx.SaveRecording(ctx, &r)
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
		first, err := ztx.AlertOnce(ctx, "recordings-mail:"+strconv.FormatInt(b.ID, 10), g.opt.Now().UTC())
		if err != nil || !first {
			return err
		}
		token := newToken()
		m, err := zoomEdit(ctx, ztx, b.ID, func(m *meetings.Meeting) {
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
			return ztx.MarkRecordingDeleted(ctx, r.ID, g.opt.Now().UTC())
		})
		if err != nil {
			return err
		}
		g.log.Info("recording copy removed: its link expired", "booking_id", r.BookingID, "file", r.Name)
	}
	return nil
}
