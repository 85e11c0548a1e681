package davimport

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/emersion/go-webdav"
	gocaldav "github.com/emersion/go-webdav/caldav"
)

// requestTimeout bounds one request to the source.
const requestTimeout = 2 * time.Minute

// UnreachableError says that the source did not answer at all.
type UnreachableError struct {
	URL string
	Err error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("davimport: cannot reach %s: %v", e.URL, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// AuthError says that the source refused the credentials (HTTP 401).
type AuthError struct {
	URL string
}

func (e *AuthError) Error() string {
	return fmt.Sprintf("davimport: %s refused the credentials (401 Unauthorized): check the source user name and password", e.URL)
}

// NotCalDAVError says that the source URL does not lead to a CalDAV
// account.
type NotCalDAVError struct {
	URL    string
	Reason string
}

func (e *NotCalDAVError) Error() string {
	return fmt.Sprintf("davimport: %s is not a CalDAV account: %s", e.URL, e.Reason)
}

// sourceClient is the HTTP client of the source: Basic authentication
// when a user is given, and failures a person can act on (unreachable,
// 401) turned into typed errors before go-webdav wraps them.
type sourceClient struct {
	c          *http.Client
	user, pass string
	base       string // the source URL without credentials, for messages
}

func (s *sourceClient) Do(req *http.Request) (*http.Response, error) {
	if s.user != "" {
		req.SetBasicAuth(s.user, s.pass)
	}
	resp, err := s.c.Do(req)
	if err != nil {
		if req.Context().Err() != nil {
			return nil, req.Context().Err()
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, &UnreachableError{URL: s.base, Err: err}
	}
	if resp.StatusCode == http.StatusUnauthorized {
		resp.Body.Close()
		return nil, &AuthError{URL: s.base}
	}
	return resp, nil
}

var _ webdav.HTTPClient = (*sourceClient)(nil)

// Source is a CalDAV account to copy from.
type Source struct {
	base *url.URL // the URL given, credentials removed
	http *sourceClient
	dav  *gocaldav.Client
	// forceListing lists members by PROPFIND even where sync-collection
	// is offered, so that tests run that path on a real server.
	forceListing bool
}

// NewSource returns the account at rawURL, logged in as user with
// password when user is not "". hc may be nil for a client with a time
// limit per request.
func NewSource(rawURL, user, password string, hc *http.Client) (*Source, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("davimport: %q is not an http:// or https:// URL", rawURL)
	}
	if u.User != nil {
		return nil, fmt.Errorf("davimport: the source URL may not hold credentials: give the user and password separately")
	}
	if u.Path == "" {
		u.Path = "/"
	}
	if hc == nil {
		hc = &http.Client{Timeout: requestTimeout}
	}
	sc := &sourceClient{c: hc, user: user, pass: password, base: u.String()}
	dav, err := gocaldav.NewClient(sc, u.String())
	if err != nil {
		return nil, err
	}
	return &Source{base: u, http: sc, dav: dav}, nil
}

// URL returns the source URL as given, without credentials.
func (s *Source) URL() string { return s.base.String() }

// resolve returns the absolute URL of a path or href on the source.
func (s *Source) resolve(href string) string {
	ref, err := url.Parse(href)
	if err != nil {
		return s.base.ResolveReference(&url.URL{Path: href}).String()
	}
	return s.base.ResolveReference(ref).String()
}

// canonicalPath turns an href as a server wrote it (absolute URL or path,
// percent-encoded one way or another) into the path form used as a key:
// decoded, then encoded the way net/url encodes paths.
func canonicalPath(href string) string {
	u, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return strings.TrimSpace(href)
	}
	return (&url.URL{Path: u.Path}).EscapedPath()
}

// sourceError keeps the typed errors of the HTTP client and ctx, and says
// of anything else that the source does not speak CalDAV there.
func (s *Source) sourceError(err error, what string) error {
	var ue *UnreachableError
	var ae *AuthError
	if errors.As(err, &ue) || errors.As(err, &ae) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	reason := fmt.Sprintf("%s: %v", what, err)
	if len(reason) > maxReason {
		reason = strings.ToValidUTF8(reason[:maxReason], "") + "…"
	}
	return &NotCalDAVError{URL: s.URL(), Reason: reason}
}

// maxReason keeps an error page quoted in a message to a line.
const maxReason = 160
