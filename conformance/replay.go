// Package conformance replays recorded SOAP exchanges against a server
// and compares the answers with the recorded ones as normalised XML.
//
// A case directory holds files NNNN-<operation>.request.http (the raw
// HTTP request as a client sent it) and, once recorded against cmisd,
// NNNN-<operation>.response.http (status line, headers, body), the
// format `cmisd serve --record DIR` writes. A case whose requests live
// elsewhere (the real-client recordings in ../recorded) names their
// directory in recorded.txt instead; its requests are the *.http files
// there and its answers <name>.response.http. Values that differ between
// runs (object ids, dates, change tokens) are bound as they appear: the
// first time a recorded value meets the live one, the pair is remembered;
// later the live value must be the same, and later requests have the
// recorded value replaced by the live one.
package conformance

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Exchange is one recorded request with its expected response.
type Exchange struct {
	Name     string // e.g. 0003-getTypeChildren
	Request  []byte // raw HTTP request
	Response []byte // raw HTTP response; nil until recorded
}

// LoadCase reads a case directory in file-name order. Every answer must
// belong to a request: an orphan is a case out of step with its requests.
func LoadCase(dir string) ([]Exchange, error) {
	reqs, suffix, err := caseRequests(dir)
	if err != nil {
		return nil, err
	}
	sort.Strings(reqs)
	var out []Exchange
	named := map[string]bool{}
	for _, r := range reqs {
		name := strings.TrimSuffix(filepath.Base(r), suffix)
		req, err := os.ReadFile(r)
		if err != nil {
			return nil, err
		}
		resp, err := os.ReadFile(filepath.Join(dir, name+".response.http"))
		if err != nil && !os.IsNotExist(err) {
			return nil, err
		}
		named[name] = true
		out = append(out, Exchange{Name: name, Request: req, Response: resp})
	}
	resps, err := filepath.Glob(filepath.Join(dir, "*.response.http"))
	if err != nil {
		return nil, err
	}
	for _, r := range resps {
		if name := strings.TrimSuffix(filepath.Base(r), ".response.http"); !named[name] {
			return nil, fmt.Errorf("%s: an answer without a request", r)
		}
	}
	return out, nil
}

// RecordedRef is the file of a case that names, relative to the case,
// the directory holding its requests.
const RecordedRef = "recorded.txt"

// caseRequests lists a case's request files and the suffix that follows
// the exchange name in each.
func caseRequests(dir string) (files []string, suffix string, err error) {
	ref, err := os.ReadFile(filepath.Join(dir, RecordedRef))
	if os.IsNotExist(err) {
		files, err = filepath.Glob(filepath.Join(dir, "*.request.http"))
		return files, ".request.http", err
	}
	if err != nil {
		return nil, "", err
	}
	src := filepath.Join(dir, strings.TrimSpace(string(ref)))
	if files, err = filepath.Glob(filepath.Join(src, "*.http")); err == nil && len(files) == 0 {
		err = fmt.Errorf("%s: no requests in %s", filepath.Join(dir, RecordedRef), src)
	}
	return files, ".http", err
}

// ParseRequest turns raw recorded bytes into a request for base (e.g.
// http://127.0.0.1:1234). The body is sent as recorded.
func ParseRequest(raw []byte, base string) (*http.Request, error) {
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	out, err := http.NewRequest(req.Method, base+req.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range req.Header {
		switch k {
		case "Content-Length", "Host", "Connection", "Expect", "Accept-Encoding":
			continue
		}
		out.Header[k] = v
	}
	return out, nil
}

// ParseResponse reads a recorded raw response.
func ParseResponse(raw []byte) (status int, header http.Header, body []byte, err error) {
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(raw)), nil)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body, err
}

