package services

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/generated"
)

// BenchmarkCreate runs issue #10's writes as a request does: the
// server's read snapshot for a write (ReadBeforeWrite; authentication
// reads the cache generation and the account there), then the operation
// in its write transaction,
// committed durably. createDocument carries 1 KiB of content. Statements
// are the store's per operation (BEGIN and COMMIT not counted).
//
//	go test ./services -run '^$' -bench Create -benchmem
func BenchmarkCreate(b *testing.B) {
	f := newFixtureTB(b)
	parent := f.folderTB(b, f.root, "made")
	body := strings.Repeat("x", 1024)
	ops := []struct {
		name string
		run  func(ctx context.Context, n int) error
	}{
		{"createFolder", func(ctx context.Context, n int) error {
			_, err := f.ports.Object.CreateFolderContext(ctx, &generated.CreateFolder{RepositoryId: repo, FolderId: parent,
				Properties: props("cmis:folder", "f-"+strconv.Itoa(n))})
			return err
		}},
		{"createDocument", func(ctx context.Context, n int) error {
			_, err := f.ports.Object.CreateDocumentContext(ctx, &generated.CreateDocument{RepositoryId: repo, FolderId: &parent,
				Properties: props("cmis:document", "d-"+strconv.Itoa(n)+".txt"), ContentStream: content(body)})
			return err
		}},
	}
	n := 0 // names stay unique over every run
	for _, op := range ops {
		b.Run(op.name, func(b *testing.B) {
			cpu, stmts := cputime(), f.store.Statements()
			for b.Loop() {
				n++
				err := f.store.ReadBeforeWrite(f.ctx, func(ctx context.Context) error {
					if _, err := f.store.Repository(ctx, repo); err != nil { // as authentication does
						return err
					}
					return op.run(ctx, n)
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cputime()-cpu)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(f.store.Statements()-stmts)/float64(b.N), "stmts/op")
		})
	}
}
