package output

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/keywarden/keywarden/internal/finding"
	"github.com/keywarden/keywarden/internal/rule"
)

// htmlSource is the report page. It has no external reference: styles, script and charts
// are inline, and its Content-Security-Policy forbids loading anything else.
//
//go:embed report.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Parse(htmlSource))

// Chart geometry, in SVG user units.
const (
	barLabelWidth = 190
	barWidth      = 420
	barHeight     = 22
	barGap        = 8
	histBarWidth  = 64
	histHeight    = 140
)

// htmlPage is what the template renders.
type htmlPage struct {
	Title     string
	Generated string
	Tool      Tool
	Rule      rule.Definition
	CIS       []rule.Compliance
	Other     []rule.Compliance
	Counts    []htmlCount
	Total     int
	Accounts  []htmlAccount
	Bars      htmlBars
	Histogram htmlHistogram
	Rows      []htmlRow
	Statuses  []finding.Status
	Sources   []Source
	Warnings  []string
}

type htmlCount struct {
	Status finding.Status
	Count  int
}

// htmlAccount is one line of the accounts table.
type htmlAccount struct {
	Account
	Label string
}

// htmlBars is the stacked bar chart of statuses per account.
type htmlBars struct {
	Height int
	Width  int
	Rows   []htmlBarRow
}

type htmlBarRow struct {
	Label    string
	Y, TextY int
	Total    int
	Segments []htmlSegment
}

type htmlSegment struct {
	Status finding.Status
	Count  int
	X, W   string
}

// htmlHistogram is the distribution of the delay between user and key creation.
type htmlHistogram struct {
	Width, Height, AxisY int
	Bars                 []htmlHistBar
}

type htmlHistBar struct {
	Label       string
	Count       int
	X, Y, H     string
	TextX       string
	InWindow    bool
	CountY      string
	LabelY      int
	Description string
}

// htmlRow is one result of the table.
type htmlRow struct {
	Status      finding.Status
	Severity    finding.Severity
	Account     string
	User        string
	Key         string
	Created     string
	Delta       string
	DeltaSort   string
	LastUsed    string
	Reason      finding.Reason
	Message     string
	Fix         *finding.Remediation
	Notes       []string
	Suppression *finding.Suppression
	Search      string
}

// newHTML writes one self-contained HTML page for auditors: the counts, charts, a sortable
// and filterable table of results with evidence and fixes, and the rule with its CIS
// mapping.
func newHTML(Options) Formatter {
	return FormatterFunc(func(w io.Writer, doc *Document) error {
		if err := htmlTemplate.Execute(w, htmlPageOf(doc)); err != nil {
			return fmt.Errorf("render html: %w", err)
		}
		return nil
	})
}

// htmlPageOf prepares the page data.
func htmlPageOf(doc *Document) *htmlPage {
	def := definitionOf(&finding.Result{})
	p := &htmlPage{
		Title:     "keywarden report: " + def.Title,
		Generated: doc.GeneratedAt.UTC().Format(time.RFC3339),
		Tool:      doc.Tool,
		Rule:      def,
		CIS:       cisControls(def),
		Statuses:  finding.Statuses,
		Sources:   doc.Sources,
		Warnings:  doc.Warnings,
	}
	for _, c := range def.Compliance {
		if !strings.HasPrefix(c.Framework, "CIS ") {
			p.Other = append(p.Other, c)
		}
	}
	for _, st := range finding.Statuses {
		p.Counts = append(p.Counts, htmlCount{Status: st, Count: doc.Summary[st]})
		p.Total += doc.Summary[st]
	}
	for _, a := range doc.Accounts {
		p.Accounts = append(p.Accounts, htmlAccount{Account: a, Label: suiteName(doc, a.ID)})
	}
	for i := range doc.Results {
		p.Rows = append(p.Rows, htmlRowOf(doc, &doc.Results[i]))
	}
	p.Bars = htmlBarsOf(doc)
	p.Histogram = htmlHistogramOf(doc.Results)
	return p
}

