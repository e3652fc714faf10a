package loadgen

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Op is one measured operation: how to build each request and how to
// tell that its answer is right.
type Op struct {
	Name    string // e.g. getContentStream-1KiB
	Service string
	Action  string
	body    func(seq int64) string // the Body element of request seq (1, 2, …)
	expect  []string               // every answer contains each
	minSize int                    // and is at least this long
}

// Body is the Body element of request seq.
func (o *Op) Body(seq int64) string { return o.body(seq) }

// Check says what is wrong with an answer, or nil.
func (o *Op) Check(status int, answer []byte) error {
	if status != http.StatusOK {
		return fmt.Errorf("HTTP %d: %s", status, FaultString(answer))
	}
	for _, e := range o.expect {
		if !bytes.Contains(answer, []byte(e)) {
			return fmt.Errorf("no %q in the answer: %s", e, Truncate(string(answer), 200))
		}
	}
	if len(answer) < o.minSize {
		return fmt.Errorf("answer of %d bytes, want at least %d", len(answer), o.minSize)
	}
	return nil
}

// OpNames are the operations Ops knows, in the order of the benchmark's
// table (/work/shared/bench/README.md).
var OpNames = []string{"getRepositoryInfo", "getObject", "getProperties", "getChildren", "getObjectByPath",
	"query", "getContentStream-1KiB", "getContentStream-1MiB", "createFolder"}

// ExtraOpNames are operations Ops knows beyond the benchmark's table
// (the engine comparison's createDocument).
var ExtraOpNames = []string{"createDocument"}

// Target is what an operation reads: the data set, or single ids.
type Target struct {
	Doc, DocName string // the document (getObject, getProperties, getContentStream-1KiB)
	Folder       string // the folder of the documents (getChildren, query)
	Path         string // the document's path (getObjectByPath)
	Big          string // the 1 MiB document
	Parent       string // where createFolder creates (a fresh folder per run)
}

// TargetOf is the data set's target; createFolder needs Parent set.
func TargetOf(d *DataSet) Target {
	id, name := d.Probe()
	return Target{Doc: id, DocName: name, Folder: d.Folder, Path: d.Path(), Big: d.Big}
}

// Options of the requests.
type Options struct {
	// OpenCMIS sends getObject, getObjectByPath and getChildren with the
	// defaults of an OpenCMIS operation context (allowable actions, no
	// relationships, no renditions, path segments) instead of the bench
	// table's bare requests.
	OpenCMIS bool
	Filter   string // default *
	MaxItems int    // of getChildren; default 100
}

