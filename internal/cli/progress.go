package cli

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// progress shows scan progress on a terminal. The zero value and a nil *progress do nothing,
// which is what a pipe or --quiet gets.
type progress struct {
	p      *mpb.Progress
	bar    *mpb.Bar
	fails  atomic.Int64
	errors atomic.Int64
	// byCount is set when the bar is driven by set rather than by done.
	byCount atomic.Bool
}

// newProgress starts a bar of total units named unit on w, or returns nil when w is not a
// terminal or the user asked for quiet.
func newProgress(w io.Writer, terminal, quiet bool, total int, unit string) *progress {
	if !terminal || quiet {
		return nil
	}
	pr := &progress{}
	pr.p = mpb.New(mpb.WithOutput(w), mpb.WithWidth(30),
		mpb.WithRefreshRate(150*time.Millisecond))
	pr.bar = pr.p.AddBar(int64(total),
		mpb.PrependDecorators(
			decor.Name("scanning "),
			decor.CountersNoUnit("%d/%d "+unit),
		),
		mpb.AppendDecorators(
			decor.Any(func(decor.Statistics) string {
				return fmt.Sprintf(" fail %d  errors %d ", pr.fails.Load(), pr.errors.Load())
			}),
			decor.Elapsed(decor.ET_STYLE_MMSS),
			decor.Name(" eta "),
			decor.AverageETA(decor.ET_STYLE_MMSS),
		),
	)
	return pr
}

// done counts one finished unit with its failing results and whether it errored.
func (pr *progress) done(fails int, errored bool) {
	if pr == nil {
		return
	}
	pr.fails.Add(int64(fails))
	if errored {
		pr.errors.Add(1)
	}
	if !pr.byCount.Load() {
		pr.bar.Increment()
	}
}

// set moves the bar to done out of total, for progress reported in counts.
func (pr *progress) set(done, total int) {
	if pr == nil {
		return
	}
	pr.byCount.Store(true)
	pr.bar.SetTotal(int64(total), false)
	pr.bar.SetCurrent(int64(done))
}

// writer returns where warnings go while the bar is shown: above it.
func (pr *progress) writer(fallback io.Writer) io.Writer {
	if pr == nil {
		return fallback
	}
	return pr.p
}

// stop completes the bar and waits until its last frame is written.
func (pr *progress) stop() {
	if pr == nil {
		return
	}
	pr.bar.SetTotal(-1, true)
	pr.p.Wait()
}
