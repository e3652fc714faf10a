package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cmisd/cmisd/generated"
	"github.com/cmisd/cmisd/internal/xsd"
)

// bodyWriter is what the generated writers give every SOAP body element.
type bodyWriter interface{ WriteBody(w *xsd.Writer) }

// TestWritersMatchEncodingXML fills every response type with random values
// (special characters, invalid UTF-8, zero values, nil pointers, choice
// lists in mixed order, extensions) and checks that the generated writer
// writes what encoding/xml writes, compared as namespace-resolved trees.
func TestWritersMatchEncodingXML(t *testing.T) {
	var bodies []reflect.Type
	for _, op := range generated.Operations {
		req := op.NewRequest()
		bodies = append(bodies, reflect.TypeOf(req).Elem())
	}
	// Responses are what the server writes; find them from the port
	// interfaces' methods through Invoke's result type.
	for _, name := range responseTypes() {
		bodies = append(bodies, name)
	}
	bodies = append(bodies, reflect.TypeFor[generated.CmisFaultType]())
	seeds := 40
	if testing.Short() {
		seeds = 5
	}
	for _, typ := range bodies {
		if _, ok := reflect.New(typ).Interface().(bodyWriter); !ok {
			t.Errorf("%s has no WriteBody", typ)
			continue
		}
		for seed := range seeds {
			r := rand.New(rand.NewPCG(uint64(seed), 7))
			v := reflect.New(typ)
			fill(r, v.Elem(), 0)
			want, err := xml.Marshal(v.Interface())
			if err != nil {
				t.Fatalf("%s seed %d: encoding/xml: %v", typ, seed, err)
			}
			w := xsd.NewWriter(nil)
			v.Interface().(bodyWriter).WriteBody(w)
			if err := w.Err(); err != nil {
				t.Fatalf("%s seed %d: writer: %v", typ, seed, err)
			}
			a, err := canonical(want)
			if err != nil {
				t.Fatalf("%s seed %d: parsing encoding/xml's output: %v\n%s", typ, seed, err, want)
			}
			b, err := canonical(w.Bytes())
			if err != nil {
				t.Fatalf("%s seed %d: parsing the writer's output: %v\n%s", typ, seed, err, w.Bytes())
			}
			if a != b {
				t.Fatalf("%s seed %d differs:\nencoding/xml:\n%s\nwriter:\n%s\n%s", typ, seed, a, b, w.Bytes())
			}
		}
	}
}

// responseTypes are the response element structs of every operation.
func responseTypes() []reflect.Type {
	var out []reflect.Type
	ports := reflect.TypeFor[generated.Ports]()
	for i := range ports.NumField() {
		it := ports.Field(i).Type
		for j := range it.NumMethod() {
			out = append(out, it.Method(j).Type.Out(0).Elem())
		}
	}
	return out
}

var texts = []string{"", "plain", "a<b&c>d", `q"u'o`, "line\nbreak\r\ttab", "ünï©ødé", "bad\xffutf8", "ctl\x01x", "\uFFFE", "  padded  "}

// fill sets v to random content, recursively.
func fill(r *rand.Rand, v reflect.Value, depth int) {
	switch v.Type() {
	case reflect.TypeFor[xml.Name]():
		return // XMLName: set by Marshal from the tag
	case reflect.TypeFor[xsd.DateTime]():
		v.Set(reflect.ValueOf(xsd.DateTime{Time: time.UnixMilli(r.Int64N(4e12)).UTC()}))
		return
	case reflect.TypeFor[xsd.Decimal]():
		v.Set(reflect.ValueOf(xsd.Decimal([]string{"0", "-1.5", "12345678901234567890.25", "7"}[r.IntN(4)])))
		return
	case reflect.TypeFor[xsd.Stream]():
		v.Set(reflect.ValueOf(xsd.Stream{Href: "part-" + fmt.Sprint(r.IntN(9)) + "@x"}))
		return
	case reflect.TypeFor[xsd.Any]():
		v.Set(reflect.ValueOf(xsd.Any{XMLName: xml.Name{Space: "urn:ext", Local: "ext"},
			Attrs:    []xml.Attr{{Name: xml.Name{Local: "k"}, Value: texts[r.IntN(4)]}},
			InnerXML: `<inner xmlns="urn:ext">x &amp; y</inner>`}))
		return
	case reflect.TypeFor[xsd.AnyAttrs]():
		if r.IntN(3) == 0 {
			v.Set(reflect.ValueOf(xsd.AnyAttrs{{Name: xml.Name{Space: "urn:attr", Local: "extra"}, Value: "v<1>"}}))
		}
		return
	case reflect.TypeFor[xsd.Attrs]():
		return // set from the fields (SetAttrs, below)
	case reflect.TypeFor[xsd.XsiType]():
		if r.IntN(2) == 0 {
			v.SetString(string(generated.XsiCmisTypeDocumentDefinitionType))
		}
		return
	}
	if alts, ok := v.Interface().(interface {
		Alternatives() []generated.Alternative
	}); ok {
		n := r.IntN(4)
		if depth > 6 {
			n = 0
		}
		l := reflect.MakeSlice(v.Type(), 0, n)
		for range n {
			a := alts.Alternatives()[r.IntN(len(alts.Alternatives()))]
			e := reflect.ValueOf(a.New())
			fill(r, e.Elem(), depth+1)
			l = reflect.Append(l, e)
		}
		v.Set(l)
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(texts[r.IntN(len(texts))])
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Int64:
		v.SetInt([]int64{0, -3, 1 << 40}[r.IntN(3)])
	case reflect.Pointer:
		if depth > 6 || r.IntN(3) == 0 {
			return
		}
		p := reflect.New(v.Type().Elem())
		fill(r, p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		n := r.IntN(3)
		if depth > 6 {
			n = 0
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			if s.Index(i).Kind() == reflect.Pointer && r.IntN(5) == 0 {
				continue // a nil entry writes nothing either way
			}
			if s.Index(i).Kind() == reflect.Pointer {
				s.Index(i).Set(reflect.New(s.Type().Elem().Elem()))
				fill(r, s.Index(i).Elem(), depth+1)
			} else {
				fill(r, s.Index(i), depth+1)
			}
		}
		v.Set(s)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(r, v.Field(i), depth+1)
			}
		}
		// Half the time, attributes written once (SetAttrs) stand for
		// the fields': they must write the same.
		if s, ok := v.Addr().Interface().(interface{ SetAttrs() }); ok && r.IntN(2) == 0 {
			s.SetAttrs()
		}
	}
}

