package davxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func utc(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := ParseUTCDateTime(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func rng(t testing.TB, start, end string) *TimeRange {
	t.Helper()
	tr := &TimeRange{}
	if start != "" {
		tr.Start = utc(t, start)
	}
	if end != "" {
		tr.End = utc(t, end)
	}
	return tr
}

func TestReportName(t *testing.T) {
	tests := map[string]xml.Name{
		"rfc4791-7.8.1.xml":                         ReportCalendarQuery,
		"rfc4791-7.9.1.xml":                         ReportCalendarMultiget,
		"rfc4791-7.10.1.xml":                        ReportFreeBusyQuery,
		"rfc6578-initial.xml":                       ReportSyncCollection,
		"rfc3253-expand-property.xml":               ReportExpandProperty,
		"rfc3744-principal-property-search.xml":     ReportPrincipalPropertySearch,
		"apple-calendarserver-principal-search.xml": ReportCalendarServerPrincipals,
		"rfc3744-principal-match.xml":               ReportPrincipalMatch,
		"rfc3744-acl-principal-prop-set.xml":        ReportACLPrincipalPropSet,
	}
	for file, want := range tests {
		got, err := ReportName(readTestdata(t, file))
		if err != nil || got != want {
			t.Errorf("%s: %v %v", file, got, err)
		}
	}
	if got, err := ReportName([]byte(`<?xml version="1.0"?><!-- hi --><D:principal-search-property-set xmlns:D="DAV:"/>`)); err != nil || got != ReportPrincipalSearchPropSet {
		t.Errorf("%v %v", got, err)
	}
	for _, bad := range []string{"", "  ", "<!DOCTYPE x><x/>", "junk<x/>", "<report/>", "<a"} {
		if got, err := ReportName([]byte(bad)); !errors.Is(err, ErrMalformed) {
			t.Errorf("ReportName(%q) = %v, %v", bad, got, err)
		}
	}
}

func TestDecodeCalendarQuery(t *testing.T) {
	etagAndData := PropRequest{Kind: PropNames, Names: []xml.Name{DAVName("getetag"), CalDAVName("calendar-data")},
		CalendarData: &CalendarDataRequest{ContentType: "text/calendar", Version: "2.0"}}
	calData := func(cd CalendarDataRequest) PropRequest {
		cd.ContentType, cd.Version = "text/calendar", "2.0"
		return PropRequest{Kind: PropNames, Names: []xml.Name{CalDAVName("calendar-data")}, CalendarData: &cd}
	}
	vcal := func(children ...CompFilter) CompFilter { return CompFilter{Name: "VCALENDAR", CompFilters: children} }
	props := func(names ...string) []PropSpec {
		var out []PropSpec
		for _, n := range names {
			out = append(out, PropSpec{Name: n})
		}
		return out
	}
	tests := []struct {
		file string
		want CalendarQuery
	}{
		{"rfc4791-7.8.1.xml", CalendarQuery{
			Prop: calData(CalendarDataRequest{Comp: &CompRequest{Name: "VCALENDAR", Props: props("VERSION"), Comps: []CompRequest{
				{Name: "VEVENT", Props: props("SUMMARY", "UID", "DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXRULE", "EXDATE", "RECURRENCE-ID")},
				{Name: "VTIMEZONE"},
			}}}),
			Filter: vcal(CompFilter{Name: "VEVENT", TimeRange: rng(t, "20060104T000000Z", "20060105T000000Z")}),
		}},
		{"rfc4791-7.8.2.xml", CalendarQuery{
			Prop:   calData(CalendarDataRequest{LimitRecurrenceSet: rng(t, "20060103T000000Z", "20060105T000000Z")}),
			Filter: vcal(CompFilter{Name: "VEVENT", TimeRange: rng(t, "20060103T000000Z", "20060105T000000Z")}),
		}},
		{"rfc4791-7.8.3.xml", CalendarQuery{
			Prop:   calData(CalendarDataRequest{Expand: rng(t, "20060103T000000Z", "20060105T000000Z")}),
			Filter: vcal(CompFilter{Name: "VEVENT", TimeRange: rng(t, "20060103T000000Z", "20060105T000000Z")}),
		}},
		{"rfc4791-7.8.4.xml", CalendarQuery{
			Prop:   calData(CalendarDataRequest{LimitFreeBusySet: rng(t, "20060102T000000Z", "20060103T000000Z")}),
			Filter: vcal(CompFilter{Name: "VFREEBUSY", TimeRange: rng(t, "20060102T000000Z", "20060103T000000Z")}),
		}},
		{"rfc4791-7.8.5.xml", CalendarQuery{Prop: etagAndData,
			Filter: vcal(CompFilter{Name: "VTODO", CompFilters: []CompFilter{{Name: "VALARM", TimeRange: rng(t, "20060106T100000Z", "20060107T100000Z")}}}),
		}},
		{"rfc4791-7.8.6.xml", CalendarQuery{Prop: etagAndData,
			Filter: vcal(CompFilter{Name: "VEVENT", PropFilters: []PropFilter{{Name: "UID",
				TextMatch: &TextMatch{Text: "DC6C50A017428C5216A2F1CD@example.com", Collation: "i;octet"}}}}),
		}},
		{"rfc4791-7.8.7.xml", CalendarQuery{Prop: etagAndData,
			Filter: vcal(CompFilter{Name: "VEVENT", PropFilters: []PropFilter{{Name: "ATTENDEE",
				TextMatch:    &TextMatch{Text: "mailto:lisa@example.com", Collation: "i;ascii-casemap"},
				ParamFilters: []ParamFilter{{Name: "PARTSTAT", TextMatch: &TextMatch{Text: "NEEDS-ACTION", Collation: "i;ascii-casemap"}}}}}}),
		}},
		{"rfc4791-7.8.8.xml", CalendarQuery{Prop: etagAndData, Filter: vcal(CompFilter{Name: "VEVENT"})}},
		{"rfc4791-7.8.9.xml", CalendarQuery{Prop: etagAndData,
			Filter: vcal(CompFilter{Name: "VTODO", PropFilters: []PropFilter{
				{Name: "COMPLETED", IsNotDefined: true},
				{Name: "STATUS", TextMatch: &TextMatch{Text: "CANCELLED", Collation: "i;ascii-casemap", NegateCondition: true}},
			}}),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := DecodeCalendarQuery(bytes.NewReader(readTestdata(t, tt.file)))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("got  %s\nwant %s", dump(*got), dump(tt.want))
			}
		})
	}
}

// dump renders a value for failure messages, following pointers.
func dump(v any) string {
	var b strings.Builder
	dumpValue(&b, reflect.ValueOf(v))
	return b.String()
}

func dumpValue(b *strings.Builder, v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		b.WriteString("&")
		dumpValue(b, v.Elem())
	case reflect.Struct:
		if tm, ok := v.Interface().(time.Time); ok {
			b.WriteString(FormatUTCDateTime(tm))
			return
		}
		b.WriteString(v.Type().Name() + "{")
		for i := 0; i < v.NumField(); i++ {
			if v.Field(i).IsZero() {
				continue
			}
			b.WriteString(v.Type().Field(i).Name + ":")
			dumpValue(b, v.Field(i))
			b.WriteString(" ")
		}
		b.WriteString("}")
	case reflect.Slice:
		b.WriteString("[")
		for i := 0; i < v.Len(); i++ {
			dumpValue(b, v.Index(i))
			b.WriteString(" ")
		}
		b.WriteString("]")
	default:
		fmt.Fprintf(b, "%#v", v.Interface())
	}
}

