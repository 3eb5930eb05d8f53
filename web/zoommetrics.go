package web

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"codeberg.org/opteos/roomgate/meetings"
	"codeberg.org/opteos/roomgate/meetings/layer"
)

// ZoomMetrics counts Zoom API mode's work (layer.Metrics) in the
// registry of a Metrics.
type ZoomMetrics struct {
	jobs   *prometheus.CounterVec
	copied prometheus.Counter
	bytes  prometheus.Counter
	events *prometheus.CounterVec
}

var _ layer.Metrics = (*ZoomMetrics)(nil)

// Zoom returns the counters of Zoom API mode, registered on first use.
func (m *Metrics) Zoom() *ZoomMetrics {
	m.zoomOnce.Do(func() {
		z := &ZoomMetrics{
			jobs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "roomgate_zoom_jobs_total",
				Help: "Runs of Zoom jobs, by kind and result (done, retry, failed, later)."}, []string{"kind", "result"}),
			copied: prometheus.NewCounter(prometheus.CounterOpts{Name: "roomgate_zoom_recordings_copied_total",
				Help: "Cloud recording files copied and verified."}),
			bytes: prometheus.NewCounter(prometheus.CounterOpts{Name: "roomgate_zoom_recording_bytes_total",
				Help: "Bytes of cloud recordings copied and verified."}),
			events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "roomgate_zoom_events_total",
				Help: "Zoom API mode events: released, unbooked_alert, overrun_ended, recording_copy_failed."}, []string{"what"}),
		}
		m.reg.MustRegister(z.jobs, z.copied, z.bytes, z.events)
		m.zoom = z
	})
	return m.zoom
}

// ZoomJob counts one run of a job.
func (z *ZoomMetrics) ZoomJob(kind, result string) { z.jobs.WithLabelValues(kind, result).Inc() }

// ZoomRecordingCopied counts a file copied and verified.
func (z *ZoomMetrics) ZoomRecordingCopied(n int64) {
	z.copied.Inc()
	z.bytes.Add(float64(n))
}

// ZoomEvent counts a release, an alert, an overrun ended, a failed copy.
func (z *ZoomMetrics) ZoomEvent(what string) { z.events.WithLabelValues(what).Inc() }

// watchZoom publishes the queue's depth at each scrape, read from the
// store of the latest Server (a reload opens the database again).
func (m *Metrics) watchZoom(s ZoomStore) {
	m.zoomStore.Store(&s)
	m.zoomStoreOnce.Do(func() { m.reg.MustRegister(&zoomCollector{m: m}) })
}

// zoomCollector reads the Zoom jobs by status at scrape time.
type zoomCollector struct{ m *Metrics }

var zoomJobsDesc = prometheus.NewDesc("roomgate_zoom_jobs", "Zoom jobs by status (pending, failed).", []string{"status"}, nil)

// Describe implements prometheus.Collector.
func (c *zoomCollector) Describe(ch chan<- *prometheus.Desc) { ch <- zoomJobsDesc }

// Collect implements prometheus.Collector.
func (c *zoomCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	s := c.m.zoomStore.Load()
	if s == nil {
		return
	}
	n, err := (*s).CountZoomJobs(ctx)
	if err != nil {
		return
	}
	for _, st := range []string{meetings.JobPending, meetings.JobFailed} {
		ch <- prometheus.MustNewConstMetric(zoomJobsDesc, prometheus.GaugeValue, float64(n[st]), st)
	}
}
