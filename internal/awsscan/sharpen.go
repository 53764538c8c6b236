package awsscan

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"golang.org/x/sync/errgroup"

	"github.com/keywarden/keywarden/internal/finding"
	"github.com/keywarden/keywarden/internal/rule"
)

// userWork is one user of the report on its way through the live checks.
type userWork struct {
	user    rule.User
	results []finding.Result
	// dropped is set when the user vanished during the scan; notes say why.
	dropped bool
	notes   []string
}

// forEach runs fn for 0..n-1 with at most Parallel calls at once; the first error stops it.
func (s *Scanner) forEach(ctx context.Context, n int,
	fn func(context.Context, int) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(s.o.Parallel)
	progress := s.o.Progress
	var done atomic.Int64
	for i := 0; i < n; i++ {
		g.Go(func() error {
			err := fn(ctx, i)
			if progress != nil {
				progress(int(done.Add(1)), n)
			}
			return err
		})
	}
	return g.Wait()
}

// sharpen replaces the report-based results of one flagged user with results from live
// data: each report slot is tied to its key by creation time, and candidate keys have their
// last use fetched fresh.
func (s *Scanner) sharpen(ctx context.Context, w *userWork, ro rule.Options) error {
	name := w.user.Name
	keys, err := listAccessKeys(ctx, s.IAM, name)
	if apiCode(err) == "NoSuchEntity" {
		w.dropped = true
		w.notes = append(w.notes, fmt.Sprintf("user %s was deleted during the scan; dropped",
			name))
		return nil
	}
	if err != nil {
		return err
	}

	candidate := map[int]bool{}
	for i := range w.results {
		r := &w.results[i]
		if r.KeySlot != nil && (r.Status == finding.StatusFail ||
			r.Status == finding.StatusReview) {
			candidate[*r.KeySlot] = true
		}
	}

	m := matchSlots(w.user.Keys, keys)
	var liveKeys []rule.Key
	var notes []string
	for _, k := range w.user.Keys {
		lk, ok := m.bySlot[k.Slot]
		switch {
		case m.ambiguous[k.Slot] != nil:
			liveKeys = append(liveKeys, k)
		case !ok:
			notes = append(notes, fmt.Sprintf("%s slot %d (created %s) no longer exists; "+
				"dropped", name, k.Slot, fmtTime(k.Created)))
		default:
			nk := fromAPIKey(k.Slot, lk)
			if candidate[k.Slot] {
				if err := s.lastUsed(ctx, &nk); err != nil {
					return err
				}
			} else {
				nk.LastUsed, nk.LastUsedService, nk.LastUsedRegion = k.LastUsed,
					k.LastUsedService, k.LastUsedRegion
			}
			liveKeys = append(liveKeys, nk)
		}
	}
	for i, lk := range m.unmatched {
		nk := fromAPIKey(len(w.user.Keys)+i+1, lk)
		if err := s.lastUsed(ctx, &nk); err != nil {
			return err
		}
		liveKeys = append(liveKeys, nk)
		notes = append(notes, fmt.Sprintf("key %s of %s was created after the credential "+
			"report", nk.ID, name))
	}

	old := w.results
	u := w.user
	u.Keys = liveKeys
	w.results = rule.EvaluateAppend(nil, &u, rule.Options{Window: ro.Window, DeferText: true})
	for i := range w.results {
		r := &w.results[i]
		markAmbiguous(r, m)
		noteChange(r, old, u.Source.GeneratedAt)
	}
	if len(w.results) > 0 {
		w.results[0].Notes = append(w.results[0].Notes, notes...)
	}
	return nil
}

// noteChange explains a verdict that live data changed.
func noteChange(r *finding.Result, old []finding.Result, generated *time.Time) {
	if r.KeySlot == nil {
		return
	}
	for i := range old {
		o := &old[i]
		if o.KeySlot == nil || *o.KeySlot != *r.KeySlot || o.Status == r.Status {
			continue
		}
		when := "since the credential report"
		if generated != nil {
			when = "since the credential report of " + generated.Format(time.RFC3339)
		}
		r.Notes = append(r.Notes, fmt.Sprintf("was %s (%s) in the report; live data %s "+
			"makes it %s (%s)", o.Status, o.Reason, when, r.Status, r.Reason))
	}
}