func TestDecodeCalendarQueryMore(t *testing.T) {
	const head = `<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">`
	t.Run("timezone, open ranges, allprop, foreign elements", func(t *testing.T) {
		body := head + `<D:allprop/><X:hint xmlns:X="urn:x"/><C:filter><C:comp-filter name="vcalendar"><C:comp-filter name="vevent">
			<C:time-range start="20060104T000000Z"/><X:unknown xmlns:X="urn:x"><C:is-not-defined/></X:unknown></C:comp-filter>
			<C:comp-filter name="VTODO"><C:time-range end="20060104T000000Z"/><C:prop-filter name="dtstart"><C:time-range start="20060101T000000Z" end="20060102T000000Z"/>
			<C:param-filter name="tzid"><C:is-not-defined/></C:param-filter></C:prop-filter></C:comp-filter></C:comp-filter></C:filter>
			<C:timezone>BEGIN:VCALENDAR&#13;
END:VCALENDAR&#13;
</C:timezone><C:timezone-id> Europe/Paris </C:timezone-id></C:calendar-query>`
		q, err := DecodeCalendarQuery(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		want := CalendarQuery{Prop: PropRequest{Kind: PropAll},
			Filter: CompFilter{Name: "VCALENDAR", CompFilters: []CompFilter{
				{Name: "VEVENT", TimeRange: rng(t, "20060104T000000Z", "")},
				{Name: "VTODO", TimeRange: rng(t, "", "20060104T000000Z"), PropFilters: []PropFilter{{Name: "DTSTART",
					TimeRange: rng(t, "20060101T000000Z", "20060102T000000Z"), ParamFilters: []ParamFilter{{Name: "TZID", IsNotDefined: true}}}}},
			}},
			Timezone: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", TimezoneID: "Europe/Paris"}
		if !reflect.DeepEqual(*q, want) {
			t.Errorf("got  %s\nwant %s", dump(*q), dump(want))
		}
	})
	t.Run("calendar-data attributes and comp tree", func(t *testing.T) {
		body := head + `<D:prop><C:calendar-data content-type="application/calendar+json" version="2.0"><C:comp name="VCALENDAR"><C:allprop/>
			<C:comp name="VEVENT"><C:prop name="SUMMARY" novalue="yes"/><C:prop name="uid" novalue="no"/><C:allcomp/></C:comp></C:comp>
			<C:limit-freebusy-set start="20060101T000000Z" end="20060102T000000Z"/></C:calendar-data></D:prop>
			<C:filter><C:comp-filter name="VCALENDAR"/></C:filter></C:calendar-query>`
		q, err := DecodeCalendarQuery(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		want := &CalendarDataRequest{ContentType: "application/calendar+json", Version: "2.0",
			Comp: &CompRequest{Name: "VCALENDAR", AllProp: true, Comps: []CompRequest{{Name: "VEVENT", AllComp: true,
				Props: []PropSpec{{Name: "SUMMARY", NoValue: true}, {Name: "UID"}}}}},
			LimitFreeBusySet: rng(t, "20060101T000000Z", "20060102T000000Z")}
		if !reflect.DeepEqual(q.Prop.CalendarData, want) {
			t.Errorf("got  %s\nwant %s", dump(q.Prop.CalendarData), dump(want))
		}
	})

	bad := []struct {
		name, body string
		filter     bool
	}{
		{"no filter", head + `<D:prop><D:getetag/></D:prop></C:calendar-query>`, true},
		{"two filters", head + `<C:filter><C:comp-filter name="VCALENDAR"/></C:filter><C:filter><C:comp-filter name="VCALENDAR"/></C:filter></C:calendar-query>`, true},
		{"empty filter", head + `<C:filter/></C:calendar-query>`, true},
		{"not vcalendar", head + `<C:filter><C:comp-filter name="VEVENT"/></C:filter></C:calendar-query>`, true},
		{"vcalendar not defined", head + `<C:filter><C:comp-filter name="VCALENDAR"><C:is-not-defined/></C:comp-filter></C:filter></C:calendar-query>`, true},
		{"comp without name", head + `<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter/></C:comp-filter></C:filter></C:calendar-query>`, true},
		{"is-not-defined and time-range", head + `<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:is-not-defined/><C:time-range start="20060104T000000Z"/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`, true},
		{"floating time", head + `<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="20060104T000000"/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`, true},
		{"date only", head + `<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="20060104"/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`, true},
		{"empty time-range", head + `<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`, true},
		{"end before start", head + `<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="20060105T000000Z" end="20060104T000000Z"/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`, true},
		{"prop-filter without name", head + `<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:prop-filter/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`, true},
		{"prop-filter time-range and text-match", head + `<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:prop-filter name="DTSTART"><C:time-range start="20060104T000000Z"/><C:text-match>x</C:text-match></C:prop-filter></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`, true},
		{"prop-filter not defined with text-match", head + `<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:prop-filter name="UID"><C:is-not-defined/><C:text-match>x</C:text-match></C:prop-filter></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`, true},
		{"param-filter without name", head + `<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:prop-filter name="ATTENDEE"><C:param-filter/></C:prop-filter></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`, true},
		{"param-filter two text-match", head + `<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:prop-filter name="ATTENDEE"><C:param-filter name="PARTSTAT"><C:text-match>a</C:text-match><C:text-match>b</C:text-match></C:param-filter></C:prop-filter></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`, true},
		{"bad negate-condition", head + `<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:prop-filter name="UID"><C:text-match negate-condition="maybe">x</C:text-match></C:prop-filter></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`, true},
		{"expand without end", head + `<D:prop><C:calendar-data><C:expand start="20060104T000000Z"/></C:calendar-data></D:prop><C:filter><C:comp-filter name="VCALENDAR"/></C:filter></C:calendar-query>`, false},
		{"expand and limit-recurrence-set", head + `<D:prop><C:calendar-data><C:expand start="20060104T000000Z" end="20060105T000000Z"/><C:limit-recurrence-set start="20060104T000000Z" end="20060105T000000Z"/></C:calendar-data></D:prop><C:filter><C:comp-filter name="VCALENDAR"/></C:filter></C:calendar-query>`, false},
		{"comp without name", head + `<D:prop><C:calendar-data><C:comp/></C:calendar-data></D:prop><C:filter><C:comp-filter name="VCALENDAR"/></C:filter></C:calendar-query>`, false},
		{"comp prop without name", head + `<D:prop><C:calendar-data><C:comp name="VCALENDAR"><C:prop/></C:comp></C:calendar-data></D:prop><C:filter><C:comp-filter name="VCALENDAR"/></C:filter></C:calendar-query>`, false},
		{"allprop and prop", head + `<D:prop><C:calendar-data><C:comp name="VCALENDAR"><C:allprop/><C:prop name="X"/></C:comp></C:calendar-data></D:prop><C:filter><C:comp-filter name="VCALENDAR"/></C:filter></C:calendar-query>`, false},
		{"bad novalue", head + `<D:prop><C:calendar-data><C:comp name="VCALENDAR"><C:prop name="X" novalue="1"/></C:comp></C:calendar-data></D:prop><C:filter><C:comp-filter name="VCALENDAR"/></C:filter></C:calendar-query>`, false},
		{"wrong root", `<C:calendar-multiget xmlns:C="urn:ietf:params:xml:ns:caldav"/>`, false},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			q, err := DecodeCalendarQuery(strings.NewReader(tt.body))
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("got %+v, %v", q, err)
			}
			if errors.Is(err, ErrInvalidFilter) != tt.filter {
				t.Errorf("ErrInvalidFilter = %v for %v", !tt.filter, err)
			}
		})
	}
}

