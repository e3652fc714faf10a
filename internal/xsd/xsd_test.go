package xsd

import (
	"encoding/xml"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDateTimeParse(t *testing.T) {
	cet := time.FixedZone("", 3600)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2024-02-29T13:14:15Z", time.Date(2024, 2, 29, 13, 14, 15, 0, time.UTC)},
		{"2024-02-29T13:14:15.5Z", time.Date(2024, 2, 29, 13, 14, 15, 500e6, time.UTC)},
		{"2024-02-29T13:14:15.123456789Z", time.Date(2024, 2, 29, 13, 14, 15, 123456789, time.UTC)},
		{"2024-02-29T13:14:15+01:00", time.Date(2024, 2, 29, 13, 14, 15, 0, cet)},
		{"2024-02-29T13:14:15.250-05:30", time.Date(2024, 2, 29, 13, 14, 15, 250e6, time.FixedZone("", -(5*3600+30*60)))},
		{"2024-02-29T13:14:15", time.Date(2024, 2, 29, 13, 14, 15, 0, time.UTC)}, // no zone: UTC
		{"2024-02-29T13:14:15-14:00", time.Date(2024, 2, 29, 13, 14, 15, 0, time.FixedZone("", -14*3600))},
		{"2024-02-29T13:14:15-00:00", time.Date(2024, 2, 29, 13, 14, 15, 0, time.UTC)},
		{" 2024-02-29T13:14:15Z\n", time.Date(2024, 2, 29, 13, 14, 15, 0, time.UTC)}, // white space collapses
	}
	for _, tt := range tests {
		var d DateTime
		if err := d.UnmarshalText([]byte(tt.in)); err != nil {
			t.Errorf("UnmarshalText(%q): %v", tt.in, err)
			continue
		}
		if !d.Equal(tt.want) {
			t.Errorf("UnmarshalText(%q) = %v, want %v", tt.in, d.Time, tt.want)
		}
	}
}

func TestDateTimeInvalid(t *testing.T) {
	for _, in := range []string{
		"",
		"2024-02-29",                // a date is not a dateTime
		"2024-02-29 13:14:15Z",      // space instead of T
		"2024-02-29T13:14Z",         // seconds missing
		"2024-02-29T13:14:15,5Z",    // comma fraction (time.Parse accepts it)
		"2024-02-29T13:14:15.Z",     // empty fraction
		"2024-02-30T13:14:15Z",      // no such day
		"2024-02-29T25:14:15Z",      // no such hour
		"2024-02-29T13:14:15+0100",  // offset without colon
		"2024-02-29T13:14:15+01",    // offset without minutes
		"2024-02-29T13:14:15+01:60", // no such minute
		"2024-02-29T13:14:15-14:30", // beyond ±14:00
		"2024-12-31T23:59:60Z",      // leap second
		"2024-2-29T13:14:15Z",       // one-digit month
		"1709212455",                // epoch seconds
		"2024-02-29T13:14:15Zjunk",
	} {
		var d DateTime
		if err := d.UnmarshalText([]byte(in)); err == nil {
			t.Errorf("UnmarshalText(%q) = %v, want error", in, d.Time)
		}
	}
}

func TestDateTimeMarshal(t *testing.T) {
	d := DateTime{time.Date(2024, 2, 29, 14, 14, 15, 123456789, time.FixedZone("", 3600))}
	b, err := d.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), "2024-02-29T13:14:15.123Z"; got != want {
		t.Errorf("MarshalText = %s, want %s", got, want)
	}

	// As element content and back, through encoding/xml.
	type doc struct {
		V  DateTime  `xml:"v"`
		P  *DateTime `xml:"p,omitempty"`
		At DateTime  `xml:"at,attr"`
	}
	out, err := xml.Marshal(doc{V: d, At: d})
	if err != nil {
		t.Fatal(err)
	}
	if want := `<doc at="2024-02-29T13:14:15.123Z"><v>2024-02-29T13:14:15.123Z</v></doc>`; string(out) != want {
		t.Errorf("Marshal = %s, want %s", out, want)
	}
	var back doc
	if err := xml.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if !back.V.Equal(d.Truncate(time.Millisecond)) || back.P != nil {
		t.Errorf("round trip = %+v", back)
	}
	if err := xml.Unmarshal([]byte(`<doc><v>yesterday</v></doc>`), &back); err == nil {
		t.Error("Unmarshal of an invalid dateTime element succeeded")
	}
	if err := xml.Unmarshal([]byte(`<doc at="yesterday"></doc>`), &back); err == nil {
		t.Error("Unmarshal of an invalid dateTime attribute succeeded")
	}
	nilDoc := `<doc xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><v xsi:nil="true"/></doc>`
	if err := xml.Unmarshal([]byte(nilDoc), &back); err != nil || !back.V.IsZero() {
		t.Errorf("xsi:nil: %v, %v", err, back.V)
	}
}

