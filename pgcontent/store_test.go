package pgcontent

import (
	"bytes"
	"context"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/cmisd/cmisd/internal/contenttest"
	"github.com/cmisd/cmisd/internal/pgtest"
)

func open(t testing.TB, url string, lease time.Duration) *Store {
	t.Helper()
	s, err := Open(context.Background(), url, Options{Lease: lease})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestContentStore(t *testing.T) {
	contenttest.Run(t, open(t, pgtest.Schema(t), 0), ChunkSize)
}

func count(t testing.TB, s *Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.pool.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// An upload in flight is invisible, and no sweep in any instance lists
// it while its process renews its lease, however long it takes (here
// three leases' worth); once complete it reads back whole.
func TestUploadInFlight(t *testing.T) {
	url := pgtest.Schema(t)
	const lease = 2 * time.Second
	uploader, sweeper := open(t, url, lease), open(t, url, lease)
	ctx := context.Background()
	data := contenttest.RandomBytes(2*ChunkSize+5, 7)
	up := contenttest.StartUpload(uploader)
	up.Write(data[:ChunkSize+1]) // one chunk in the table, one being read
	deadline := time.Now().Add(3 * lease)
	for time.Now().Before(deadline) {
		if n := count(t, sweeper, `SELECT COUNT(*) FROM content_streams WHERE completed_at IS NULL`); n != 1 {
			t.Fatalf("%d uploads in flight, want 1", n)
		}
		err := sweeper.Candidates(ctx, time.Now().Add(time.Hour), func(id string) error {
			t.Errorf("upload %s in flight is a candidate", id)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(lease / 4)
	}
	up.Write(data[ChunkSize+1:])
	st, err := up.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if got := contenttest.ReadAll(t, sweeper, st.ID, 0, -1); !bytes.Equal(got, data) || st.SHA256 != contenttest.SHA256(data) {
		t.Fatalf("read %d bytes back, want %d", len(got), len(data))
	}
}

// What a process that died mid-upload leaves (a stream row that never
// completed, some chunks) cannot be opened, becomes a candidate when its
// lease runs out, and goes with its chunks.
func TestDeadUploadSwept(t *testing.T) {
	s := open(t, pgtest.Schema(t), 0)
	ctx := context.Background()
	for _, stmt := range []string{
		`INSERT INTO content_streams (id, chunk_size, lease_until) VALUES ('dead', 4, now() - interval '1 second')`,
		`INSERT INTO content_streams (id, chunk_size, lease_until) VALUES ('alive', 4, now() + interval '1 hour')`,
		`INSERT INTO content_chunks (stream_id, seq, data) VALUES ('dead', 0, 'abcd'), ('dead', 1, 'ef'), ('alive', 0, 'ghij')`,
	} {
		if _, err := s.pool.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"dead", "alive"} {
		if _, err := s.Open(ctx, id, 0, -1); err == nil {
			t.Errorf("an unfinished upload %s opened", id)
		}
	}
	var got []string
	err := s.Candidates(ctx, time.Now().Add(-time.Hour), func(id string) error {
		got = append(got, id)
		return s.Remove(ctx, id)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"dead"}) {
		t.Fatalf("candidates %v, want [dead]", got)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM content_chunks WHERE stream_id = 'dead'`); n != 0 {
		t.Fatalf("%d chunks of the removed upload left", n)
	}
}

// A range starts at its own chunk: with the chunks before it gone, the
// last bytes of a stream still read, exactly; a range that needs a
// missing chunk fails rather than reading short or from elsewhere.
func TestRangeReadsItsChunksOnly(t *testing.T) {
	s := open(t, pgtest.Schema(t), 0)
	ctx := context.Background()
	data := contenttest.RandomBytes(4*ChunkSize, 8)
	st, err := s.Put(ctx, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM content_chunks WHERE stream_id = $1 AND seq < 3`, st.ID); err != nil {
		t.Fatal(err)
	}
	off := int64(3*ChunkSize + 10)
	if got := contenttest.ReadAll(t, s, st.ID, off, 20); !bytes.Equal(got, data[off:off+20]) {
		t.Errorf("range %d+20 read %d other bytes", off, len(got))
	}
	r, err := s.Open(ctx, st.ID, ChunkSize-5, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got, err := io.ReadAll(r); err == nil {
		t.Errorf("a range over missing chunks read %d bytes without error", len(got))
	}
}

// Throughput of the chunk pipeline both ways (set against
// filecontent's BenchmarkContentPut):
// go test -run '^$' -bench . -benchtime 3x ./pgcontent
func BenchmarkPutOpen(b *testing.B) {
	s := open(b, pgtest.Schema(b), 0)
	ctx := context.Background()
	data := contenttest.RandomBytes(256<<20, 5)
	b.SetBytes(int64(len(data)))
	b.Run("Put", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for range b.N {
			st, err := s.Put(ctx, bytes.NewReader(data))
			if err != nil {
				b.Fatal(err)
			}
			s.Remove(ctx, st.ID)
		}
	})
	st, err := s.Put(ctx, bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Open", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for range b.N {
			r, err := s.Open(ctx, st.ID, 0, -1)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// A read whose context ends (the client went away) fails; it never looks
// like a stream that ended early.
func TestReadCancelledIsNoEOF(t *testing.T) {
	s := open(t, pgtest.Schema(t), 0)
	st, err := s.Put(context.Background(), bytes.NewReader(contenttest.RandomBytes(4*ChunkSize, 3)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r, err := s.Open(ctx, st.ID, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := io.ReadFull(r, make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	cancel()
	if n, err := io.Copy(io.Discard, r); err == nil {
		t.Fatalf("read %d more bytes and a clean end after the context ended", n)
	}
}

// The readiness probe writes and leaves nothing; with the database gone
// it fails.
func TestCheckWritable(t *testing.T) {
	s := open(t, pgtest.Schema(t), 0)
	if err := s.CheckWritable(); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM content_streams`); n != 0 {
		t.Fatalf("the probe left %d rows", n)
	}
	s.Close()
	if err := s.CheckWritable(); err == nil {
		t.Fatal("a closed store is writable")
	}
}
