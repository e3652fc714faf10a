package conformance

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"testing"
	"time"

	"github.com/cmisd/cmisd/internal/pgtest"
)

// BenchmarkPostgresContent1GiB: 1 GiB up and down through MTOM with the
// content in PostgreSQL (--content postgres), the server's peak RSS
// growth measured on each side (the target: under 64 MiB, as for files).
// CMISD_TEST_PG names the database (internal/pgtest/run starts one);
// CMISD_BENCH_MTOM_MIB changes the size.
//
//	go run ./internal/pgtest/run -- go test -tags "$TAGS" -run '^$' -bench PostgresContent1GiB -benchtime 1x ./conformance
func BenchmarkPostgresContent1GiB(b *testing.B) {
	defer logMachine(b)()
	size := int64(benchEnvInt("CMISD_BENCH_MTOM_MIB", 1024)) * benchMiB
	srv := benchStartServer(b, "--db", pgtest.Schema(b), "--content", "postgres")
	c := newBenchClient(b, srv)
	c.warmUp(b)
	b.ResetTimer()
	for range b.N {
		up := startRSS(b, srv.PID)
		src := &hashingReader{r: io.LimitReader(benchRandom(7), size), h: sha256.New()}
		start := time.Now()
		id, err := c.uploadMTOM("pg-1GiB.bin", src, size)
		if err != nil {
			b.Fatalf("upload: %v", err)
		}
		upTime, upRSS := time.Since(start), up.growthMiB(b)
		sum := hex.EncodeToString(src.h.Sum(nil))

		down := startRSS(b, srv.PID)
		h := sha256.New()
		start = time.Now()
		if err := c.downloadMTOM(id, size, h); err != nil {
			b.Fatalf("download: %v", err)
		}
		downTime, downRSS := time.Since(start), down.growthMiB(b)
		if got := hex.EncodeToString(h.Sum(nil)); got != sum {
			b.Fatalf("downloaded sha256 %s, uploaded %s", got, sum)
		}
		b.ReportMetric(mbps(size, upTime), "upload_MB/s")
		b.ReportMetric(upRSS, "upload_peakRSS_MiB")
		b.ReportMetric(mbps(size, downTime), "download_MB/s")
		b.ReportMetric(downRSS, "download_peakRSS_MiB")
		b.Logf("%d MiB into PostgreSQL in %s (%.0f MB/s), out in %s (%.0f MB/s); server RSS baseline %.1f MiB, peak growth up %.1f MiB, down %.1f MiB",
			size/benchMiB, upTime.Round(time.Millisecond), mbps(size, upTime), downTime.Round(time.Millisecond), mbps(size, downTime),
			up.baselineMiB(), upRSS, downRSS)
		benchTarget(b, max(upRSS, downRSS) < benchMaxRSSGrowthMiB, "peak RSS growth with content in PostgreSQL: upload %.1f MiB, download %.1f MiB (< %d MiB)",
			upRSS, downRSS, benchMaxRSSGrowthMiB)
		if err := c.deleteObject(id); err != nil {
			b.Fatal(err)
		}
	}
}