// htmlRowOf maps one result.
func htmlRowOf(doc *Document, r *finding.Result) htmlRow {
	row := htmlRow{
		Status: r.Status, Severity: r.Severity, Account: r.AccountID, User: r.UserName,
		Key: keyLabel(r), Created: shortTime(r.KeyCreatedAt), Delta: delta(r.SetupDeltaSeconds),
		DeltaSort: int64Ptr(r.SetupDeltaSeconds), LastUsed: lastUsed(r), Reason: r.Reason,
		Message: r.Message, Fix: r.Remediation, Notes: r.Notes, Suppression: r.Suppression,
	}
	if row.User == "" {
		row.User = "-"
	}
	row.Search = htmlSearchText(doc, r)
	return row
}

// htmlSearchText is what the filter box matches, in lower case: the account, the user, the
// key, the status and the reason.
func htmlSearchText(doc *Document, r *finding.Result) string {
	return strings.ToLower(strings.Join([]string{suiteName(doc, r.AccountID), r.UserName,
		keyLabel(r), string(r.Status), string(r.Reason)}, " "))
}

// htmlBarsOf builds one stacked bar per account, scaled to the largest account.
func htmlBarsOf(doc *Document) htmlBars {
	var ids []string
	counts := map[string]map[finding.Status]int{}
	for _, r := range doc.Results {
		if counts[r.AccountID] == nil {
			counts[r.AccountID] = map[finding.Status]int{}
			ids = append(ids, r.AccountID)
		}
		counts[r.AccountID][r.Status]++
	}

	largest := 1
	for _, id := range ids {
		largest = max(largest, sumCounts(counts[id]))
	}

	b := htmlBars{Width: barLabelWidth + barWidth + 50}
	for i, id := range ids {
		y := i * (barHeight + barGap)
		row := htmlBarRow{Label: suiteName(doc, id), Y: y, TextY: y + barHeight*2/3,
			Total: sumCounts(counts[id])}
		x := float64(barLabelWidth)
		for _, st := range finding.Statuses {
			n := counts[id][st]
			if n == 0 {
				continue
			}
			w := float64(n) / float64(largest) * barWidth
			row.Segments = append(row.Segments, htmlSegment{Status: st, Count: n,
				X: svgNum(x), W: svgNum(w)})
			x += w
		}
		b.Rows = append(b.Rows, row)
	}
	b.Height = max(len(ids)*(barHeight+barGap), barHeight)
	return b
}

func sumCounts(m map[finding.Status]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// deltaBucket is one bin of the setup delta histogram; max is inclusive, in seconds.
type deltaBucket struct {
	label string
	max   int64
}

// deltaBuckets bin the delay from user creation to key creation. The default setup window
// is 60 s, so the first bins are the setup keys.
var deltaBuckets = []deltaBucket{
	{"<0s", -1}, {"0-1s", 1}, {"2-10s", 10}, {"11-60s", 60}, {"1-60m", 3600},
	{"1-24h", 86400}, {"1-30d", 30 * 86400}, {">30d", 1<<63 - 1},
}

// htmlHistogramOf counts the key results per setup delta bin.
func htmlHistogramOf(rs []finding.Result) htmlHistogram {
	counts := make([]int, len(deltaBuckets))
	for i := range rs {
		d := rs[i].SetupDeltaSeconds
		if d == nil {
			continue
		}
		for j, b := range deltaBuckets {
			if *d <= b.max {
				counts[j]++
				break
			}
		}
	}

	largest := 1
	for _, n := range counts {
		largest = max(largest, n)
	}
	h := htmlHistogram{Width: len(deltaBuckets) * histBarWidth, Height: histHeight + 40,
		AxisY: histHeight}
	for i, b := range deltaBuckets {
		bh := float64(counts[i]) / float64(largest) * (histHeight - 20)
		x := float64(i*histBarWidth) + 6
		h.Bars = append(h.Bars, htmlHistBar{
			Label: b.label, Count: counts[i],
			X: svgNum(x), Y: svgNum(histHeight - bh), H: svgNum(bh),
			TextX: svgNum(x + (histBarWidth-12)/2), CountY: svgNum(histHeight - bh - 4),
			LabelY:   histHeight + 16,
			InWindow: b.max >= 0 && b.max <= 60,
			Description: fmt.Sprintf("%d key(s) created %s after their user", counts[i],
				b.label),
		})
	}
	return h
}

// svgNum formats a coordinate with one decimal, so output is stable.
func svgNum(f float64) string {
	return strconv.FormatFloat(f, 'f', 1, 64)
}
