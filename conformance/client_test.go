package conformance

// The small SOAP client of the black-box tests: it posts envelopes (text
// or MTOM) and parses answers into Node trees.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
)

type cmisClient struct {
	base, user, password, repo string
	hc                         *http.Client
}

// soapReply is a parsed answer.
type soapReply struct {
	status      int
	contentType string
	raw         []byte            // the whole HTTP body
	body        *Node             // the first element inside soap:Body
	parts       map[string][]byte // MTOM attachments by Content-ID (no <>)
}

type soapFault struct{ code, message, cmisType string }

func (r *soapReply) fault() *soapFault {
	if r == nil || r.body == nil || localName(r.body.Name) != "Fault" {
		return nil
	}
	f := &soapFault{code: childText(r.body, "faultcode"), message: childText(r.body, "faultstring")}
	if d := firstDesc(r.body, "cmisFault"); d != nil {
		f.cmisType = childText(d, "type")
	}
	return f
}

func (r *soapReply) String() string {
	if r == nil {
		return "<no reply>"
	}
	if f := r.fault(); f != nil {
		return fmt.Sprintf("HTTP %d fault %s/%s: %s", r.status, f.code, f.cmisType, f.message)
	}
	raw := r.raw
	if len(raw) > 600 {
		raw = append(append([]byte{}, raw[:600]...), "…"...)
	}
	return fmt.Sprintf("HTTP %d %s", r.status, raw)
}

// ok returns an error unless the reply is a 200 answer (no fault).
func (r *soapReply) ok() error {
	if r.status != http.StatusOK || r.fault() != nil || r.body == nil {
		return fmt.Errorf("unexpected answer: %s", r)
	}
	return nil
}

// post sends a body with the given Content-Type to /services/<service>.
func (c *cmisClient) post(ctx context.Context, service, contentType string, body io.Reader, length int64) (*soapReply, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/services/"+service, body)
	if err != nil {
		return nil, err
	}
	req.ContentLength = length
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("SOAPAction", `""`)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	return parseReply(resp.StatusCode, resp.Header.Get("Content-Type"), raw)
}

// call sends a Body element as a text/xml SOAP request.
func (c *cmisClient) call(ctx context.Context, service, body string) (*soapReply, error) {
	env := soapEnvelope(c.user, c.password, body)
	return c.post(ctx, service, "text/xml; charset=utf-8", strings.NewReader(env), int64(len(env)))
}

// callMTOM sends a Body element as an MTOM package with one attachment
// (mtomContentCID); the body names it with xopIncludeOf(mtomContentCID).
func (c *cmisClient) callMTOM(ctx context.Context, service, body string, content []byte) (*soapReply, error) {
	return c.callMTOMParts(ctx, service, body, mtomAttachment{mtomContentCID, content})
}

// callMTOMParts sends a Body element as an MTOM package with the given
// attachments (none: the server answers in MTOM too).
func (c *cmisClient) callMTOMParts(ctx context.Context, service, body string, atts ...mtomAttachment) (*soapReply, error) {
	env := soapEnvelope(c.user, c.password, body)
	r, n := chunksReader(mtomBody(mtomBoundary, env, atts...))
	return c.post(ctx, service, mtomContentType(mtomBoundary), r, n)
}

func parseReply(status int, contentType string, raw []byte) (*soapReply, error) {
	r := &soapReply{status: status, contentType: contentType, raw: raw, parts: map[string][]byte{}}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return r, fmt.Errorf("HTTP %d: content type %q: %w", status, contentType, err)
	}
	env := raw
	if strings.HasPrefix(mt, "multipart/") {
		env = nil
		mr := multipart.NewReader(bytes.NewReader(raw), params["boundary"])
		start := strings.Trim(params["start"], "<>")
		for first := true; ; first = false {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return r, fmt.Errorf("HTTP %d: MTOM answer: %w", status, err)
			}
			data, err := io.ReadAll(p)
			if err != nil {
				return r, fmt.Errorf("HTTP %d: MTOM answer: %w", status, err)
			}
			cid := strings.Trim(p.Header.Get("Content-Id"), "<>")
			if (start == "" && first) || (start != "" && cid == start) {
				env = data
				continue
			}
			r.parts[cid] = data
		}
		if env == nil {
			return r, fmt.Errorf("HTTP %d: MTOM answer without a root part", status)
		}
	} else if mt != "text/xml" {
		return r, fmt.Errorf("HTTP %d: content type %q: %.300s", status, contentType, raw)
	}
	doc, err := Parse(env)
	if err != nil {
		return r, fmt.Errorf("HTTP %d: answer is not XML: %w: %.300s", status, err, env)
	}
	envNode := firstChild(doc, "Envelope")
	if envNode == nil || envNode.Name != "{"+nsSOAP11+"}Envelope" {
		return r, fmt.Errorf("HTTP %d: answer is not a SOAP 1.1 envelope: %.300s", status, env)
	}
	if b := firstChild(envNode, "Body"); b != nil && len(b.Children) > 0 {
		r.body = b.Children[0]
	}
	if r.body == nil {
		return r, fmt.Errorf("HTTP %d: empty SOAP Body", status)
	}
	return r, nil
}

// Node helpers.

func firstChild(n *Node, local string) *Node {
	if n == nil {
		return nil
	}
	for _, c := range n.Children {
		if localName(c.Name) == local {
			return c
		}
	}
	return nil
}