// Envelope returns the SOAP envelope of a message body: the body itself
// for text/xml, the root part of a multipart/related package.
func Envelope(contentType string, body []byte) ([]byte, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, fmt.Errorf("content type %q: %w", contentType, err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		return body, nil
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	start := strings.Trim(params["start"], "<>")
	for {
		p, err := mr.NextRawPart()
		if err != nil {
			return nil, fmt.Errorf("no root part: %w", err)
		}
		if start == "" || strings.Trim(p.Header.Get("Content-Id"), "<>") == start {
			return io.ReadAll(p)
		}
	}
}

// Node is an element of a normalised document.
type Node struct {
	Name     string // {namespace}local
	Attrs    []xml.Attr
	Text     string
	Children []*Node
}

// Parse reads XML into a tree, dropping namespace declarations and
// whitespace-only text, so that prefixes do not matter.
func Parse(doc []byte) (*Node, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	root := &Node{}
	stack := []*Node{root}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		top := stack[len(stack)-1]
		switch t := tok.(type) {
		case xml.StartElement:
			n := &Node{Name: "{" + t.Name.Space + "}" + t.Name.Local}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					continue
				}
				n.Attrs = append(n.Attrs, a)
			}
			sort.Slice(n.Attrs, func(i, j int) bool {
				return n.Attrs[i].Name.Space+n.Attrs[i].Name.Local < n.Attrs[j].Name.Space+n.Attrs[j].Name.Local
			})
			top.Children = append(top.Children, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			top.Text += string(t)
		}
	}
	var trim func(n *Node)
	trim = func(n *Node) {
		n.Text = strings.TrimSpace(n.Text)
		for _, c := range n.Children {
			trim(c)
		}
	}
	trim(root)
	return root, nil
}

const (
	coreNS     = "{http://docs.oasis-open.org/ns/cmis/core/200908/}"
	xopInclude = "{http://www.w3.org/2004/08/xop/include}Include"
)

// apply replaces bound recorded values in a text by their live values,
// longest first so that no binding replaces part of another.
func (b Bindings) apply(text string) string {
	if text == "" || len(b) == 0 {
		return text
	}
	keys := make([]string, 0, len(b))
	for k := range b {
		if len(k) >= 8 && strings.Contains(text, k) {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	for _, k := range keys {
		text = strings.ReplaceAll(text, k, b[k])
	}
	return text
}

// Attachments returns the SHA-256 of each non-root part of a multipart
// message, in order; nil for a text message.
func Attachments(contentType string, body []byte) ([]string, error) {
	parts, err := Parts(contentType, body)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range parts {
		sum := sha256.Sum256(p.Data)
		out = append(out, hex.EncodeToString(sum[:]))
	}
	return out, nil
}

// Part is a non-root part of a multipart message.
type Part struct {
	ID   string // Content-ID, without the angle brackets
	Data []byte
}

// Parts returns the non-root parts of a multipart message, in order; nil
// for a text message.
func Parts(contentType string, body []byte) ([]Part, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		return nil, err
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	start := strings.Trim(params["start"], "<>")
	var out []Part
	for first := true; ; first = false {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		id := strings.Trim(p.Header.Get("Content-Id"), "<>")
		if (start == "" && first) || (start != "" && id == start) {
			continue
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, err
		}
		out = append(out, Part{ID: id, Data: data})
	}
}

// Volatile values: element names (any namespace) and property ids whose
// values change from run to run.
var (
	// Change tokens are not here: the same sequence of operations gives
	// the same tokens, and small numbers would bind ambiguously.
	volatileElements = map[string]bool{
		"objectId": true, "rootFolderId": true, "latestChangeLogToken": true, "changeLogToken": true,
		"productVersion": true, "newId": true, "thinClientURI": true,
	}
	volatileProperties = map[string]bool{
		"cmis:objectId": true, "cmis:versionSeriesId": true, "cmis:parentId": true,
		"cmis:versionSeriesCheckedOutId": true, "cmis:contentStreamId": true, "cmis:sourceId": true,
		"cmis:targetId": true,
	}
	// Instants differ between runs and are never sent back: they only
	// have to be there.
	presentProperties = map[string]bool{"cmis:creationDate": true, "cmis:lastModificationDate": true}
	// capabilityQuery says bothcombined or metadataonly as the build has
	// full text or not.
	presentElements = map[string]bool{"capabilityQuery": true, "changeTime": true}
)

// presentOnly says whether only the number of an element's values
// matters, not what they are (instants, what depends on the build).
func presentOnly(n *Node) bool {
	if presentElements[localName(n.Name)] {
		return true
	}
	for _, a := range n.Attrs {
		if a.Name.Local == "propertyDefinitionId" && presentProperties[a.Value] {
			return true
		}
	}
	return false
}

// Bindings map recorded volatile values to live ones.
type Bindings map[string]string

// Compare checks that got matches want, binding volatile values; it
// returns the differences found, each with its path.
func Compare(want, got *Node, b Bindings) []string {
	var diffs []string
	var walk func(path string, w, g *Node, volatile bool)
	walk = func(path string, w, g *Node, volatile bool) {
		path += "/" + localName(w.Name)
		if w.Name != g.Name {
			diffs = append(diffs, fmt.Sprintf("%s: element %s, got %s", path, w.Name, g.Name))
			return
		}
		// An xop:Include's cid is made up per answer; the attachment it
		// names is compared by Attachments.
		if w.Name != xopInclude && !sameAttrs(w.Attrs, g.Attrs) {
			diffs = append(diffs, fmt.Sprintf("%s: attributes %v, got %v", path, w.Attrs, g.Attrs))
		}
		childVolatile := volatileElements[localName(w.Name)]
		for _, a := range w.Attrs {
			if a.Name.Local == "propertyDefinitionId" && volatileProperties[a.Value] {
				childVolatile = true
			}
		}
		// What depends on how the server was built only has to be there.
		if presentOnly(w) {
			if len(w.Children) != len(g.Children) {
				diffs = append(diffs, fmt.Sprintf("%s: %d values, got %d", path, len(w.Children), len(g.Children)))
			}
			return
		}
		if volatile || childVolatile {
			if w.Text != "" || g.Text != "" {
				if live, ok := b[w.Text]; ok && live != g.Text {
					diffs = append(diffs, fmt.Sprintf("%s: %q was bound to %q, got %q", path, w.Text, live, g.Text))
				} else if !ok && w.Text != "" {
					b[w.Text] = g.Text
				}
			}
		} else if want := b.apply(w.Text); want != g.Text {
			// Messages may quote ids: the recorded ones read as the live ones.
			diffs = append(diffs, fmt.Sprintf("%s: text %q, got %q", path, want, g.Text))
		}
		// Order counts everywhere: properties come in the order of their
		// type's definitions, and definitions in the order they were made.
		wc, gc := w.Children, g.Children
		if len(wc) != len(gc) {
			diffs = append(diffs, fmt.Sprintf("%s: %d children, got %d (%s vs %s)", path, len(wc), len(gc), names(wc), names(gc)))
			return
		}
		for i := range wc {
			walk(path, wc[i], gc[i], childVolatile && localName(wc[i].Name) == "value")
		}
	}
	walk("", want, got, false)
	return diffs
}

func localName(n string) string {
	if i := strings.LastIndexByte(n, '}'); i >= 0 {
		return n[i+1:]
	}
	return n
}

func sameAttrs(a, b []xml.Attr) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Value != b[i].Value {
			return false
		}
	}
	return true
}