func TestDecodeCalendarMultiget(t *testing.T) {
	m, err := DecodeCalendarMultiget(bytes.NewReader(readTestdata(t, "rfc4791-7.9.1.xml")))
	if err != nil {
		t.Fatal(err)
	}
	want := CalendarMultiget{
		Prop: PropRequest{Kind: PropNames, Names: []xml.Name{DAVName("getetag"), CalDAVName("calendar-data")},
			CalendarData: &CalendarDataRequest{ContentType: "text/calendar", Version: "2.0"}},
		Hrefs: []string{"/bernard/work/abcd1.ics", "/bernard/work/mtg1.ics"},
	}
	if !reflect.DeepEqual(*m, want) {
		t.Errorf("got %s", dump(*m))
	}
	if _, err := DecodeCalendarMultiget(strings.NewReader(`<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:href> </D:href></C:calendar-multiget>`)); !errors.Is(err, ErrMalformed) {
		t.Errorf("empty href: %v", err)
	}
}

func TestDecodeFreeBusyQuery(t *testing.T) {
	q, err := DecodeFreeBusyQuery(bytes.NewReader(readTestdata(t, "rfc4791-7.10.1.xml")))
	if err != nil {
		t.Fatal(err)
	}
	if want := *rng(t, "20060104T140000Z", "20060105T220000Z"); q.TimeRange != want {
		t.Errorf("got %s", dump(*q))
	}
	for _, bad := range []string{
		`<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"/>`,
		`<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:time-range/></C:free-busy-query>`,
		`<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:time-range start="20060104T140000"/></C:free-busy-query>`,
		`<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:time-range start="20060104T140000Z"/><C:time-range start="20060104T140000Z"/></C:free-busy-query>`,
	} {
		if _, err := DecodeFreeBusyQuery(strings.NewReader(bad)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func TestDecodeSyncCollection(t *testing.T) {
	box := xml.Name{Space: "urn:ns.example.com:boxschema", Local: "bigbox"}
	tests := []struct {
		file string
		want SyncCollection
	}{
		{"rfc6578-initial.xml", SyncCollection{SyncLevel: "1", Prop: PropRequest{Kind: PropNames, Names: []xml.Name{DAVName("getetag"), box}}}},
		{"rfc6578-subsequent.xml", SyncCollection{SyncToken: "http://example.com/ns/sync/1234", SyncLevel: "1",
			Prop: PropRequest{Kind: PropNames, Names: []xml.Name{DAVName("getetag"), box}}}},
		{"rfc6578-limit.xml", SyncCollection{SyncToken: "http://example.com/ns/sync/1233", SyncLevel: "infinite", Limit: 100,
			Prop: PropRequest{Kind: PropNames, Names: []xml.Name{DAVName("getetag")}}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := DecodeSyncCollection(bytes.NewReader(readTestdata(t, tt.file)))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("got %s", dump(*got))
			}
		})
	}
	// sync-level missing is tolerated.
	s, err := DecodeSyncCollection(strings.NewReader(`<sync-collection xmlns="DAV:"><sync-token/><prop><getetag/></prop></sync-collection>`))
	if err != nil || s.SyncLevel != "" || s.SyncToken != "" {
		t.Errorf("%+v %v", s, err)
	}
	for _, bad := range []string{
		`<sync-collection xmlns="DAV:"><prop><getetag/></prop></sync-collection>`,
		`<sync-collection xmlns="DAV:"><sync-token/><sync-level>2</sync-level><prop/></sync-collection>`,
		`<sync-collection xmlns="DAV:"><sync-token/><limit><nresults>0</nresults></limit><prop/></sync-collection>`,
		`<sync-collection xmlns="DAV:"><sync-token/><limit><nresults>x</nresults></limit><prop/></sync-collection>`,
		`<sync-collection xmlns="DAV:"><sync-token/><limit/><prop/></sync-collection>`,
		`<sync-collection xmlns="DAV:"><sync-token/><sync-token/><prop/></sync-collection>`,
	} {
		if _, err := DecodeSyncCollection(strings.NewReader(bad)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func TestDecodeExpandProperty(t *testing.T) {
	tests := []struct {
		file string
		want []ExpandProperty
	}{
		{"rfc3253-expand-property.xml", []ExpandProperty{{Name: DAVName("version-history"), Children: []ExpandProperty{
			{Name: DAVName("version-set"), Children: []ExpandProperty{{Name: DAVName("creator-displayname")}, {Name: DAVName("activity-set")}}},
		}}}},
		{"apple-expand-property.xml", []ExpandProperty{
			{Name: CSName("calendar-proxy-write-for"), Children: []ExpandProperty{
				{Name: DAVName("displayname")}, {Name: DAVName("principal-URL")}, {Name: CalDAVName("calendar-user-address-set")}}},
			{Name: CSName("calendar-proxy-read-for"), Children: []ExpandProperty{{Name: DAVName("displayname")}}},
		}},
	}
	for _, tt := range tests {
		got, err := DecodeExpandProperty(bytes.NewReader(readTestdata(t, tt.file)))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %s", tt.file, dump(got))
		}
	}
	if _, err := DecodeExpandProperty(strings.NewReader(`<expand-property xmlns="DAV:"><property namespace="DAV:"/></expand-property>`)); !errors.Is(err, ErrMalformed) {
		t.Errorf("property without name: %v", err)
	}
}

func TestDecodePrincipalPropertySearch(t *testing.T) {
	b := "http://www.example.com/ns/"
	tests := []struct {
		file string
		want PrincipalPropertySearch
	}{
		{"rfc3744-principal-property-search.xml", PrincipalPropertySearch{
			Searches: []PropertySearch{
				{Props: []xml.Name{DAVName("displayname")}, Match: "doE", MatchType: "contains"},
				{Props: []xml.Name{{Space: b, Local: "title"}}, Match: "Sales", MatchType: "contains"},
			},
			Prop: PropRequest{Kind: PropNames, Names: []xml.Name{DAVName("displayname"), {Space: b, Local: "department"},
				{Space: b, Local: "phone"}, {Space: b, Local: "office"}, {Space: b, Local: "salary"}}},
		}},
		{"apple-principal-property-search.xml", PrincipalPropertySearch{
			Searches: []PropertySearch{
				{Props: []xml.Name{DAVName("displayname")}, Match: "gr", MatchType: "starts-with"},
				{Props: []xml.Name{CSName("email-address-set")}, Match: "gr", MatchType: "starts-with"},
				{Props: []xml.Name{CalDAVName("calendar-user-address-set")}, Match: "gr", MatchType: "starts-with"},
			},
			AnyOf: true, ApplyToPrincipalCollectionSet: true,
			Prop: PropRequest{Kind: PropNames, Names: []xml.Name{CalDAVName("calendar-user-address-set"), CSName("email-address-set"),
				DAVName("displayname"), CalDAVName("calendar-user-type")}},
		}},
	}
	for _, tt := range tests {
		got, err := DecodePrincipalPropertySearch(bytes.NewReader(readTestdata(t, tt.file)))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(*got, tt.want) {
			t.Errorf("%s: got %s", tt.file, dump(*got))
		}
	}
	for _, bad := range []string{
		`<principal-property-search xmlns="DAV:"/>`,
		`<principal-property-search xmlns="DAV:" test="some"><property-search><prop><displayname/></prop><match>x</match></property-search></principal-property-search>`,
		`<principal-property-search xmlns="DAV:"><property-search><prop><displayname/></prop></property-search></principal-property-search>`,
		`<principal-property-search xmlns="DAV:"><property-search><prop/><match>x</match></property-search></principal-property-search>`,
	} {
		if _, err := DecodePrincipalPropertySearch(strings.NewReader(bad)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func TestDecodeCalendarServerPrincipalSearch(t *testing.T) {
	got, err := DecodeCalendarServerPrincipalSearch(bytes.NewReader(readTestdata(t, "apple-calendarserver-principal-search.xml")))
	if err != nil {
		t.Fatal(err)
	}
	want := CalendarServerPrincipalSearch{Context: "attendee", Tokens: []string{"john", "smith"}, Limit: 50,
		Prop: PropRequest{Kind: PropNames, Names: []xml.Name{CalDAVName("calendar-user-address-set"), DAVName("displayname"),
			CSName("email-address-set"), CalDAVName("calendar-user-type"), CSName("record-type"), DAVName("principal-URL")}}}
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("got %s", dump(*got))
	}
	if _, err := DecodeCalendarServerPrincipalSearch(strings.NewReader(`<B:calendarserver-principal-search xmlns:B="http://calendarserver.org/ns/"><B:limit><B:nresults>-1</B:nresults></B:limit></B:calendarserver-principal-search>`)); !errors.Is(err, ErrMalformed) {
		t.Errorf("negative limit: %v", err)
	}
}

func TestDecodePrincipalMatchAndACLPropSet(t *testing.T) {
	m, err := DecodePrincipalMatch(bytes.NewReader(readTestdata(t, "rfc3744-principal-match.xml")))
	if err != nil {
		t.Fatal(err)
	}
	if want := (PrincipalMatch{PrincipalProperty: DAVName("owner")}); !reflect.DeepEqual(*m, want) {
		t.Errorf("got %+v", *m)
	}
	m, err = DecodePrincipalMatch(strings.NewReader(`<D:principal-match xmlns:D="DAV:"><D:self/><D:prop><D:displayname/></D:prop></D:principal-match>`))
	if err != nil {
		t.Fatal(err)
	}
	if want := (PrincipalMatch{Self: true, Prop: PropRequest{Kind: PropNames, Names: []xml.Name{DAVName("displayname")}}}); !reflect.DeepEqual(*m, want) {
		t.Errorf("got %+v", *m)
	}
	for _, bad := range []string{
		`<D:principal-match xmlns:D="DAV:"/>`,
		`<D:principal-match xmlns:D="DAV:"><D:self/><D:principal-property><D:owner/></D:principal-property></D:principal-match>`,
		`<D:principal-match xmlns:D="DAV:"><D:principal-property/></D:principal-match>`,
	} {
		if _, err := DecodePrincipalMatch(strings.NewReader(bad)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", bad, err)
		}
	}
	p, err := DecodeACLPrincipalPropSet(bytes.NewReader(readTestdata(t, "rfc3744-acl-principal-prop-set.xml")))
	if err != nil || !reflect.DeepEqual(*p, PropRequest{Kind: PropNames, Names: []xml.Name{DAVName("displayname")}}) {
		t.Errorf("acl-principal-prop-set: %+v %v", p, err)
	}
	if err := DecodePrincipalSearchPropertySet(strings.NewReader(`<D:principal-search-property-set xmlns:D="DAV:"/>`)); err != nil {
		t.Error(err)
	}
	if err := DecodePrincipalSearchPropertySet(strings.NewReader(`<D:principal-match xmlns:D="DAV:"/>`)); !errors.Is(err, ErrUnexpectedRoot) {
		t.Error(err)
	}
}
