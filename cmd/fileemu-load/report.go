package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"text/tabwriter"
	"time"
)

// result is one upload's outcome: ok, refused (507 in the API's form), failed (any other
// error), lost (accepted but not read back intact) or leaked (readable from another session).
type result struct {
	flow, name, outcome, detail string
	size                        int64
	latency                     time.Duration
}

// tally counts outcomes, for one API and for the whole run.
type tally struct {
	OK          int   `json:"ok"`
	Refused     int   `json:"refused"`
	Failed      int   `json:"failed"`
	Lost        int   `json:"lost"`
	Leaked      int   `json:"leaked"`
	BytesStored int64 `json:"bytes_stored"`
}

func (t *tally) count(res result) {
	switch res.outcome {
	case "ok":
		t.OK++
		t.BytesStored += res.size
	case "refused":
		t.Refused++
	case "failed":
		t.Failed++
	case "lost":
		t.Lost++
	case "leaked":
		t.Leaked++
	}
}

// flowStats are one API's figures.
type flowStats struct {
	tally
	P50ms int64 `json:"p50_ms"`
	P99ms int64 `json:"p99_ms"`
	lat   []time.Duration
}

// report is the run's outcome, as printed and as -json writes it.
type report struct {
	mu       sync.Mutex
	Sessions int `json:"sessions"`
	Uploads  int `json:"uploads"`
	NotRun   int `json:"not_run"`
	tally
	Seconds      float64 `json:"seconds"`
	MBps         float64 `json:"mb_per_s"`
	PeakRSS      int64   `json:"peak_rss_bytes"`
	BaseRSS      int64   `json:"base_rss_bytes"`
	Retries      int     `json:"retries"`
	RSSByQuarter []int64 `json:"rss_by_quarter,omitempty"` // VmRSS after 25, 50, 75, 100% of the uploads
	rss          func() int64
	ScenarioHits int                   `json:"scenario_hits"`
	MaxStorage   int64                 `json:"max_storage_bytes,omitempty"`
	Scenario     string                `json:"scenario,omitempty"`
	Flows        map[string]*flowStats `json:"flows"`
	Problems     []string              `json:"problems,omitempty"`
}

func newReport(cfg config, planned int) *report {
	r := &report{Sessions: cfg.sessions, Uploads: planned, NotRun: planned, MaxStorage: cfg.maxStorage,
		Scenario: cfg.scenario, Flows: map[string]*flowStats{}}
	for _, f := range flowNames {
		r.Flows[f] = &flowStats{}
	}
	return r
}

func (r *report) add(res result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.NotRun--
	if done := r.Uploads - r.NotRun; r.rss != nil && done*4 >= (len(r.RSSByQuarter)+1)*r.Uploads {
		r.RSSByQuarter = append(r.RSSByQuarter, r.rss())
	}
	f := r.Flows[res.flow]
	r.count(res)
	f.count(res)
	switch res.outcome {
	case "ok":
		f.lat = append(f.lat, res.latency)
		return
	case "refused":
		return // a refusal for room is the expected answer, not a problem
	}
	if len(r.Problems) < 50 {
		r.Problems = append(r.Problems, fmt.Sprintf("%s %s %s (%d B): %s", res.outcome, res.flow, res.name, res.size, res.detail))
	}
}

func (r *report) finish(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Seconds = d.Seconds()
	if r.Seconds > 0 {
		r.MBps = float64(r.BytesStored) / 1e6 / r.Seconds
	}
	for _, f := range r.Flows {
		slices.Sort(f.lat)
		f.P50ms, f.P99ms = percentile(f.lat, 50).Milliseconds(), percentile(f.lat, 99).Milliseconds()
	}
}

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[(len(sorted)-1)*p/100]
}

// Passed is false on any failed, lost, leaked or not-run upload.
func (r *report) Passed() bool {
	return r.Failed == 0 && r.Lost == 0 && r.Leaked == 0 && r.NotRun == 0
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "fileemu-load: %d sessions, %d uploads", r.Sessions, r.Uploads)
	if r.Scenario != "" {
		fmt.Fprintf(w, ", scenario %s", r.Scenario)
	}
	if r.MaxStorage > 0 {
		fmt.Fprintf(w, ", --max-storage %s", mib(r.MaxStorage))
	}
	fmt.Fprintf(w, ", %.1f s\n\n", r.Seconds)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "api\tok\trefused\tfailed\tlost\tleaked\tstored\tp50\tp99\t")
	for _, name := range flowNames {
		f := r.Flows[name]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t\n", name, f.OK, f.Refused, f.Failed, f.Lost, f.Leaked,
			mib(f.BytesStored), time.Duration(f.P50ms)*time.Millisecond, time.Duration(f.P99ms)*time.Millisecond)
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t%d\t%d\t%d\t%s\t\t\t\n", r.OK, r.Refused, r.Failed, r.Lost, r.Leaked, mib(r.BytesStored))
	tw.Flush()
	fmt.Fprintf(w, "\nthroughput %.1f MB/s (bytes stored / wall time)", r.MBps)
	if r.NotRun > 0 {
		fmt.Fprintf(w, "; %d uploads not run (-duration reached)", r.NotRun)
	}
	fmt.Fprintln(w)
	if r.PeakRSS > 0 {
		fmt.Fprintf(w, "server peak RSS %s", mib(r.PeakRSS))
		if r.BytesStored > 0 {
			fmt.Fprintf(w, " = %.2f × bytes stored", float64(r.PeakRSS)/float64(r.BytesStored))
		}
		if r.MaxStorage > 0 {
			fmt.Fprintf(w, " = %.2f × --max-storage", float64(r.PeakRSS)/float64(r.MaxStorage))
		}
		fmt.Fprintf(w, " (%s right after start)\n", mib(r.BaseRSS))
		if len(r.RSSByQuarter) > 0 {
			fmt.Fprint(w, "server RSS after 25/50/75/100% of the uploads:")
			for _, b := range r.RSSByQuarter {
				fmt.Fprint(w, " "+mib(b))
			}
			fmt.Fprintln(w)
		}
	} else {
		fmt.Fprintln(w, "server peak RSS: n/a (-url: not this program's child)")
	}
	if r.Scenario != "" {
		fmt.Fprintf(w, "scenario %s: %d S3 responses reset or 503 by it (journal), %d upload steps retried by this program (the SDK retries its own)\n",
			r.Scenario, r.ScenarioHits, r.Retries)
	}
	for _, p := range r.Problems {
		fmt.Fprintln(w, "  "+p)
	}
	if r.Passed() {
		fmt.Fprintln(w, "PASS: nothing failed, lost or leaked")
	} else {
		fmt.Fprintln(w, "FAIL")
	}
}

func (r *report) writeJSON(path string, stdout io.Writer) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("json report: %w", err)
	}
	if path == "-" {
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("json report: %w", err)
	}
	return nil
}
