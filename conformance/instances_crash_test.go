package conformance

import (
	"context"
	"math/rand/v2"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// SIGKILL of one of two instances while both take uploads (MTOM and
// inline, 64 KiB – 8 MiB, creates and replacements) leaves the other
// serving without one failed request, and loses nothing acknowledged by
// either: every acknowledged document reads back exactly through the
// survivor. Once the killed instance is back (its start-up sweep with no
// grace, the survivor idle), the content store holds exactly the
// streams the rows reference: nothing the kill left is orphaned for good.
func TestInstancesKillOneDuringUploads(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: kills an instance during uploads; run without -short")
	}
	for _, content := range contentStores {
		t.Run(content, func(t *testing.T) {
			in := startInstances(t, 2, content, "")
			folder := mustCreateFolder(t, in.client(0), in.root, "uploads")
			seed := uint64(time.Now().UnixNano())
			t.Logf("seed %d", seed)
			rng := rand.New(rand.NewPCG(seed, 1))
			models := []*crashModel{newCrashModel(), newCrashModel()}
			killed := make(chan struct{})
			var stopAt atomic.Int64 // the survivor's workers stop then; set after the kill
			stopAt.Store(time.Now().Add(time.Hour).UnixNano())
			var wg sync.WaitGroup
			var inflight atomic.Int64
			for i := range 6 {
				inst := i % 2
				w := &crashWorker{
					id: i, round: 1, m: models[inst], folder: folder, inflight: &inflight, t: t,
					c:   in.client(inst),
					rng: rand.New(rand.NewPCG(seed, uint64(i))),
					src: rand.NewChaCha8(chachaSeed(seed, 1, i)),
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					if inst == 0 {
						ctx, cancel := context.WithCancel(context.Background())
						go func() { <-killed; cancel() }()
						w.run(ctx)
						return
					}
					// The survivor's workers stop between requests, never
					// in the middle of one: every request of theirs counts.
					for j := 0; time.Now().UnixNano() < stopAt.Load(); j++ {
						w.step(context.Background(), j%2 == w.id%2)
					}
				}()
			}
			// Killed once it has acknowledged something (the test is about
			// losing nothing acknowledged), at a random moment after.
			for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
				models[0].mu.Lock()
				n := models[0].acked
				models[0].mu.Unlock()
				if n >= 2 {
					break
				}
			}
			time.Sleep(time.Duration(rng.IntN(700)) * time.Millisecond)
			in.procs[0].kill()
			close(killed)
			t.Logf("killed instance 0 with %d requests in flight", inflight.Load())
			stopAt.Store(time.Now().Add(2 * time.Second).UnixNano())
			wg.Wait()

			a, b := models[0], models[1]
			t.Logf("instance 0: %d acknowledged, %d not; instance 1 (survivor): %d acknowledged, %d not",
				a.acked+a.replaced, a.unacked, b.acked+b.replaced, b.unacked)
			if b.unacked > 0 {
				t.Errorf("the surviving instance failed %d requests", b.unacked)
			}
			if a.acked == 0 || b.acked == 0 {
				t.Error("an instance acknowledged no upload: the test proved little")
			}
			survivor := in.client(1)
			for _, m := range models {
				verifyAcknowledged(t, survivor, m)
			}
			in.start(0, "--content-sweep-grace", "0s")
			verifyNoOrphans(t, in)
			if t.Failed() {
				in.dumpLogs()
			}
		})
	}
}

func newCrashModel() *crashModel {
	return &crashModel{docs: map[string]*crashDoc{}, sent: map[string]map[string]int{}}
}

// verifyAcknowledged reads every document m saw acknowledged through c:
// its content is the acknowledged bytes, or a replacement that was in
// flight when the instance died.
func verifyAcknowledged(t *testing.T, c *cmisClient, m *crashModel) {
	t.Helper()
	ctx := context.Background()
	for id, d := range m.docs {
		got, _, err := c.content(ctx, id)
		if err != nil {
			t.Errorf("acknowledged document %s (%s): %v", id, d.name, err)
			continue
		}
		sha := sha256Hex(got)
		if _, pend := d.pending[sha]; sha != d.sha && !pend {
			t.Errorf("acknowledged document %s (%s): %d bytes (%s), neither the acknowledged %d bytes nor a replacement in flight",
				id, d.name, len(got), sha, d.length)
		}
	}
}

// verifyNoOrphans checks that the content store holds exactly the
// streams the contents rows describe, and those exactly the ones objects
// reference.
func verifyNoOrphans(t *testing.T, in *instances) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, in.db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	ids := func(q string) []string {
		rows, err := conn.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		out, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		sort.Strings(out)
		return out
	}
	rows := ids(`SELECT id FROM contents`)
	refs := ids(`SELECT DISTINCT content_id FROM objects WHERE content_id IS NOT NULL`)
	var streams []string
	if in.shared != "" {
		streams = contentFiles(t, in.shared)
		if left := dirFiles(t, in.content+"/tmp"); len(left) > 0 {
			t.Errorf("content/tmp holds %d unfinished uploads after the sweep: %v", len(left), left)
		}
	} else {
		// Uploads the kill cut off keep their lease for its length
		// (pgcontent.DefaultLease) and go with a later sweep (pgcontent's
		// TestDeadUploadSwept); they are never visible meanwhile.
		streams = ids(`SELECT id FROM content_streams WHERE completed_at IS NOT NULL`)
		t.Logf("%d uploads cut off by the kill wait for their lease to run out", len(ids(`SELECT id FROM content_streams WHERE completed_at IS NULL`)))
	}
	if !sameSet(streams, rows) || !sameSet(rows, refs) {
		t.Errorf("after the sweep: %d streams, %d contents rows, %d referenced\n  streams without a row: %v\n  rows without a stream: %v\n  rows nothing references: %v",
			len(streams), len(rows), len(refs), minus(streams, rows), minus(rows, streams), minus(rows, refs))
	}
}
