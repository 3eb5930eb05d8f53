package gateway

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

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
func (g *Gateway) zoomAttendance(ctx context.Context, j meetings.Job) error {
	b, m, err := g.zoomAfterMeeting(ctx, j)
	if b == nil || err != nil {
		return err
	}
	now := g.opt.Now()
	ps, waiting, err := g.zoom.caps.Report(ctx, m.MeetingID, now.Add(zoomRecordingsRetry), g.log.With("booking_id", b.ID))
	var later *meetings.Later
	if errors.As(err, &later) && now.After(b.End.Add(zoomReportWait)) {
		g.log.Info("no participants report came", "booking_id", b.ID, "why", later.Why)
		err = nil // the meeting never took place, or Zoom has nothing
	}
	if err != nil {
		return err
	}
	return g.opt.Store.Update(ctx, func(tx Tx) error {
		ztx, err := meetingTx(tx)
		if err != nil {
			return err
		}
		first, err := ztx.AlertOnce(ctx, "attendance-mail:"+strconv.FormatInt(b.ID, 10), now.UTC())
		if err != nil {
			return err
		}
		if first && len(ps) > 0 && !g.mustNotAnswer(b.Organizer) {
			if err := g.queueAttendance(ctx, tx, b, ps, waiting); err != nil {
				return err
			}
		}
		_, err = ztx.FinishJob(ctx, j.ID, j.Version, now.UTC())
		return err
	})
}

// queueAttendance queues the report mail of booking b.
func (g *Gateway) queueAttendance(ctx context.Context, tx Tx, b *Booking, ps, waiting []ZoomParticipant) error {
	v := g.zoomBookingView(b)
	v.Zoom = g.zoomBaseView()
	v.Zoom.Attendance = g.attendees(ps)
	v.Zoom.Waiting = g.attendees(waiting)
	text, err := g.opt.Renderer.Render(v.Lang, TmplZoomAttendance, v)
	if err != nil {
		return fmt.Errorf("render %s mail: %w", TmplZoomAttendance, err)
	}
	name := attendanceFile[v.Lang] + b.Start.In(g.opt.Location).Format("2006-01-02") + ".csv"
	now := g.opt.Now()
	from, to := g.roomSender(b), Address{Name: b.OrganizerName, Addr: b.Organizer}
	raw := composeWithFile(composeInput{From: from, To: to, Text: text, Date: now, AutoSubmitted: "auto-generated"},
		name, "text/csv; charset=UTF-8", attendanceCSV(v.Lang, v.Zoom.Attendance))
	m := OutboxMail{MessageKey: "zoom-attendance:" + strconv.FormatInt(b.ID, 10), From: from.Addr, To: []string{to.Addr},
		Raw: raw, Status: OutboxPending, NextAttempt: now.UTC(), CreatedAt: now.UTC()}
	if err := tx.Enqueue(ctx, &m); err != nil {
		return fmt.Errorf("queue mail: %w", err)
	}
	return nil
}

// attendees turns the report into rows for people, by join time.
func (g *Gateway) attendees(ps []ZoomParticipant) []ZoomAttendeeView {
	loc := g.opt.Location
	out := make([]ZoomAttendeeView, 0, len(ps))
	for _, p := range ps {
		mins := 0
		if p.Leave.After(p.Join) {
			mins = int((p.Leave.Sub(p.Join) + 30*time.Second) / time.Minute)
		}
		out = append(out, ZoomAttendeeView{Name: storedText(p.Name, 200), Email: storedText(p.Email, 254),
			Time: Slot{p.Join.In(loc), p.Leave.In(loc)}, Minutes: mins})
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
func attendanceCSV(lang string, rows []ZoomAttendeeView) []byte {
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
