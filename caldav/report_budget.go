package caldav

import (
	"errors"
	"net/http"

	dx "github.com/kalends/kalends/caldav/internal/davxml"
	"github.com/kalends/kalends/ical"
)

// errInstanceBudget stops a REPORT whose expanded calendar-data would hold
// more occurrences than it may (expandBudget).
var errInstanceBudget = errors.New("caldav: the report's budget of expanded instances is spent")

// expandBudget bounds the occurrences one REPORT expands (RFC 4791
// §9.6.5) over all the objects it answers, so that a wide expand over
// many recurring objects cannot build hundreds of megabytes (issue 11,
// item 17). One object may expand at most max-instances occurrences
// (§5.2.8) in the range asked. A report that would go beyond either bound
// stops before the object that does, and ends with a 507 response
// carrying DAV:number-of-matches-within-limits (RFC 4791 §7.8 and RFC 5323
// §5.3, as for too many matching objects): the client learns that the
// answer is incomplete and can ask for a narrower range, never a silently
// truncated series.
type expandBudget struct {
	left int
}

func (h *Handler) newExpandBudget() *expandBudget {
	return &expandBudget{left: h.opts.MaxReportInstances}
}

// limit returns opts with MaxInstances set one past what the next object
// may expand, so that going beyond shows in the count.
func (b *expandBudget) limit(opts ical.Options) ical.Options {
	per := opts.MaxInstances
	if per <= 0 {
		per = ical.DefaultMaxInstances
	}
	opts.MaxInstances = min(per, b.left) + 1
	return opts
}

// spend takes n instances of an object rendered with limit(opts) from the
// budget, or reports errInstanceBudget when the object went beyond it.
func (b *expandBudget) spend(opts ical.Options, n int) error {
	if n >= opts.MaxInstances {
		return errInstanceBudget
	}
	b.left -= n
	return nil
}

// truncatedResponse is the 507 response that ends a REPORT answer cut
// short, for the request's collection.
func (h *Handler) truncatedResponse(path string) *dx.Response {
	resp := dx.NewStatusResponse(http.StatusInsufficientStorage, h.href(path))
	resp.Error = []*dx.Element{dx.Condition(condNumberOfMatchesInLimits)}
	return resp
}
