package caldav

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/kalends/kalends/backend"
	dx "github.com/kalends/kalends/caldav/internal/davxml"
)

func init() {
	reports[dx.ReportPrincipalPropertySearch] = (*Handler).reportPrincipalPropertySearch
	reports[dx.ReportPrincipalSearchPropSet] = (*Handler).reportPrincipalSearchPropertySet
	reports[dx.ReportCalendarServerPrincipals] = (*Handler).reportCalendarServerPrincipalSearch
}

// maxPrincipalResults bounds a principal search answer.
const maxPrincipalResults = 100

// searchable are the properties principal searches look in (RFC 3744
// §9.5), with how to read them from a principal.
var searchable = []struct {
	name        xml.Name
	description string
	values      func(p *backend.Principal) []string
}{
	{dx.DAVName("displayname"), "Display name", func(p *backend.Principal) []string { return []string{p.Display()} }},
	{dx.CalDAVName("calendar-user-address-set"), "Calendar user addresses", mailtos},
	{dx.CSName("email-address-set"), "E-mail addresses", func(p *backend.Principal) []string { return p.Emails }},
	{dx.CalDAVName("calendar-user-type"), "Calendar user type", func(p *backend.Principal) []string { return []string{cuType(p.Kind)} }},
	{dx.CSName("first-name"), "First name", func(p *backend.Principal) []string { return nameParts(p)[:1] }},
	{dx.CSName("last-name"), "Last name", func(p *backend.Principal) []string { return nameParts(p)[1:] }},
}

func mailtos(p *backend.Principal) []string {
	out := make([]string, len(p.Emails))
	for i, e := range p.Emails {
		out[i] = "mailto:" + e
	}
	return out
}

// nameParts splits a display name into first name and the rest.
func nameParts(p *backend.Principal) []string {
	first, last, _ := strings.Cut(p.Display(), " ")
	return []string{first, last}
}

// matches reports whether one of values matches text (case-insensitive)
// by the match type of RFC 3744 §9.4 and Apple's extension.
func matches(values []string, text, matchType string) bool {
	text = strings.ToLower(text)
	for _, v := range values {
		v = strings.ToLower(v)
		var ok bool
		switch matchType {
		case "starts-with":
			ok = strings.HasPrefix(v, text) || strings.HasPrefix(strings.TrimPrefix(v, "mailto:"), text)
		case "ends-with":
			ok = strings.HasSuffix(v, text)
		case "equals":
			ok = v == text || strings.TrimPrefix(v, "mailto:") == strings.TrimPrefix(text, "mailto:")
		default:
			ok = strings.Contains(v, text)
		}
		if ok {
			return true
		}
	}
	return false
}

// reportPrincipalPropertySearch implements DAV:principal-property-search
// (RFC 3744 §9.4), the attendee lookup of Thunderbird and Evolution.
func (h *Handler) reportPrincipalPropertySearch(w http.ResponseWriter, r *http.Request, res *resource, body []byte) error {
	req, err := dx.DecodePrincipalPropertySearch(bytes.NewReader(body))
	if err != nil {
		return xmlError(err)
	}
	if len(req.Searches) == 0 {
		return errorf(http.StatusBadRequest, "principal-property-search needs a property-search")
	}
	match := func(p *backend.Principal) bool {
		for _, s := range req.Searches {
			ok := false
			for _, name := range s.Props {
				for _, sp := range searchable {
					if sp.name == name && matches(sp.values(p), s.Match, s.MatchType) {
						ok = true
					}
				}
			}
			if ok && req.AnyOf {
				return true
			}
			if !ok && !req.AnyOf {
				return false
			}
		}
		return !req.AnyOf
	}
	return h.writePrincipals(w, r, principalScope(res, req.ApplyToPrincipalCollectionSet), match, 0, &req.Prop)
}

// principalScope is the kind of principal a search covers: the principal
// collection it was sent to, or all of them.
func principalScope(res *resource, wholeSet bool) backend.PrincipalKind {
	if res.kind == resPrincipalKind && !wholeSet {
		return res.pkind
	}
	return ""
}

// reportPrincipalSearchPropertySet implements RFC 3744 §9.5.
func (h *Handler) reportPrincipalSearchPropertySet(w http.ResponseWriter, r *http.Request, res *resource, body []byte) error {
	if err := dx.DecodePrincipalSearchPropertySet(bytes.NewReader(body)); err != nil {
		return xmlError(err)
	}
	if res.kind != resPrincipals && res.kind != resPrincipalKind {
		return conditionf(http.StatusForbidden, condSupportedReport, "principal-search-property-set is answered on principal collections")
	}
	var props []dx.SearchableProperty
	for _, sp := range searchable {
		props = append(props, dx.SearchableProperty{Name: sp.name, Description: sp.description})
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	return dx.EncodeElement(w, dx.PrincipalSearchPropertySet(props...))
}

// reportCalendarServerPrincipalSearch implements Apple's
// calendarserver-principal-search: every token must match a name or an
// address; context "location" finds rooms, "resource" resources,
// "attendee" people (macOS offers rooms as attendees too, so they are
// included there).
func (h *Handler) reportCalendarServerPrincipalSearch(w http.ResponseWriter, r *http.Request, res *resource, body []byte) error {
	req, err := dx.DecodeCalendarServerPrincipalSearch(bytes.NewReader(body))
	if err != nil {
		return xmlError(err)
	}
	kinds := map[string][]backend.PrincipalKind{
		"location": {backend.KindRoom}, "resource": {backend.KindResource},
		"attendee": {backend.KindUser, backend.KindRoom, backend.KindResource},
	}[req.Context]
	match := func(p *backend.Principal) bool {
		if kinds != nil && !containsKind(kinds, p.Kind) {
			return false
		}
		fields := append([]string{p.Display(), p.Name}, p.Emails...)
		for _, tok := range req.Tokens {
			if !matches(fields, tok, "contains") {
				return false
			}
		}
		return len(req.Tokens) > 0
	}
	return h.writePrincipals(w, r, "", match, req.Limit, &req.Prop)
}

func containsKind(ks []backend.PrincipalKind, k backend.PrincipalKind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// writePrincipals answers a search with the matching principals' properties.
func (h *Handler) writePrincipals(w http.ResponseWriter, r *http.Request, kind backend.PrincipalKind,
	match func(*backend.Principal) bool, limit int, prop *dx.PropRequest) error {
	ps, err := h.store.ListPrincipals(r.Context(), kind)
	if err != nil {
		return err
	}
	if limit <= 0 || limit > maxPrincipalResults {
		limit = maxPrincipalResults
	}
	user := currentUser(r.Context())
	mw := startMultistatus(w)
	n := 0
	for _, p := range ps {
		if !match(p) {
			continue
		}
		if n == limit {
			resp := dx.NewStatusResponse(http.StatusInsufficientStorage, h.href(principalsRoot))
			resp.Error = []*dx.Element{dx.Condition(condNumberOfMatchesInLimits)}
			mw.WriteResponse(resp)
			break
		}
		n++
		res := &resource{kind: resPrincipal, pkind: p.Kind, principal: p, path: principalPath(p)}
		resp, err := h.propResponse(&propCtx{ctx: r.Context(), h: h, user: user, res: res}, prop)
		if err != nil {
			h.logger.ErrorContext(r.Context(), "principal search member failed", "principal", p.Name, "error", err)
			break
		}
		if err := mw.WriteResponse(resp); err != nil {
			return nil
		}
	}
	return mw.Close("", "")
}
