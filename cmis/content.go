package cmis

import (
	"context"
	"io"
	"time"
)

// ContentInfo describes a stored content stream.
type ContentInfo struct {
	ID       string
	Length   int64
	MimeType string
	FileName string
	SHA256   string // hex
}

// Range clamps a byte range to the stream: an offset past the end reads
// nothing, and a negative length, or one past the end, reads to the end.
func (c ContentInfo) Range(offset, length int64) (int64, int64) {
	offset = min(max(offset, 0), c.Length)
	if rest := c.Length - offset; length < 0 || length > rest {
		length = rest
	}
	return offset, length
}

// ContentStream is content coming in: read once, straight into the store.
type ContentStream struct {
	Reader   io.Reader
	MimeType string
	FileName string
}

// Content is a stored stream, or a byte range of it, opened for reading.
type Content struct {
	Info           ContentInfo // the whole stream
	Offset, Length int64       // the range being read
	io.ReadCloser
}

// StoredContent is what a ContentStore reports of a stream it stored.
type StoredContent struct {
	ID     string
	Length int64
	SHA256 string // hex
}

// ContentStore keeps the bytes of content streams, by id, for the store
// of metadata (ObjectStore), which references them from its rows. It
// never sees a transaction: the ObjectStore puts a stream durably before
// the transaction that references it, and removes the streams a
// transaction stopped referencing after it commits. A crash between the
// two leaves streams no row references, which a sweep finds among the
// candidates and removes.
type ContentStore interface {
	// Put reads r to its end and stores its bytes durably under a new id.
	// An error reading r is returned wrapped.
	Put(ctx context.Context, r io.Reader) (StoredContent, error)
	// Open reads length bytes (negative: to the end) of a stream from
	// offset.
	Open(ctx context.Context, id string, offset, length int64) (io.ReadCloser, error)
	// Remove deletes streams; one that is not there is not an error.
	Remove(ctx context.Context, ids ...string) error
	// Candidates calls fn with the id of every stream, and of every
	// unfinished Put, older than before: those the sweep removes unless a
	// row references them. fn may Remove them meanwhile.
	Candidates(ctx context.Context, before time.Time, fn func(id string) error) error
}

// StoreStats counts what a store holds, for the status page.
type StoreStats struct {
	Objects        int64
	ContentStreams int64
	ContentBytes   int64
}

// StatsReader reports a store's counts; it should be cheap enough to
// call for every view of the status page.
type StatsReader interface {
	Stats(ctx context.Context) (StoreStats, error)
}