func TestDecimal(t *testing.T) {
	valid := []struct {
		in   string
		want Decimal
		f    float64
	}{
		{"0", "0", 0},
		{"-1", "-1", -1},
		{"+1.50", "+1.50", 1.5},
		{"3.", "3.", 3},
		{".25", ".25", 0.25},
		{" 12.5\n", "12.5", 12.5},
		{"123456789012345678901234567890.5", "123456789012345678901234567890.5", 1.2345678901234568e29},
	}
	for _, tt := range valid {
		var d Decimal
		if err := d.UnmarshalText([]byte(tt.in)); err != nil {
			t.Errorf("UnmarshalText(%q): %v", tt.in, err)
			continue
		}
		if d != tt.want {
			t.Errorf("UnmarshalText(%q) = %q, want %q", tt.in, d, tt.want)
		}
		if f, err := d.Float64(); err != nil || f != tt.f {
			t.Errorf("%q.Float64() = %v, %v; want %v", d, f, err, tt.f)
		}
		if b, err := d.MarshalText(); err != nil || string(b) != string(tt.want) {
			t.Errorf("%q.MarshalText() = %s, %v", d, b, err)
		}
	}
	for _, in := range []string{"", ".", "-", "1e5", "1.5E-3", "0x10", "NaN", "Inf", "1,5", "1.2.3", "- 1", "1_000"} {
		var d Decimal
		if err := d.UnmarshalText([]byte(in)); err == nil {
			t.Errorf("UnmarshalText(%q) = %q, want error", in, d)
		}
		if _, err := Decimal(in).MarshalText(); err == nil {
			t.Errorf("Decimal(%q).MarshalText() succeeded", in)
		}
		if _, err := Decimal(in).Float64(); err == nil {
			t.Errorf("Decimal(%q).Float64() succeeded", in)
		}
	}
	for _, tt := range []struct {
		f    float64
		want Decimal
	}{{1.5, "1.5"}, {-0.1, "-0.1"}, {1e21, "1000000000000000000000"}, {5e-7, "0.0000005"}, {0, "0"}} {
		if got := DecimalFromFloat(tt.f); got != tt.want {
			t.Errorf("DecimalFromFloat(%v) = %q, want %q", tt.f, got, tt.want)
		}
	}
	if got := DecimalFromFloat(math.NaN()); got != "" {
		t.Errorf("DecimalFromFloat(NaN) = %q", got)
	}
	if _, err := xml.Marshal(struct {
		D Decimal `xml:"d"`
	}{DecimalFromFloat(math.Inf(1))}); err == nil {
		t.Error("Marshal of an empty Decimal succeeded")
	}
}

