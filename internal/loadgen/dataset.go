package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"time"
)

// The data set of the benchmark (/work/shared/bench's, so that numbers
// compare): a folder <top>/data with Docs documents of 1 KiB named
// cmisbench-doc-000.txt … and one document of 1 MiB; the single-object
// operations read document 042.
const (
	Docs      = 100
	ProbeDoc  = 42
	SmallSize = 1 << 10
	BigSize   = 1 << 20
	BigName   = "cmisbench-big-1MiB.bin"
)

// DocName is the name of document i of the data set.
func DocName(i int) string { return fmt.Sprintf("cmisbench-doc-%03d.txt", i) }

// DataSet is what Setup created.
type DataSet struct {
	Top     string   // id of the top folder, a child of the root
	TopName string   // its name
	Folder  string   // id of <top>/data
	Docs    []string // ids of the documents, in name order
	Big     string   // id of the 1 MiB document ("" when not made)
}

// Probe is the document the single-object operations read, and its name.
func (d *DataSet) Probe() (id, name string) {
	i := min(ProbeDoc, len(d.Docs)-1)
	return d.Docs[i], DocName(i)
}

// Path is the path of the probe document.
func (d *DataSet) Path() string {
	_, name := d.Probe()
	return "/" + d.TopName + "/data/" + name
}

// Setup creates the data set under the root folder (Discover first):
// docs documents of 1 KiB and, with big, the 1 MiB one, each sent as an
// MTOM attachment.
func Setup(ctx context.Context, c *Client, docs int, big bool) (*DataSet, error) {
	if docs < 1 || docs > 1000 {
		return nil, fmt.Errorf("data set of %d documents: want 1..1000", docs)
	}
	d := &DataSet{TopName: "cmisbench-" + time.Now().UTC().Format("20060102-150405") + "-" + randHex(3)}
	var err error
	if d.Top, err = c.CreateFolder(ctx, c.Root, d.TopName); err != nil {
		return nil, err
	}
	if d.Folder, err = c.CreateFolder(ctx, d.Top, "data"); err != nil {
		return nil, err
	}
	for i := range docs {
		id, err := c.CreateDocument(ctx, d.Folder, DocName(i), "text/plain", smallContent(i))
		if err != nil {
			return nil, err
		}
		d.Docs = append(d.Docs, id)
	}
	if big {
		if d.Big, err = c.CreateDocument(ctx, d.Folder, BigName, "application/octet-stream", bigContent()); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Delete removes the data set (and the folders createFolder runs made).
func (d *DataSet) Delete(ctx context.Context, c *Client) error {
	return c.DeleteTree(ctx, d.Top)
}

func smallContent(i int) []byte {
	line := []byte(fmt.Sprintf("cmisbench document %03d ", i))
	return bytes.Repeat(line, SmallSize/len(line)+1)[:SmallSize]
}

func bigContent() []byte {
	line := []byte("cmisbench-1MiB-0123456789abcdef")
	return bytes.Repeat(line, BigSize/len(line)+1)[:BigSize]
}