func childText(n *Node, local string) string {
	if c := firstChild(n, local); c != nil {
		return c.Text
	}
	return ""
}

func firstDesc(n *Node, local string) *Node {
	if n == nil {
		return nil
	}
	for _, c := range n.Children {
		if localName(c.Name) == local {
			return c
		}
		if d := firstDesc(c, local); d != nil {
			return d
		}
	}
	return nil
}

func attrValue(n *Node, local string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// cmisObject is an object of a listing: property id -> values.
type cmisObject map[string][]string

func (o cmisObject) get(id string) string {
	if vs := o[id]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

func readObject(n *Node) cmisObject {
	o := cmisObject{}
	props := firstChild(n, "properties")
	if props == nil {
		return o
	}
	for _, p := range props.Children {
		id := attrValue(p, "propertyDefinitionId")
		vals := []string{}
		for _, v := range p.Children {
			if localName(v.Name) == "value" {
				vals = append(vals, v.Text)
			}
		}
		o[id] = vals
	}
	return o
}

// repositoryInfo returns the id of the (first) repository and its root
// folder.
func (c *cmisClient) repositoryInfo(ctx context.Context) (repo, root string, err error) {
	r, err := c.call(ctx, "RepositoryService", `<m:getRepositories xmlns:m="`+nsMessaging+`"/>`)
	if err != nil {
		return "", "", err
	}
	if err := r.ok(); err != nil {
		return "", "", fmt.Errorf("getRepositories: %w", err)
	}
	repo = childText(firstChild(r.body, "repositories"), "repositoryId")
	r, err = c.call(ctx, "RepositoryService", `<m:getRepositoryInfo xmlns:m="`+nsMessaging+`"><m:repositoryId>`+xesc(repo)+`</m:repositoryId></m:getRepositoryInfo>`)
	if err != nil {
		return "", "", err
	}
	if err := r.ok(); err != nil {
		return "", "", fmt.Errorf("getRepositoryInfo: %w", err)
	}
	root = childText(firstChild(r.body, "repositoryInfo"), "rootFolderId")
	if repo == "" || root == "" {
		return "", "", fmt.Errorf("no repository id or root folder in %s", r)
	}
	return repo, root, nil
}

// children lists a folder (every page) with all properties.
func (c *cmisClient) children(ctx context.Context, folderID string) ([]cmisObject, error) {
	var out []cmisObject
	for page := 0; page < 1000; page++ {
		r, err := c.call(ctx, "NavigationService", `<m:getChildren xmlns:m="`+nsMessaging+`">`+
			`<m:repositoryId>`+xesc(c.repo)+`</m:repositoryId><m:folderId>`+xesc(folderID)+`</m:folderId>`+
			`<m:filter>*</m:filter><m:maxItems>200</m:maxItems><m:skipCount>`+strconv.Itoa(len(out))+`</m:skipCount></m:getChildren>`)
		if err != nil {
			return nil, err
		}
		if err := r.ok(); err != nil {
			return nil, fmt.Errorf("getChildren %s: %w", folderID, err)
		}
		list := firstChild(r.body, "objects")
		n := 0
		for _, in := range list.Children {
			if localName(in.Name) != "objects" {
				continue
			}
			if obj := firstChild(in, "object"); obj != nil {
				out = append(out, readObject(obj))
				n++
			}
		}
		if childText(list, "hasMoreItems") != "true" || n == 0 {
			return out, nil
		}
	}
	return nil, fmt.Errorf("getChildren %s: more than 1000 pages", folderID)
}

// content fetches a document's content stream; it also returns the
// length the answer declares (-1 if none). The request is an MTOM package,
// so the content comes back as a binary attachment.
func (c *cmisClient) content(ctx context.Context, id string) ([]byte, int64, error) {
	r, err := c.callMTOMParts(ctx, "ObjectService", `<m:getContentStream xmlns:m="`+nsMessaging+`">`+
		`<m:repositoryId>`+xesc(c.repo)+`</m:repositoryId><m:objectId>`+xesc(id)+`</m:objectId></m:getContentStream>`)
	if err != nil {
		return nil, 0, err
	}
	if err := r.ok(); err != nil {
		return nil, 0, fmt.Errorf("getContentStream %s: %w", id, err)
	}
	cs := firstChild(r.body, "contentStream")
	declared := int64(-1)
	if l := childText(cs, "length"); l != "" {
		if declared, err = strconv.ParseInt(l, 10, 64); err != nil {
			return nil, 0, fmt.Errorf("getContentStream %s: length %q", id, l)
		}
	}
	st := firstChild(cs, "stream")
	if st == nil {
		return nil, 0, fmt.Errorf("getContentStream %s: no stream in %s", id, r)
	}
	if inc := firstChild(st, "Include"); inc != nil {
		cid := strings.TrimPrefix(attrValue(inc, "href"), "cid:")
		data, ok := r.parts[cid]
		if !ok {
			return nil, 0, fmt.Errorf("getContentStream %s: no part %q", id, cid)
		}
		return data, declared, nil
	}
	data, err := base64.StdEncoding.DecodeString(st.Text)
	if err != nil {
		return nil, 0, fmt.Errorf("getContentStream %s: base64: %w", id, err)
	}
	return data, declared, nil
}

func objectIDOf(r *soapReply) string { return childText(r.body, "objectId") }

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