// NewOp is the named operation on t, or an error saying what it lacks.
func NewOp(name string, c *Client, t Target, o Options) (*Op, error) {
	if o.Filter == "" {
		o.Filter = "*"
	}
	if o.MaxItems <= 0 {
		o.MaxItems = 100
	}
	repo := c.repoXML()
	fixed := func(s string) func(int64) string { return func(int64) string { return s } }
	ctxXML := func(policies, pathSegment bool) string {
		if !o.OpenCMIS {
			return ""
		}
		s := `<cmism:includeAllowableActions>true</cmism:includeAllowableActions>` +
			`<cmism:includeRelationships>none</cmism:includeRelationships><cmism:renditionFilter>cmis:none</cmism:renditionFilter>`
		if policies {
			s += `<cmism:includePolicyIds>false</cmism:includePolicyIds><cmism:includeACL>false</cmism:includeACL>`
		}
		if pathSegment {
			s += `<cmism:includePathSegment>true</cmism:includePathSegment>`
		}
		return s
	}
	filter := `<cmism:filter>` + Escape(o.Filter) + `</cmism:filter>`
	op := &Op{Name: name, Service: "ObjectService", Action: name, expect: []string{name + "Response"}}
	need := func(v, what string) error {
		if v == "" {
			return fmt.Errorf("%s needs %s (set up the data set)", name, what)
		}
		return nil
	}
	var err error
	switch name {
	case "getRepositoryInfo":
		op.Service = "RepositoryService"
		op.body = fixed(`<cmism:getRepositoryInfo>` + repo + `</cmism:getRepositoryInfo>`)
	case "getObject", "getProperties":
		err = need(t.Doc, "a document")
		extra := ctxXML(true, false)
		if name == "getProperties" {
			extra = ""
		}
		op.body = fixed(`<cmism:` + name + `>` + repo + `<cmism:objectId>` + Escape(t.Doc) + `</cmism:objectId>` +
			filter + extra + `</cmism:` + name + `>`)
		op.expect = append(op.expect, t.DocName)
	case "getChildren":
		err = need(t.Folder, "a folder")
		op.Service = "NavigationService"
		skip := ""
		if o.OpenCMIS {
			skip = `<cmism:skipCount>0</cmism:skipCount>`
		}
		op.body = fixed(`<cmism:getChildren>` + repo + `<cmism:folderId>` + Escape(t.Folder) + `</cmism:folderId>` +
			filter + ctxXML(false, true) + `<cmism:maxItems>` + strconv.Itoa(o.MaxItems) + `</cmism:maxItems>` + skip + `</cmism:getChildren>`)
		if strings.HasPrefix(t.DocName, "cmisbench-doc-") {
			op.expect = append(op.expect, "cmisbench-doc-")
		}
	case "getObjectByPath":
		err = need(t.Path, "a path")
		op.body = fixed(`<cmism:getObjectByPath>` + repo + `<cmism:path>` + Escape(t.Path) + `</cmism:path>` +
			filter + ctxXML(true, false) + `</cmism:getObjectByPath>`)
		op.expect = append(op.expect, t.DocName)
	case "query":
		err = need(t.DocName, "a document in a folder")
		op.Service = "DiscoveryService"
		stmt := "SELECT cmis:objectId, cmis:name FROM cmis:document WHERE IN_FOLDER('" + t.Folder +
			"') AND cmis:name = '" + t.DocName + "'"
		op.body = fixed(`<cmism:query>` + repo + `<cmism:statement>` + Escape(stmt) + `</cmism:statement></cmism:query>`)
		op.expect = append(op.expect, t.DocName)
	case "getContentStream-1KiB", "getContentStream-1MiB":
		id, size := t.Doc, SmallSize
		if name == "getContentStream-1MiB" {
			id, size = t.Big, BigSize
		}
		err = need(id, "its document")
		op.Action = "getContentStream"
		op.body = fixed(`<cmism:getContentStream>` + repo + `<cmism:objectId>` + Escape(id) + `</cmism:objectId></cmism:getContentStream>`)
		op.expect, op.minSize = []string{"getContentStreamResponse"}, size
	case "createFolder":
		err = need(t.Parent, "a parent folder")
		op.body = func(seq int64) string { return c.CreateFolderXML(t.Parent, "f-"+strconv.FormatInt(seq, 10)) }
	case "createDocument":
		// 1 KiB of content, inline base64 (one part: the request is the
		// same for every stack).
		err = need(t.Parent, "a parent folder")
		stream := base64.StdEncoding.EncodeToString(smallContent(0))
		op.body = func(seq int64) string {
			return c.CreateDocumentXML(t.Parent, "d-"+strconv.FormatInt(seq, 10)+".txt", "text/plain", SmallSize, stream)
		}
	default:
		return nil, fmt.Errorf("unknown operation %q (known: %s)", name, strings.Join(append(OpNames, ExtraOpNames...), ", "))
	}
	if err != nil {
		return nil, err
	}
	return op, nil
}

// ForRun is the op ready for one run: createFolder and createDocument get a fresh parent
// under the data set's top folder, so that each run starts from the same
// state and the names stay unique.
func ForRun(ctx context.Context, c *Client, d *DataSet, name string, t Target, o Options) (*Op, error) {
	if (name == "createFolder" || name == "createDocument") && d != nil {
		parent, err := c.CreateFolder(ctx, d.Top, name+"-"+randHex(4))
		if err != nil {
			return nil, err
		}
		t.Parent = parent
	}
	return NewOp(name, c, t, o)
}