// canonical renders XML as an indented tree of namespace-resolved names,
// attributes (sorted, namespace declarations dropped) and text, with
// entities resolved: two documents with the same canonical form carry the
// same data.
func canonical(data []byte) (string, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	var b strings.Builder
	depth := 0
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			fmt.Fprintf(&b, "%s%q\n", strings.Repeat("  ", depth), text.String())
			text.Reset()
		}
	}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return b.String(), nil
		}
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			flush()
			var attrs []string
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					continue
				}
				if a.Name.Space == "xsi" {
					// encoding/xml writes xsi:type literally, for the
					// declaration the server puts on the envelope.
					a.Name.Space = xsiNS
				}
				attrs = append(attrs, fmt.Sprintf("{%s}%s=%q", a.Name.Space, a.Name.Local, a.Value))
			}
			slices.Sort(attrs)
			fmt.Fprintf(&b, "%s{%s}%s %s\n", strings.Repeat("  ", depth), t.Name.Space, t.Name.Local, strings.Join(attrs, " "))
			depth++
		case xml.EndElement:
			flush()
			depth--
		case xml.CharData:
			text.Write(t)
		}
	}
}

// TestWriterV10 checks the CMIS 1.0 mode on the repository info: 1.1-only
// elements are left out, and a 1.1-only value is an error, not a silently
// invalid document.
func TestWriterV10(t *testing.T) {
	info := &generated.GetRepositoryInfoResponse{RepositoryInfo: &generated.CmisRepositoryInfoType{
		RepositoryId: "r", CmisVersionSupported: "1.0",
		Capabilities: &generated.CmisRepositoryCapabilitiesType{
			CapabilityOrderBy: generated.EnumCapabilityOrderByCommon,
			CapabilityACL:     generated.EnumCapabilityACLManage,
		},
		ExtendedFeatures: []*generated.CmisExtensionFeatureType{{Id: "x"}},
	}}
	for _, v10 := range []bool{false, true} {
		w := xsd.NewWriter(nil)
		w.V10 = v10
		info.WriteBody(w)
		out := string(w.Bytes())
		if w.Err() != nil {
			t.Fatal(w.Err())
		}
		for _, el := range []string{"capabilityOrderBy", "extendedFeatures"} {
			if strings.Contains(out, el) == v10 {
				t.Errorf("V10=%v: %s present=%v in %s", v10, el, !v10, out)
			}
		}
		if !strings.Contains(out, "<cmis:capabilityACL>manage</cmis:capabilityACL>") {
			t.Errorf("V10=%v: capabilityACL missing: %s", v10, out)
		}
	}
	typ := &generated.GetTypeDefinitionResponse{Type_: &generated.CmisTypeDefinitionType{
		XsiType: generated.XsiCmisTypeItemDefinitionType, Id: "cmis:item", BaseId: generated.EnumBaseObjectTypeIdsCmisitem}}
	w := xsd.NewWriter(nil)
	typ.WriteBody(w)
	if w.Err() != nil {
		t.Fatalf("1.1: %v", w.Err())
	}
	w = xsd.NewWriter(nil)
	w.V10 = true
	typ.WriteBody(w)
	if w.Err() == nil || !strings.Contains(w.Err().Error(), "not defined in CMIS 1.0") {
		t.Fatalf("1.0 writer took cmis:item: %v", w.Err())
	}
}