func TestXsiType(t *testing.T) {
	type typ struct {
		XMLName xml.Name `xml:"urn:core type"`
		Kind    XsiType  `xml:"http://www.w3.org/2001/XMLSchema-instance type,attr,omitempty"`
		ID      string   `xml:"urn:core id"`
	}
	out, err := xml.Marshal(typ{Kind: "cmisTypeDocumentDefinitionType", ID: "cmis:document"})
	if err != nil {
		t.Fatal(err)
	}
	want := `<type xmlns="urn:core" xsi:type="cmis:cmisTypeDocumentDefinitionType"><id xmlns="urn:core">cmis:document</id></type>`
	if string(out) != want {
		t.Errorf("Marshal = %s\nwant      %s", out, want)
	}
	out, _ = xml.Marshal(typ{ID: "x"})
	if strings.Contains(string(out), "type=") {
		t.Errorf("empty XsiType written: %s", out)
	}
	for _, in := range []string{
		`<type xmlns="urn:core" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:cmis="urn:core" xsi:type="cmis:cmisTypeFolderDefinitionType"/>`,
		`<type xmlns="urn:core" xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns:ns7="urn:core" i:type="ns7:cmisTypeFolderDefinitionType"/>`,
		`<type xmlns="urn:core" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="cmisTypeFolderDefinitionType"/>`,
	} {
		var v typ
		if err := xml.Unmarshal([]byte(in), &v); err != nil {
			t.Fatal(err)
		}
		if v.Kind != "cmisTypeFolderDefinitionType" {
			t.Errorf("Unmarshal(%s): Kind = %q", in, v.Kind)
		}
	}
}

type streamDoc struct {
	XMLName xml.Name `xml:"urn:msg contentStream"`
	Stream  *Stream  `xml:"urn:msg stream"`
}

func TestStreamUnmarshal(t *testing.T) {
	tests := []struct {
		name, in string
		href     string
		content  string // for inline base64
	}{
		{"xop", `<contentStream xmlns="urn:msg"><stream><xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:part1@example.org"/></stream></contentStream>`, "part1@example.org", ""},
		{"xop with white space", `<contentStream xmlns="urn:msg"><stream>
			<inc:Include xmlns:inc="http://www.w3.org/2004/08/xop/include" href="cid:http://tempuri.org/1/639"></inc:Include>
		</stream></contentStream>`, "http://tempuri.org/1/639", ""},
		{"base64", `<contentStream xmlns="urn:msg"><stream>aGVsbG8sIHdvcmxk</stream></contentStream>`, "", "hello, world"},
		{"base64 with line breaks", "<contentStream xmlns=\"urn:msg\"><stream>\n  aGVsbG8s\r\n  IHdvcmxk\n</stream></contentStream>", "", "hello, world"},
		{"empty", `<contentStream xmlns="urn:msg"><stream/></contentStream>`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d streamDoc
			if err := xml.Unmarshal([]byte(tt.in), &d); err != nil {
				t.Fatal(err)
			}
			if d.Stream == nil {
				t.Fatal("no stream")
			}
			if d.Stream.Href != tt.href {
				t.Errorf("Href = %q, want %q", d.Stream.Href, tt.href)
			}
			if tt.href != "" {
				if d.Stream.Reader != nil {
					t.Error("Reader set for xop:Include")
				}
				return
			}
			if d.Stream.Reader == nil {
				t.Fatal("Reader not set for inline content")
			}
			b, _ := io.ReadAll(d.Stream.Reader)
			if string(b) != tt.content {
				t.Errorf("content = %q, want %q", b, tt.content)
			}
		})
	}
	for _, in := range []string{
		`<contentStream xmlns="urn:msg"><stream>not base64!</stream></contentStream>`,
		`<contentStream xmlns="urn:msg"><stream>aGVsbG8</stream></contentStream>`,                 // bad padding
		`<contentStream xmlns="urn:msg"><stream><Include href="cid:x"/></stream></contentStream>`, // wrong namespace
		`<contentStream xmlns="urn:msg"><stream><xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include"/></stream></contentStream>`,
		`<contentStream xmlns="urn:msg"><stream>aGVsbG8=<xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:x"/></stream></contentStream>`,
	} {
		var d streamDoc
		if err := xml.Unmarshal([]byte(in), &d); err == nil {
			t.Errorf("Unmarshal(%s) succeeded", in)
		}
	}
}

