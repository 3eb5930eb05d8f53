package layer

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
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
func (l *Layer) zoomRecordings(ctx context.Context, j meetings.Job) error {
	b, m, err := l.zoomAfterMeeting(ctx, j)
	if b == nil || err != nil {
		return err
	}
	now := l.now()
	held, files, err := l.caps.InstanceFiles(ctx, m.MeetingID)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		if now.After(b.End.Add(zoomRecordingsWait)) {
			return l.zoomFinish(ctx, j)
		}
		return &meetings.Later{At: now.Add(zoomRecordingsRetry), Why: "no cloud recording yet"}
	}
	for _, f := range files {
		if !f.Completed {
			return &meetings.Later{At: now.Add(zoomProcessingRetry), Why: "Zoom is still processing the recording"}
		}
	}
	if err := l.copyRecordings(ctx, b, files); err != nil {
		return err
	}
	if err := l.mailRecordings(ctx, b); err != nil {
		return err
	}
	// Every file of every instance is copied and verified, and the
	// organizer told: only now may Zoom's copies go (to its trash, from
	// which it can still be restored for 30 days).
	for _, in := range held {
		if err := l.caps.Rec.TrashRecordings(ctx, in); err != nil {
			return fmt.Errorf("trash the recordings of instance %s (copies verified): %w", in, err)
		}
	}
	l.log.Info("zoom recordings copied and trashed", "booking_id", b.ID, "files", len(files), "instances", len(held))
	return l.zoomFinish(ctx, j)
}

// copyRecordings copies every file not copied yet, recording each copy
// once verified.
func (l *Layer) copyRecordings(ctx context.Context, b *gateway.Booking, files []meetings.File) error {
	z := l.opt
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
		name := meetings.FileName(f, key, b.Start, l.loc)
		c, err := l.caps.Rec.Download(ctx, f, b.ID, name)
		if err != nil {
			z.Metrics.ZoomEvent("recording_copy_failed")
			return fmt.Errorf("copy recording %s: %w", name, err)
		}
		r := meetings.Recording{BookingID: b.ID, FileID: key, Name: name, FileType: f.Type, Size: c.Size, SHA256: c.SHA256,
			ExpiresAt: b.End.Add(z.RecordingsKeep).UTC()}
		err = l.store.Update(ctx, func(tx gateway.Tx) error {
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
		l.log.Info("zoom recording copied", "booking_id", b.ID, "file", name, "type", f.Type, "bytes", c.Size,
			"checked", c.Checked)
		z.Metrics.ZoomRecordingCopied(c.Size)
	}
	return nil
}

// mailRecordings mails the organizer the link to the copies, once.
func (l *Layer) mailRecordings(ctx context.Context, b *gateway.Booking) error {
	z := l.opt
	recs, err := z.Store.ZoomRecordings(ctx, b.ID)
	if err != nil {
		return err
	}
	return l.store.Update(ctx, func(tx gateway.Tx) error {
		ztx, err := meetingTx(tx)
		if err != nil {
			return err
		}
		first, err := ztx.AlertOnce(ctx, "recordings-mail:"+strconv.FormatInt(b.ID, 10), l.now().UTC())
		if err != nil || !first {
			return err
		}
		token := newToken()
		m, err := zoomEdit(ctx, ztx, b.ID, func(m *meetings.Meeting) {
			m.RecordingsToken, m.RecordingsUntil = meetings.TokenHash(token), b.End.Add(z.RecordingsKeep).UTC()
		})
		if err != nil {
			return err
		}
		if l.g.MustNotAnswer(b.Organizer) {
			return nil
		}
		v := l.zoomBookingView(b)
		v.Zoom = l.zoomBaseView()
		v.Zoom.RecordingsURL = strings.TrimRight(z.PublicURL, "/") + "/recordings/" + token
		v.Zoom.RecordingsUntil = m.RecordingsUntil.In(l.loc)
		for _, r := range recs {
			v.Zoom.Files = append(v.Zoom.Files, gateway.ZoomFileView{Name: r.Name, Type: r.FileType, Size: humanSize(r.Size)})
		}
		key := "zoom-recordings:" + strconv.FormatInt(b.ID, 10)
		return l.g.QueueNotice(ctx, tx, gateway.NoticeMail{Key: key, From: l.g.RoomSender(b),
			To: gateway.Address{Name: b.OrganizerName, Addr: b.Organizer}, Template: gateway.TmplZoomRecordings, View: v})
	})
}

// newToken returns 256 random bits, URL-safe.
func newToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("layer: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// zoomCleanup removes the copies whose link expired.
func (l *Layer) zoomCleanup(ctx context.Context) error {
	z := l.opt
	if !z.Recordings {
		return nil
	}
	old, err := z.Store.ExpiredZoomRecordings(ctx, l.now(), 100)
	if err != nil {
		return err
	}
	for _, r := range old {
		if err := z.copies().Remove(r.BookingID, r.Name); err != nil {
			return err
		}
		err := l.store.Update(ctx, func(tx gateway.Tx) error {
			ztx, err := meetingTx(tx)
			if err != nil {
				return err
			}
			return ztx.MarkRecordingDeleted(ctx, r.ID, l.now().UTC())
		})
		if err != nil {
			return err
		}
		l.log.Info("recording copy removed: its link expired", "booking_id", r.BookingID, "file", r.Name)
	}
	return nil
}
