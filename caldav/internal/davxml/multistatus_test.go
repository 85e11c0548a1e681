package davxml

import (
	"bytes"
	"encoding/xml"
	"reflect"
	"strings"
	"testing"
)

func TestMultistatusEncode(t *testing.T) {
	ok := NewResponse(EncodeHref("/dav/calendars/jo@example.com/my cal/"))
	ok.AddProp(200,
		TextProp(DAVName("displayname"), `Jo's <work> & "play"`),
		ResourceType(DAVName("collection"), CalDAVName("calendar")),
		HrefProp(DAVName("current-user-principal"), "/dav/principals/jo/"),
		HrefProp(CalDAVName("calendar-user-address-set"), "mailto:jo@example.com", "/dav/principals/jo/"),
		SupportedCalendarComponentSet("VEVENT", "VTODO"),
		SupportedCalendarData(),
		SupportedReportSet(CalDAVName("calendar-query"), CalDAVName("calendar-multiget"), DAVName("sync-collection")),
		CurrentUserPrivilegeSet(DAVName("read"), DAVName("write")),
		SupportedCollationSet("i;ascii-casemap", "i;octet"),
		RawText(ICalName("calendar-order"), "3").Prop(),
		NewElement(Name("http://example.com/ns/", "tree"), TextElement(Name("http://example.com/ns/", "leaf"), "v"), NewElement(Name("urn:other", "x"))),
		TextProp(CalDAVName("calendar-data"), "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"),
	)
	ok.AddProp(404, EmptyProp(Name("http://example.com/ns/", "missing")), EmptyProp(CSName("getctag")))
	ok.AddProp(403, EmptyProp(DAVName("acl")))
	ok.AddProp(200, TextProp(DAVName("getetag"), `"abc"`))
	gone := NewStatusResponse(404, "/dav/calendars/jo/cal/a.ics", "/dav/calendars/jo/cal/b.ics")
	failed := &Response{Hrefs: []string{"/x"}, Status: 403, Error: []*Element{Condition(DAVName("need-privileges"))},
		ResponseDescription: "nope", Location: "/y"}
	ms := &Multistatus{Responses: []*Response{ok, gone, failed}, ResponseDescription: "done", SyncToken: "http://kalends.org/sync/42"}
	var buf bytes.Buffer
	if err := ms.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.Bytes()
	wellFormed(t, out)
	if !bytes.HasPrefix(out, []byte(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/" xmlns:ICAL="http://apple.com/ns/ical/">`)) {
		t.Errorf("root:\n%s", out)
	}
	// Well-known namespaces are declared only once.
	if n := bytes.Count(out, []byte(`xmlns:D=`)); n != 1 {
		t.Errorf("DAV: declared %d times", n)
	}
	if n := bytes.Count(out, []byte(`xmlns:C=`)); n != 1 {
		t.Errorf("CalDAV declared %d times", n)
	}

	got := decodeMultistatus(t, out)
	if got.SyncToken != "http://kalends.org/sync/42" || got.ResponseDescription != "done" || len(got.Responses) != 3 {
		t.Fatalf("multistatus = %+v", got)
	}
	r0 := got.Responses[0]
	if !reflect.DeepEqual(r0.Hrefs, []string{"/dav/calendars/jo@example.com/my%20cal/"}) {
		t.Errorf("hrefs = %v", r0.Hrefs)
	}
	if len(r0.Propstats) != 3 {
		t.Fatalf("%d propstats", len(r0.Propstats))
	}
	var statuses []string
	for _, ps := range r0.Propstats {
		statuses = append(statuses, ps.Status)
	}
	if !reflect.DeepEqual(statuses, []string{"HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found", "HTTP/1.1 403 Forbidden"}) {
		t.Errorf("statuses = %v", statuses)
	}
	p := r0.Propstats[0].Prop
	if len(p.Children) != 13 {
		t.Errorf("%d props in 200 propstat", len(p.Children))
	}
	if v := p.child(NSDAV, "displayname"); v == nil || v.Text != `Jo's <work> & "play"` {
		t.Errorf("displayname = %+v", v)
	}
	if v := p.child(NSDAV, "getetag"); v == nil || v.Text != `"abc"` {
		t.Errorf("getetag = %+v", v)
	}
	rt := p.child(NSDAV, "resourcetype")
	if rt == nil || len(rt.Children) != 2 || rt.Children[0].XMLName != DAVName("collection") || rt.Children[1].XMLName != CalDAVName("calendar") {
		t.Errorf("resourcetype = %+v", rt)
	}
	cuas := p.child(NSCalDAV, "calendar-user-address-set")
	if cuas == nil || len(cuas.Children) != 2 || cuas.Children[0].Text != "mailto:jo@example.com" {
		t.Errorf("calendar-user-address-set = %+v", cuas)
	}
	comps := p.child(NSCalDAV, "supported-calendar-component-set")
	if comps == nil || len(comps.Children) != 2 || comps.Children[1].attr("name") != "VTODO" {
		t.Errorf("components = %+v", comps)
	}
	scd := p.child(NSCalDAV, "supported-calendar-data")
	if scd == nil || scd.Children[0].attr("content-type") != "text/calendar" || scd.Children[0].attr("version") != "2.0" {
		t.Errorf("supported-calendar-data = %+v", scd)
	}
	srs := p.child(NSDAV, "supported-report-set")
	if srs == nil || len(srs.Children) != 3 || srs.Children[2].child(NSDAV, "report").Children[0].XMLName != DAVName("sync-collection") {
		t.Errorf("supported-report-set = %+v", srs)
	}
	cups := p.child(NSDAV, "current-user-privilege-set")
	if cups == nil || cups.Children[1].child(NSDAV, "write") == nil {
		t.Errorf("current-user-privilege-set = %+v", cups)
	}
	scs := p.child(NSCalDAV, "supported-collation-set")
	if scs == nil || scs.Children[1].Text != "i;octet" {
		t.Errorf("supported-collation-set = %+v", scs)
	}
	tree := p.child("http://example.com/ns/", "tree")
	if tree == nil || tree.Children[0].Text != "v" || tree.Children[1].XMLName != Name("urn:other", "x") {
		t.Errorf("tree = %+v", tree)
	}
	if cd := p.child(NSCalDAV, "calendar-data"); cd == nil || cd.Text != "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n" {
		t.Errorf("calendar-data = %+v", cd)
	}
	nf := r0.Propstats[1].Prop
	if len(nf.Children) != 2 || nf.Children[0].XMLName != Name("http://example.com/ns/", "missing") || nf.Children[1].XMLName != CSName("getctag") {
		t.Errorf("404 props = %+v", nf)
	}
	r1 := got.Responses[1]
	if len(r1.Hrefs) != 2 || r1.Status != "HTTP/1.1 404 Not Found" || len(r1.Propstats) != 0 {
		t.Errorf("status response = %+v", r1)
	}
	r2 := got.Responses[2]
	if r2.Status != "HTTP/1.1 403 Forbidden" || r2.Error == nil || r2.Error.Children[0].XMLName != DAVName("need-privileges") ||
		r2.ResponseDescription != "nope" || r2.Location != "/y" {
		t.Errorf("error response = %+v", r2)
	}
}

func TestMultistatusStatuses(t *testing.T) {
	r := NewResponse("/a")
	for _, st := range []int{200, 403, 404, 409, 424, 507} {
		r.AddProp(st, EmptyProp(DAVName("p")))
	}
	r.Propstat(409).Error = []*Element{Condition(CalDAVName("valid-calendar-data"))}
	r.Propstat(424).ResponseDescription = "failed dependency"
	var buf bytes.Buffer
	if err := (&Multistatus{Responses: []*Response{r}}).Encode(&buf); err != nil {
		t.Fatal(err)
	}
	got := decodeMultistatus(t, buf.Bytes())
	want := []string{"HTTP/1.1 200 OK", "HTTP/1.1 403 Forbidden", "HTTP/1.1 404 Not Found", "HTTP/1.1 409 Conflict",
		"HTTP/1.1 424 Failed Dependency", "HTTP/1.1 507 Insufficient Storage"}
	for i, ps := range got.Responses[0].Propstats {
		if ps.Status != want[i] {
			t.Errorf("propstat %d status %q, want %q", i, ps.Status, want[i])
		}
	}
	if e := got.Responses[0].Propstats[3].Error; e == nil || e.Children[0].XMLName != CalDAVName("valid-calendar-data") {
		t.Errorf("propstat error = %+v", e)
	}
	if StatusLine(299) != "HTTP/1.1 299 Status 299" {
		t.Error(StatusLine(299))
	}
}

func TestMultistatusWriterStreaming(t *testing.T) {
	var buf bytes.Buffer
	mw := NewMultistatusWriter(&buf)
	for i := 0; i < 3; i++ {
		r := NewResponse("/c/" + string(rune('a'+i)) + ".ics")
		r.AddProp(200, TextProp(DAVName("getetag"), `"1"`),
			NewElement(Name("urn:foreign", "p"), TextElement(Name("urn:foreign2", "q"), "x")))
		if err := mw.WriteResponse(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close("", "tok"); err != nil {
		t.Fatal(err)
	}
	if err := mw.WriteResponse(NewResponse("/late")); err == nil {
		t.Error("write after close")
	}
	ms := decodeMultistatus(t, buf.Bytes())
	if len(ms.Responses) != 3 || ms.SyncToken != "tok" || ms.Responses[2].Hrefs[0] != "/c/c.ics" {
		t.Errorf("%+v", ms)
	}
	// Foreign namespaces are declared where used, with reused prefixes.
	if n := strings.Count(buf.String(), `xmlns:x0="urn:foreign"`); n != 3 {
		t.Errorf("urn:foreign declared %d times:\n%s", n, buf.String())
	}
	// Empty multistatus.
	buf.Reset()
	if err := (&Multistatus{}).Encode(&buf); err != nil {
		t.Fatal(err)
	}
	if ms := decodeMultistatus(t, buf.Bytes()); len(ms.Responses) != 0 {
		t.Error("responses in empty multistatus")
	}
}

func TestSanitizedHrefs(t *testing.T) {
	r := NewResponse("/raw path/é")
	r.AddProp(200, EmptyProp(DAVName("x")))
	var buf bytes.Buffer
	if err := (&Multistatus{Responses: []*Response{r}}).Encode(&buf); err != nil {
		t.Fatal(err)
	}
	ms := decodeMultistatus(t, buf.Bytes())
	if h := ms.Responses[0].Hrefs[0]; h != "/raw%20path/%C3%A9" {
		t.Errorf("href = %q", h)
	}
	if p, err := DecodeHref(ms.Responses[0].Hrefs[0]); err != nil || p != "/raw path/é" {
		t.Errorf("decoded = %q %v", p, err)
	}
}

func TestTextEscaping(t *testing.T) {
	in := "a&b<c>d\"e'f\tg\nh\r\ni\x00j\x1bk\xffl" + "\U0001F600"
	var buf bytes.Buffer
	e := TextElement(DAVName("t"), in).SetAttr(xml.Name{Local: "a"}, in)
	if err := EncodeElement(&buf, e); err != nil {
		t.Fatal(err)
	}
	var got xAny
	if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, buf.Bytes())
	}
	want := "a&b<c>d\"e'f\tg\nh\r\ni\uFFFDj\uFFFDk\uFFFDl\U0001F600"
	if got.Text != want {
		t.Errorf("text = %q", got.Text)
	}
	if got.attr("a") != want {
		t.Errorf("attr = %q", got.attr("a"))
	}
}

type xError struct {
	XMLName xml.Name `xml:"DAV: error"`
	Conds   []xAny   `xml:",any"`
}

func TestWriteError(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteError(&buf, CalDAVName("no-uid-conflict"), []string{"/dav/calendars/jo/work/x.ics"}, "UID already used"); err != nil {
		t.Fatal(err)
	}
	var e xError
	if err := xml.Unmarshal(buf.Bytes(), &e); err != nil {
		t.Fatalf("%v\n%s", err, buf.Bytes())
	}
	if len(e.Conds) != 2 {
		t.Fatalf("conds = %+v", e.Conds)
	}
	c := e.Conds[0]
	if c.XMLName != CalDAVName("no-uid-conflict") || len(c.Children) != 1 || c.Children[0].XMLName != DAVName("href") ||
		c.Children[0].Text != "/dav/calendars/jo/work/x.ics" {
		t.Errorf("condition = %+v", c)
	}
	if m := e.Conds[1]; m.XMLName != Name(NSKalends, "message") || m.Text != "UID already used" {
		t.Errorf("message = %+v", m)
	}
	if !strings.Contains(buf.String(), `<C:no-uid-conflict><D:href>/dav/calendars/jo/work/x.ics</D:href></C:no-uid-conflict><K:message xmlns:K="urn:x-kalends:xml:ns">UID already used</K:message>`) {
		t.Errorf("not using root prefixes:\n%s", buf.String())
	}

	buf.Reset()
	if err := WriteError(&buf, DAVName("lock-token-submitted"), nil, ""); err != nil {
		t.Fatal(err)
	}
	e = xError{}
	if err := xml.Unmarshal(buf.Bytes(), &e); err != nil {
		t.Fatal(err)
	}
	if len(e.Conds) != 1 || e.Conds[0].XMLName != DAVName("lock-token-submitted") || len(e.Conds[0].Children) != 0 {
		t.Errorf("%+v", e)
	}

	buf.Reset()
	sf := NewElement(CalDAVName("supported-filter"), NewElement(CalDAVName("prop-filter")).SetAttr(xml.Name{Local: "name"}, "X-FOO"))
	if err := WriteErrorElements(&buf, "", sf, Condition(CalDAVName("valid-filter"))); err != nil {
		t.Fatal(err)
	}
	e = xError{}
	if err := xml.Unmarshal(buf.Bytes(), &e); err != nil {
		t.Fatal(err)
	}
	if len(e.Conds) != 2 || e.Conds[0].Children[0].attr("name") != "X-FOO" {
		t.Errorf("%+v", e)
	}
}

type xScheduleResponse struct {
	XMLName   xml.Name `xml:"urn:ietf:params:xml:ns:caldav schedule-response"`
	Responses []struct {
		Recipient struct {
			Href string `xml:"DAV: href"`
		} `xml:"urn:ietf:params:xml:ns:caldav recipient"`
		Status       string `xml:"urn:ietf:params:xml:ns:caldav request-status"`
		CalendarData string `xml:"urn:ietf:params:xml:ns:caldav calendar-data"`
		Error        *xAny  `xml:"DAV: error"`
		Description  string `xml:"DAV: responsedescription"`
	} `xml:"urn:ietf:params:xml:ns:caldav response"`
}

func TestWriteScheduleResponse(t *testing.T) {
	var buf bytes.Buffer
	err := WriteScheduleResponse(&buf, []RecipientResponse{
		{Recipient: "mailto:wilfredo@example.com", RequestStatus: "2.0;Success",
			CalendarData: "BEGIN:VCALENDAR\r\nMETHOD:REPLY\r\nEND:VCALENDAR\r\n"},
		{Recipient: "mailto:nobody@example.com", RequestStatus: "3.7;Invalid calendar user",
			Error: []*Element{Condition(CalDAVName("recipient-exists"))}, ResponseDescription: "unknown"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var sr xScheduleResponse
	if err := xml.Unmarshal(buf.Bytes(), &sr); err != nil {
		t.Fatalf("%v\n%s", err, buf.Bytes())
	}
	if len(sr.Responses) != 2 {
		t.Fatalf("%+v", sr)
	}
	r0, r1 := sr.Responses[0], sr.Responses[1]
	if r0.Recipient.Href != "mailto:wilfredo@example.com" || r0.Status != "2.0;Success" || !strings.Contains(r0.CalendarData, "METHOD:REPLY\r\n") || r0.Error != nil {
		t.Errorf("r0 = %+v", r0)
	}
	if r1.Status != "3.7;Invalid calendar user" || r1.Error == nil || r1.Error.Children[0].XMLName != CalDAVName("recipient-exists") || r1.Description != "unknown" {
		t.Errorf("r1 = %+v", r1)
	}
}

func TestEncodeElementPrincipalSearchPropertySet(t *testing.T) {
	var buf bytes.Buffer
	e := PrincipalSearchPropertySet(SearchableProperty{DAVName("displayname"), "Display name"},
		SearchableProperty{CalDAVName("calendar-user-address-set"), "Calendar address"})
	if err := EncodeElement(&buf, e); err != nil {
		t.Fatal(err)
	}
	var got xAny
	if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.XMLName != DAVName("principal-search-property-set") || len(got.Children) != 2 {
		t.Fatalf("%+v", got)
	}
	psp := got.Children[1]
	if psp.child(NSDAV, "prop").Children[0].XMLName != CalDAVName("calendar-user-address-set") {
		t.Errorf("%+v", psp)
	}
	d := psp.child(NSDAV, "description")
	if d.Text != "Calendar address" || len(d.Attrs) != 1 || d.Attrs[0].Name != (xml.Name{Space: NSXML, Local: "lang"}) || d.Attrs[0].Value != "en" {
		t.Errorf("description = %+v", d)
	}
	if EncodeElement(&buf, CharData("x")) == nil {
		t.Error("EncodeElement accepted a text node")
	}
}
