package layer

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"codeberg.org/opteos/roomgate/gateway"
	"codeberg.org/opteos/roomgate/meetings"
)

// Attendance report: after a booking's meeting ends, its organizer gets
// the participants report of each of its instances (who joined, when,
// until when) as a table and as a CSV file attached. People left in the
// waiting room (status in_waiting_room) were never in the meeting: they
// are listed apart. Zoom reports only instances with two or more
// participants, host included: one with fewer has no report, and no mail
// is sent for it.

// zoomReportWait is how long after the end the report is waited for.
const zoomReportWait = 24 * time.Hour

// zoomAttendance is the attendance job of a booking.
func (l *Layer) zoomAttendance(ctx context.Context, j meetings.Job) error {
	b, m, err := l.zoomAfterMeeting(ctx, j)
	if b == nil || err != nil {
		return err
	}
	now := l.now()
	ps, waiting, err := l.caps.Report(ctx, m.MeetingID, now.Add(zoomRecordingsRetry), l.log.With("booking_id", b.ID))
	var later *meetings.Later
	if errors.As(err, &later) && now.After(b.End.Add(zoomReportWait)) {
		l.log.Info("no participants report came", "booking_id", b.ID, "why", later.Why)
		err = nil // the meeting never took place, or Zoom has nothing
	}
	if err != nil {
		return err
	}
	return l.store.Update(ctx, func(tx gateway.Tx) error {
		ztx, err := meetingTx(tx)
		if err != nil {
			return err
		}
		first, err := ztx.AlertOnce(ctx, "attendance-mail:"+strconv.FormatInt(b.ID, 10), now.UTC())
		if err != nil {
			return err
		}
		if first && len(ps) > 0 && !l.g.MustNotAnswer(b.Organizer) {
			if err := l.queueAttendance(ctx, tx, b, ps, waiting); err != nil {
				return err
			}
		}
		_, err = ztx.FinishJob(ctx, j.ID, j.Version, now.UTC())
		return err
	})
}

// queueAttendance queues the report mail of booking b.
func (l *Layer) queueAttendance(ctx context.Context, tx gateway.Tx, b *gateway.Booking, ps, waiting []meetings.Participant) error {
	v := l.zoomBookingView(b)
	v.Zoom = l.zoomBaseView()
	v.Zoom.Attendance = l.attendees(ps)
	v.Zoom.Waiting = l.attendees(waiting)
	name := attendanceFile[v.Lang] + b.Start.In(l.loc).Format("2006-01-02") + ".csv"
	return l.g.QueueNotice(ctx, tx, gateway.NoticeMail{Key: "zoom-attendance:" + strconv.FormatInt(b.ID, 10),
		From: l.g.RoomSender(b), To: gateway.Address{Name: b.OrganizerName, Addr: b.Organizer},
		Template: gateway.TmplZoomAttendance, View: v,
		File: &gateway.Attachment{Name: name, ContentType: "text/csv; charset=UTF-8", Data: attendanceCSV(v.Lang, v.Zoom.Attendance)}})
}

// attendees turns the report into rows for people, by join time.
func (l *Layer) attendees(ps []meetings.Participant) []gateway.ZoomAttendeeView {
	loc := l.loc
	out := make([]gateway.ZoomAttendeeView, 0, len(ps))
	for _, p := range ps {
		mins := 0
		if p.Leave.After(p.Join) {
			mins = int((p.Leave.Sub(p.Join) + 30*time.Second) / time.Minute)
		}
		out = append(out, gateway.ZoomAttendeeView{Name: gateway.StoredText(p.Name, 200), Email: gateway.StoredText(p.Email, 254),
			Time: gateway.Slot{Start: p.Join.In(loc), End: p.Leave.In(loc)}, Minutes: mins})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Start.Before(out[j].Time.Start) })
	return out
}

// The CSV file's name and header, per language.
var (
	attendanceFile = map[string]string{"fr": "presences-", "en": "attendance-"}
	attendanceHead = map[string][]string{
		"fr": {"Nom", "Adresse", "Arrivée", "Départ", "Minutes"},
		"en": {"Name", "E-mail", "Joined", "Left", "Minutes"},
	}
)

// attendanceCSV writes the report as CSV (RFC 4180), times in the display
// zone. A cell that a spreadsheet would read as a formula is quoted with
// an apostrophe: a participant's name is anyone's to choose.
func attendanceCSV(lang string, rows []gateway.ZoomAttendeeView) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	head := attendanceHead[lang]
	if head == nil {
		head = attendanceHead["en"]
	}
	_ = w.Write(head)
	for _, r := range rows {
		_ = w.Write([]string{csvCell(r.Name), csvCell(r.Email), r.Time.Start.Format("2006-01-02 15:04"),
			r.Time.End.Format("2006-01-02 15:04"), strconv.Itoa(r.Minutes)})
	}
	w.Flush()
	return b.Bytes()
}

func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