func names(ns []*Node) string {
	var s []string
	for _, n := range ns {
		s = append(s, localName(n.Name))
	}
	return strings.Join(s, ",")
}

var wsuTime = regexp.MustCompile(`(<(?:[A-Za-z0-9_-]+:)?(?:Created|Expires)>)[^<]*(</)`)

// Substitute prepares a recorded request for replay: recorded volatile
// values become their live bindings, and WS-Security timestamps are
// moved to now so that the server's expiry check passes.
func Substitute(raw []byte, b Bindings, now string, later string) []byte {
	// Longest first, so that no binding replaces part of another.
	keys := make([]string, 0, len(b))
	for k := range b {
		if len(k) >= 2 {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	head, body := splitHead(raw)
	for _, k := range keys {
		if len(k) >= 8 {
			// Ids wherever they stand, e.g. inside IN_FOLDER('<id>').
			body = bytes.ReplaceAll(body, []byte(k), []byte(b[k]))
			continue
		}
		// Short values (tokens) only as an element's whole text.
		body = bytes.ReplaceAll(body, []byte(">"+k+"<"), []byte(">"+b[k]+"<"))
	}
	body = wsuTime.ReplaceAllFunc(body, func(m []byte) []byte {
		sub := wsuTime.FindSubmatch(m)
		v := now
		if bytes.Contains(sub[1], []byte("Expires")) {
			v = later
		}
		return append(append(append([]byte{}, sub[1]...), v...), sub[2]...)
	})
	return append(fixLength(head, len(body)), body...)
}

func splitHead(raw []byte) (head, body []byte) {
	i := bytes.Index(raw, []byte("\r\n\r\n"))
	sep := 4
	if j := bytes.Index(raw, []byte("\n\n")); i < 0 || (j >= 0 && j < i) {
		i, sep = j, 2
	}
	if i < 0 {
		return raw, nil
	}
	return append([]byte{}, raw[:i+sep]...), append([]byte{}, raw[i+sep:]...)
}

func fixLength(head []byte, n int) []byte {
	re := regexp.MustCompile(`(?im)^content-length:[^\r\n]*`)
	return re.ReplaceAll(head, []byte("Content-Length: "+strconv.Itoa(n)))
}
