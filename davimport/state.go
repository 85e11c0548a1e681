package davimport

import (
	"context"
	"encoding/xml"
	"fmt"

	"github.com/kalends/kalends/backend"
	"github.com/kalends/kalends/calendar"
)

// state is what a target calendar remembers of the source collection it
// was copied from, stored as the internal dead property
// calendar.ImportStateName: Kalends keeps it verbatim, leaves it out of
// allprop and refuses client changes to it.
type state struct {
	XMLName   xml.Name       `xml:"urn:x-kalends:xml:ns import-state"`
	Source    string         `xml:"source"`               // the collection's URL
	SyncToken string         `xml:"sync-token,omitempty"` // after the last complete run
	Objects   []*stateObject `xml:"object"`

	byHref map[string]*stateObject
}

// stateObject is one source resource and what it became in Kalends.
type stateObject struct {
	Href string `xml:"href,attr"`
	ETag string `xml:"etag,attr,omitempty"` // source ETag when last read
	// Rejected holds why Kalends refused the resource at that ETag; it is
	// reported again on each run until the source changes it.
	Rejected string `xml:"rejected,omitempty"`
	// Targets are the Kalends objects made from it (several when the
	// resource held several UIDs), with the ETag each had when imported.
	Targets []stateTarget `xml:"target"`
}

type stateTarget struct {
	URI  string `xml:"uri,attr"`
	ETag string `xml:"etag,attr"`
}

func newState(source string) *state {
	return &state{Source: source, byHref: map[string]*stateObject{}}
}

// loadState reads the import state of calendar c, nil when it has none.
func loadState(ctx context.Context, store backend.Store, c *backend.Calendar) (*state, error) {
	props, err := store.Properties(ctx, c.ID, "")
	if err != nil {
		return nil, err
	}
	for _, p := range props {
		if p.Name != calendar.ImportStateName {
			continue
		}
		st := &state{}
		if err := xml.Unmarshal([]byte(p.XML), st); err != nil {
			return nil, fmt.Errorf("davimport: calendar %s: unreadable import state: %w", c.URI, err)
		}
		st.byHref = make(map[string]*stateObject, len(st.Objects))
		for _, o := range st.Objects {
			st.byHref[o.Href] = o
		}
		return st, nil
	}
	return nil, nil
}

// property encodes the state as a dead property, objects in href order of
// first appearance.
func (st *state) property() (backend.Property, error) {
	objs := st.Objects[:0]
	for _, o := range st.Objects {
		if st.byHref[o.Href] == o {
			objs = append(objs, o)
		}
	}
	st.Objects = objs
	b, err := xml.Marshal(st)
	if err != nil {
		return backend.Property{}, err
	}
	return backend.Property{Name: calendar.ImportStateName, XML: string(b)}, nil
}

// get returns the entry of href, nil if none.
func (st *state) get(href string) *stateObject { return st.byHref[href] }

// put records o, replacing the entry of its href.
func (st *state) put(o *stateObject) {
	if st.byHref[o.Href] != o {
		st.Objects = append(st.Objects, o)
	}
	st.byHref[o.Href] = o
}

// remove forgets href.
func (st *state) remove(href string) { delete(st.byHref, href) }
