package caldav

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
	"github.com/kalends/kalends/calendar"
)

// propFeeds is the live, protected property listing a calendar's
// subscription feeds to its owner: each feed's URL, privacy mode, label
// and creation time. Feeds are made and revoked with `kalends feed`.
var propFeeds = dx.Name(dx.NSKalends, "feeds")

func registerFeedProps() {
	register(propFeeds, &propDef{kinds: calendarOnly, hidden: true, get: getFeeds})
}

// getFeeds answers K:feeds. It is hidden from allprop and shown to the
// owner only: the URLs are secrets.
func getFeeds(pc *propCtx) (*dx.Element, error) {
	if pc.res.cal.Kind != backend.CollectionCalendar || !pc.res.ownedBy(pc.user) {
		return nil, nil
	}
	feeds, err := pc.h.store.ListFeeds(pc.ctx, pc.res.principal.ID, pc.res.cal.ID)
	if err != nil {
		return nil, err
	}
	prop := dx.NewElement(propFeeds)
	for _, f := range feeds {
		feed := dx.NewElement(dx.Name(dx.NSKalends, "feed"),
			dx.TextElement(dx.DAVName("href"), pc.h.feedURL(pc.ctx, f.Token)),
			dx.TextElement(dx.Name(dx.NSKalends, "private"), string(f.Private)),
			dx.TextElement(dx.Name(dx.NSKalends, "created"), f.CreatedAt.UTC().Format(time.RFC3339)))
		if f.Label != "" {
			feed.Children = append(feed.Children, dx.TextElement(dx.Name(dx.NSKalends, "label"), f.Label))
		}
		prop.Children = append(prop.Children, feed)
	}
	return prop, nil
}

// feedURL is the absolute URL of a feed: subscribers are given it whole.
// It starts with the configured base URL, else with the scheme and host
// the request came to.
func (h *Handler) feedURL(ctx context.Context, token string) string {
	base := h.opts.BaseURL
	if base == "" {
		base, _ = ctx.Value(originKey).(string)
	}
	return base + calendar.FeedPath(token)
}

// originKey holds the scheme://host of the request in its context.
const originKey ctxKey = 2

// withOrigin records the scheme and host a request came to.
func withOrigin(r *http.Request) *http.Request {
	u := url.URL{Scheme: "http", Host: r.Host}
	if r.TLS != nil {
		u.Scheme = "https"
	}
	return r.WithContext(context.WithValue(r.Context(), originKey, u.String()))
}
