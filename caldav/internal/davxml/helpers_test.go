package davxml

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"testing"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Structures used to decode encoded responses back with encoding/xml.

type xMultistatus struct {
	XMLName             xml.Name    `xml:"DAV: multistatus"`
	Responses           []xResponse `xml:"DAV: response"`
	ResponseDescription string      `xml:"DAV: responsedescription"`
	SyncToken           string      `xml:"DAV: sync-token"`
}

type xResponse struct {
	Hrefs               []string    `xml:"DAV: href"`
	Propstats           []xPropstat `xml:"DAV: propstat"`
	Status              string      `xml:"DAV: status"`
	Error               *xAny       `xml:"DAV: error"`
	ResponseDescription string      `xml:"DAV: responsedescription"`
	Location            string      `xml:"DAV: location>href"`
}

type xPropstat struct {
	Prop   xAny   `xml:"DAV: prop"`
	Status string `xml:"DAV: status"`
	Error  *xAny  `xml:"DAV: error"`
}

// xAny captures any element tree.
type xAny struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []xAny     `xml:",any"`
}

func (a xAny) child(space, local string) *xAny {
	for i := range a.Children {
		if a.Children[i].XMLName.Space == space && a.Children[i].XMLName.Local == local {
			return &a.Children[i]
		}
	}
	return nil
}

func (a xAny) attr(local string) string {
	for _, at := range a.Attrs {
		if at.Name.Local == local && at.Name.Space == "" {
			return at.Value
		}
	}
	return ""
}

func decodeMultistatus(t *testing.T, b []byte) xMultistatus {
	t.Helper()
	var ms xMultistatus
	if err := xml.Unmarshal(b, &ms); err != nil {
		t.Fatalf("unmarshal multistatus: %v\n%s", err, b)
	}
	return ms
}

// wellFormed checks that b is well-formed XML with encoding/xml.
func wellFormed(t *testing.T, b []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := d.Token()
		if err != nil {
			if err.Error() == "EOF" {
				return
			}
			t.Fatalf("not well-formed: %v\n%s", err, b)
		}
	}
}
