package davimport

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// member is one calendar object resource of a source collection.
type member struct {
	Href string // canonical path
	ETag string // as the source sent it, quotes included; "" if none
}

// changeSet is what changed in a source collection since the last run.
type changeSet struct {
	// Full is true when Members lists every member of the collection (a
	// first sync or a listing): a known href not in it was deleted.
	Full bool
	// Members are the members listed: all of them when Full, else those
	// changed or added since the token.
	Members []member
	// Deleted are hrefs reported deleted since the token (not Full).
	Deleted []string
	// SyncToken is the token to keep once these changes are applied; ""
	// when the source has none.
	SyncToken string
	// Method says how the changes were found, for the report.
	Method string
}

// maxSyncRounds bounds the continuation requests of a truncated
// sync-collection answer (RFC 6578 §3.6).
const maxSyncRounds = 10000

var (
	nameGetETag       = xml.Name{Space: nsDAV, Local: "getetag"}
	nameResourceType  = xml.Name{Space: nsDAV, Local: "resourcetype"}
	nameCollection    = xml.Name{Space: nsDAV, Local: "collection"}
	memberListingBody = propfindBody([]xml.Name{nameGetETag, nameResourceType})
)

// changes finds what changed in cal since token ("" = everything): by
// sync-collection when the collection has a sync-token, else (or when the
// source refuses the REPORT) by listing the members' ETags.
func (s *Source) changes(ctx context.Context, cal *SourceCalendar, token string) (*changeSet, error) {
	if cal.SyncToken != "" && !s.forceListing {
		cs, err := s.syncCollection(ctx, cal, token)
		var se *StatusError
		if err != nil && token != "" && errors.As(err, &se) && (se.Code == http.StatusForbidden || se.Code == http.StatusConflict) {
			// RFC 6578 §3.2: DAV:valid-sync-token failed (the source
			// forgot the token): start over with a full sync.
			cs, err = s.syncCollection(ctx, cal, "")
		}
		if err == nil {
			return cs, nil
		}
		if !errors.As(err, &se) {
			return nil, err
		}
		// The source advertises a sync-token but refuses the REPORT:
		// fall back to listing.
	}
	return s.listMembers(ctx, cal)
}

// syncCollection runs the sync-collection REPORT (RFC 6578 §3.2) from
// token, following truncated answers (§3.6) to the end.
func (s *Source) syncCollection(ctx context.Context, cal *SourceCalendar, token string) (*changeSet, error) {
	cs := &changeSet{Full: token == "", Method: "sync-collection"}
	if token != "" {
		cs.Method = "sync-collection since the last run"
	}
	listed := map[string]string{} // href → ETag, in the order below
	var order []string
	deleted := map[string]bool{}
	for round := 0; ; round++ {
		if round == maxSyncRounds {
			return nil, fmt.Errorf("davimport: %s: sync-collection still truncated after %d requests", cal.URL, round)
		}
		body := `<?xml version="1.0" encoding="utf-8"?><D:sync-collection xmlns:D="DAV:"><D:sync-token>` +
			xmlEscape(token) + `</D:sync-token><D:sync-level>1</D:sync-level><D:prop><D:getetag/><D:resourcetype/></D:prop></D:sync-collection>`
		truncated := false
		next, err := s.davRequest(ctx, "REPORT", cal.Href, "", body, func(r *msResponse) error {
			href := canonicalPath(r.Href)
			switch code := statusCode(r.Status); {
			case strings.TrimSuffix(href, "/") == strings.TrimSuffix(cal.Href, "/"):
				truncated = truncated || code == http.StatusInsufficientStorage
			case code == http.StatusNotFound:
				deleted[href] = true
				delete(listed, href)
			case isCollection(r):
			default:
				etag, _ := r.text(nameGetETag)
				if _, ok := listed[href]; !ok {
					order = append(order, href)
				}
				listed[href] = etag
				delete(deleted, href)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if next == "" {
			return nil, fmt.Errorf("davimport: %s: sync-collection answer without DAV:sync-token", cal.URL)
		}
		token = next
		if !truncated {
			break
		}
	}
	for _, href := range order {
		if etag, ok := listed[href]; ok {
			cs.Members = append(cs.Members, member{Href: href, ETag: etag})
		}
	}
	if !cs.Full {
		for href := range deleted {
			cs.Deleted = append(cs.Deleted, href)
		}
	}
	cs.SyncToken = token
	return cs, nil
}

// listMembers lists the collection's members and their ETags by PROPFIND
// Depth 1 (RFC 4918 §9.1), for sources without sync-collection.
func (s *Source) listMembers(ctx context.Context, cal *SourceCalendar) (*changeSet, error) {
	cs := &changeSet{Full: true, Method: "PROPFIND listing"}
	_, err := s.davRequest(ctx, "PROPFIND", cal.Href, "1", memberListingBody, func(r *msResponse) error {
		href := canonicalPath(r.Href)
		if strings.TrimSuffix(href, "/") == strings.TrimSuffix(cal.Href, "/") || isCollection(r) {
			return nil
		}
		if code := statusCode(r.Status); code != 0 && code != http.StatusOK {
			return nil
		}
		etag, _ := r.text(nameGetETag)
		cs.Members = append(cs.Members, member{Href: href, ETag: etag})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cs, nil
}

func isCollection(r *msResponse) bool {
	rt := r.prop(nameResourceType)
	return rt != nil && rt.child(nameCollection) != nil
}
