package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/keywarden/keywarden/internal/output"
)

// liveOptions holds the flags of a live scan.
type liveOptions struct {
	profile string
}

func addLiveFlags(fs *flag.FlagSet, o *liveOptions) {
	fs.StringVar(&o.profile, "profile", "", "AWS shared config `profile` for a live scan")
}

func (o *liveOptions) validate(offline bool) error { return nil }

func scanLive(ctx context.Context, o *scanOptions, env *Env) (*output.Document, error) {
	return nil, fmt.Errorf("%w: live scan is being built", ErrUsage)
}