// markAmbiguous turns a key result whose slot matches two keys into a review: the report
// row cannot be tied to one key ID, and keywarden never guesses.
func markAmbiguous(r *finding.Result, m slotMatch) {
	if r.KeySlot == nil || r.Status == finding.StatusPass {
		return
	}
	ids := m.ambiguous[*r.KeySlot]
	if ids == nil {
		return
	}
	r.Status, r.Reason, r.Severity = finding.StatusReview, finding.ReasonKeyAmbiguous,
		finding.SeverityInfo
	r.AccessKeyID = nil
	r.Remediation = nil
	r.Message = fmt.Sprintf("access key %d of %s was created in the same second as another "+
		"key (%s), so the report row cannot be tied to one key ID", *r.KeySlot, r.UserName,
		strings.Join(ids, ", "))
}

// slotMatch ties report slots to live keys.
type slotMatch struct {
	bySlot map[int]types.AccessKeyMetadata
	// ambiguous lists, per slot, the IDs of the keys created in that slot's second.
	ambiguous map[int][]string
	// unmatched are live keys no slot points at, such as keys created after the report.
	unmatched []types.AccessKeyMetadata
}

// matchSlots ties each report slot to the live key created in the same second. A slot with
// no creation time takes the one live key left over, if exactly one is.
func matchSlots(slots []rule.Key, keys []types.AccessKeyMetadata) slotMatch {
	m := slotMatch{bySlot: map[int]types.AccessKeyMetadata{}, ambiguous: map[int][]string{}}
	used := make([]bool, len(keys))
	for _, s := range slots {
		if s.Created == nil {
			continue
		}
		var hits []int
		for i, k := range keys {
			if k.CreateDate != nil && k.CreateDate.Truncate(time.Second).Equal(
				s.Created.Truncate(time.Second)) {
				hits = append(hits, i)
			}
		}
		switch len(hits) {
		case 0:
		case 1:
			m.bySlot[s.Slot] = keys[hits[0]]
			used[hits[0]] = true
		default:
			for _, h := range hits {
				m.ambiguous[s.Slot] = append(m.ambiguous[s.Slot],
					aws.ToString(keys[h].AccessKeyId))
				used[h] = true
			}
		}
	}

	var left []int
	for i := range keys {
		if !used[i] {
			left = append(left, i)
		}
	}
	for _, s := range slots {
		if s.Created == nil && len(left) == 1 {
			m.bySlot[s.Slot] = keys[left[0]]
			used[left[0]] = true
			left = nil
		}
	}
	for i, k := range keys {
		if !used[i] {
			m.unmatched = append(m.unmatched, k)
		}
	}
	return m
}

// fromAPIKey builds a rule key from ListAccessKeys metadata.
func fromAPIKey(slot int, k types.AccessKeyMetadata) rule.Key {
	var created *time.Time
	if k.CreateDate != nil {
		t := k.CreateDate.UTC()
		created = &t
	}
	return rule.Key{
		Slot:    slot,
		ID:      aws.ToString(k.AccessKeyId),
		Active:  k.Status == types.StatusTypeActive,
		Created: created,
	}
}

// lastUsed fills the key's last use from GetAccessKeyLastUsed.
func (s *Scanner) lastUsed(ctx context.Context, k *rule.Key) error {
	out, err := s.IAM.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{
		AccessKeyId: aws.String(k.ID),
	})
	if err != nil {
		return fmt.Errorf("get access key last used %s: %w", k.ID, err)
	}
	k.LastUsed, k.LastUsedService, k.LastUsedRegion = nil, "", ""
	if lu := out.AccessKeyLastUsed; lu != nil && lu.LastUsedDate != nil {
		t := lu.LastUsedDate.UTC()
		k.LastUsed = &t
		k.LastUsedService = notNA(aws.ToString(lu.ServiceName))
		k.LastUsedRegion = notNA(aws.ToString(lu.Region))
	}
	return nil
}

func notNA(s string) string {
	if s == "N/A" {
		return ""
	}
	return s
}

// listAccessKeys pages through ListAccessKeys for one user.
func listAccessKeys(ctx context.Context, client IAMAPI,
	user string) ([]types.AccessKeyMetadata, error) {
	var keys []types.AccessKeyMetadata
	p := iam.NewListAccessKeysPaginator(client, &iam.ListAccessKeysInput{
		UserName: aws.String(user),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list access keys of %s: %w", user, err)
		}
		keys = append(keys, page.AccessKeyMetadata...)
	}
	return keys, nil
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return "unknown"
	}
	return t.UTC().Format(time.RFC3339)
}