func TestStreamMarshal(t *testing.T) {
	out, err := xml.Marshal(streamDoc{Stream: &Stream{Href: "content-1@cmisd", Reader: strings.NewReader("ignored")}})
	if err != nil {
		t.Fatal(err)
	}
	want := `<contentStream xmlns="urn:msg"><stream xmlns="urn:msg"><xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:content-1@cmisd"></xop:Include></stream></contentStream>`
	if string(out) != want {
		t.Errorf("Marshal = %s\nwant      %s", out, want)
	}
	var back streamDoc
	if err := xml.Unmarshal(out, &back); err != nil || back.Stream.Href != "content-1@cmisd" {
		t.Errorf("round trip: %v, %+v", err, back.Stream)
	}
	if _, err := xml.Marshal(streamDoc{Stream: &Stream{Reader: strings.NewReader("x")}}); err == nil {
		t.Error("Marshal without Href succeeded")
	}
}

func TestAnyRoundTrip(t *testing.T) {
	type ext struct {
		XMLName xml.Name `xml:"urn:msg extension"`
		Any     []Any    `xml:",any"`
		Attrs   AnyAttrs `xml:",any,attr"`
	}
	in := `<m:extension xmlns:m="urn:msg" xmlns:v="urn:vendor" xmlns:x="urn:x" x:flag="1">` +
		`<v:info v:level="2" plain="p"><v:detail>text &amp; more</v:detail><bare/></v:info>` +
		`<other xmlns="urn:other"><child/></other>` +
		`</m:extension>`
	var e ext
	if err := xml.Unmarshal([]byte(in), &e); err != nil {
		t.Fatal(err)
	}
	if len(e.Any) != 2 || e.Any[0].XMLName != (xml.Name{Space: "urn:vendor", Local: "info"}) ||
		e.Any[1].XMLName != (xml.Name{Space: "urn:other", Local: "other"}) {
		t.Fatalf("Any = %+v", e.Any)
	}
	if e.Any[0].InnerXML != `<detail xmlns="urn:vendor">text &amp; more</detail><bare xmlns=""></bare>` {
		t.Errorf("InnerXML = %q", e.Any[0].InnerXML)
	}
	// Namespace declarations are not attributes.
	if want := (AnyAttrs{{Name: xml.Name{Space: "urn:x", Local: "flag"}, Value: "1"}}); !reflect.DeepEqual(e.Attrs, want) {
		t.Errorf("AnyAttrs = %+v, want %+v", e.Attrs, want)
	}
	out, err := xml.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var back ext
	if err := xml.Unmarshal(out, &back); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !reflect.DeepEqual(back.Attrs, e.Attrs) {
		t.Errorf("attrs after round trip: %+v, want %+v\n%s", back.Attrs, e.Attrs, out)
	}
	// InnerXML states its namespaces: the vendor prefix was declared on an
	// ancestor of <v:info>, yet <detail> keeps urn:vendor after a decode.
	var inner struct {
		Detail string `xml:"urn:vendor detail"`
	}
	if err := xml.Unmarshal([]byte(`<info>`+back.Any[0].InnerXML+`</info>`), &inner); err != nil || inner.Detail != "text & more" {
		t.Errorf("inner: %v %+v (%s)", err, inner, back.Any[0].InnerXML)
	}
	// <bare/> has no namespace, and keeps none wherever InnerXML is put;
	// <child/> inherited urn:other and keeps it.
	var probe struct {
		Bare  *struct{ XMLName xml.Name } `xml:"bare"`
		Child *struct{ XMLName xml.Name } `xml:"child"`
	}
	doc := `<x xmlns="urn:zzz">` + back.Any[0].InnerXML + back.Any[1].InnerXML + `</x>`
	if err := xml.Unmarshal([]byte(doc), &probe); err != nil || probe.Bare == nil || probe.Bare.XMLName.Space != "" ||
		probe.Child == nil || probe.Child.XMLName.Space != "urn:other" {
		t.Errorf("namespaces in InnerXML: %v %s", err, doc)
	}
	if !reflect.DeepEqual(back.Any, e.Any) {
		t.Errorf("Any after round trip:\n%+v\nwant\n%+v\n%s", back.Any, e.Any, out)
	}
}
