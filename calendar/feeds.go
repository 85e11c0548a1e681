package calendar

// FeedsRoot is the path below the server's base URL where subscription
// feeds are served, one /feeds/TOKEN.ics per feed.
const FeedsRoot = "/feeds/"

// FeedPath is the path of a feed's URL below the server's base URL, which
// every door that hands out feeds (CalDAV's feeds property, kalends feed)
// prints the same way.
func FeedPath(token string) string { return FeedsRoot + token + ".ics" }
