package conformance

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/cmisd/cmisd/internal/loadgen"
)

// (a) 1 GiB through MTOM against dd and http.ServeFile; see bench_test.go.
func BenchmarkMTOM1GiB(b *testing.B) {
	defer logMachine(b)()
	size := int64(benchEnvInt("CMISD_BENCH_MTOM_MIB", 1024)) * benchMiB
	rounds := benchEnvInt("CMISD_BENCH_ROUNDS", 5)
	srv := benchStartServer(b)
	// Source file, dd copy, stored content and one more upload in flight.
	benchFreeSpace(b, srv.Data, 4*size+512*benchMiB)
	src := filepath.Join(b.TempDir(), "source.bin")
	genStart := time.Now()
	sum, err := writeRandomFile(src, size, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d MiB of random content in %s (sha256 %s…)", size/benchMiB, time.Since(genStart).Round(time.Millisecond), sum[:16])
	c := newBenchClient(b, srv)
	c.warmUp(b)
	b.ResetTimer()

	for i := 0; i < b.N; i++ {
		m := &mtomRun{size: size}
		id := m.uploadRounds(b, c, srv, src, rounds, i)
		m.downloadRounds(b, c, srv, id, sum, rounds)
		m.report(b)
	}
}

// mtomRun is what one iteration of BenchmarkMTOM1GiB measured: per round,
// the times and CPU times of each side.
type mtomRun struct {
	size                            int64
	ups, dds, upCPU, ddCPU, selfCPU []time.Duration
	downs, plains, downCPU          []time.Duration
	verify                          time.Duration // the download through SHA-256
	upRSS, downRSS, baseRSS         float64
}

// uploadRounds times dd of the source into the data dir, then its upload,
// rounds times back to back; it keeps the first document and returns its id.
func (m *mtomRun) uploadRounds(b *testing.B, c *benchClient, srv *loadgen.Server, src string, rounds, i int) (id string) {
	for r := range rounds {
		d, cpu := timeDD(b, src, filepath.Join(srv.Data, "dd-reference.bin"))
		m.dds, m.ddCPU = append(m.dds, d), append(m.ddCPU, cpu)
		f, err := os.Open(src)
		if err != nil {
			b.Fatal(err)
		}
		probe := startRSS(b, srv.PID)
		cpu0, self0 := mustCPU(b, srv.PID), loadgen.SelfCPU()
		start := time.Now()
		got, err := c.uploadMTOM(fmt.Sprintf("big-%d-%d.bin", i, r), f, m.size)
		m.ups = append(m.ups, time.Since(start))
		m.upCPU = append(m.upCPU, mustCPU(b, srv.PID)-cpu0)
		m.selfCPU = append(m.selfCPU, loadgen.SelfCPU()-self0)
		f.Close()
		if err != nil {
			b.Fatalf("upload: %v", err)
		}
		m.upRSS = max(m.upRSS, probe.growthMiB(b))
		m.baseRSS = probe.baselineMiB()
		if id == "" {
			id = got
		} else if err := c.deleteObject(got); err != nil {
			b.Fatal(err)
		}
	}
	return id
}

// downloadRounds times http.ServeFile of the stored file, then
// getContentStream, both from the page cache and copied to io.Discard by
// the same client code, rounds times; then once more through SHA-256 to
// check the bytes.
func (m *mtomRun) downloadRounds(b *testing.B, c *benchClient, srv *loadgen.Server, id, sum string, rounds int) {
	stored, err := storedFile(srv.Data, m.size)
	if err != nil {
		b.Fatal(err)
	}
	url := serveFile(b, stored)
	probe := startRSS(b, srv.PID)
	for range rounds {
		start := time.Now()
		if err := c.getFile(url, m.size, io.Discard); err != nil {
			b.Fatal(err)
		}
		m.plains = append(m.plains, time.Since(start))
		cpu0 := mustCPU(b, srv.PID)
		start = time.Now()
		if err := c.downloadMTOM(id, m.size, io.Discard); err != nil {
			b.Fatalf("download: %v", err)
		}
		m.downs = append(m.downs, time.Since(start))
		m.downCPU = append(m.downCPU, mustCPU(b, srv.PID)-cpu0)
	}
	h := sha256.New()
	start := time.Now()
	if err := c.downloadMTOM(id, m.size, h); err != nil {
		b.Fatalf("download: %v", err)
	}
	m.verify = time.Since(start)
	m.downRSS = probe.growthMiB(b)
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		b.Fatalf("downloaded content has sha256 %s, uploaded %s", got, sum)
	}
}

// report compares the best rounds of each side (noise only adds time) and
// logs the medians too.
func (m *mtomRun) report(b *testing.B) {
	size := m.size
	upload, dd := slices.Min(m.ups), slices.Min(m.dds)
	download, plain := slices.Min(m.downs), slices.Min(m.plains)
	upRatio := upload.Seconds() / dd.Seconds()
	downRatio := download.Seconds() / plain.Seconds()
	b.ReportMetric(mbps(size, upload), "upload_MB/s")
	b.ReportMetric(mbps(size, dd), "dd_MB/s")
	b.ReportMetric(upRatio, "upload/dd")
	b.ReportMetric(m.upRSS, "upload_peakRSS_MiB")
	b.ReportMetric(mbps(size, download), "download_MB/s")
	b.ReportMetric(mbps(size, plain), "servefile_MB/s")
	b.ReportMetric(downRatio, "download/servefile")
	b.ReportMetric(m.downRSS, "download_peakRSS_MiB")
	b.ReportMetric(median(m.upCPU).Seconds(), "upload_server_cpu_s")
	b.ReportMetric(median(m.ddCPU).Seconds(), "dd_cpu_s")
	b.ReportMetric(median(m.downCPU).Seconds(), "download_server_cpu_s")
	b.Logf("upload best %s (%.0f MiB/s), dd best %s (%.0f MiB/s): ratio %.2f; medians %s and %s: ratio %.2f   [upload %s | dd %s]",
		upload.Round(time.Millisecond), mbps(size, upload), dd.Round(time.Millisecond), mbps(size, dd), upRatio,
		median(m.ups).Round(time.Millisecond), median(m.dds).Round(time.Millisecond), median(m.ups).Seconds()/median(m.dds).Seconds(),
		roundsString(m.ups), roundsString(m.dds))
	b.Logf("download best %s (%.0f MiB/s), http.ServeFile best %s (%.0f MiB/s): ratio %.2f; medians %s and %s: ratio %.2f   [download %s | ServeFile %s]; with SHA-256 check %s (%.0f MiB/s)",
		download.Round(time.Millisecond), mbps(size, download), plain.Round(time.Millisecond), mbps(size, plain), downRatio,
		median(m.downs).Round(time.Millisecond), median(m.plains).Round(time.Millisecond), median(m.downs).Seconds()/median(m.plains).Seconds(),
		roundsString(m.downs), roundsString(m.plains), m.verify.Round(time.Millisecond), mbps(size, m.verify))
	b.Logf("CPU time: server during upload %s, client %s, dd %s; server during download %s",
		roundsString(m.upCPU), roundsString(m.selfCPU), roundsString(m.ddCPU), roundsString(m.downCPU))
	b.Logf("server RSS baseline %.1f MiB; peak growth: upload %.1f MiB, download %.1f MiB; client (this process) peak RSS %.1f MiB",
		m.baseRSS, m.upRSS, m.downRSS, selfHWMMiB())
	benchTarget(b, max(m.upRSS, m.downRSS) < benchMaxRSSGrowthMiB, "(a) peak RSS growth: upload %.1f MiB, download %.1f MiB (< %d MiB)",
		m.upRSS, m.downRSS, benchMaxRSSGrowthMiB)
	benchTarget(b, upRatio <= benchMaxRatio, "(a) upload %.2f× dd (≤ %.1f×)", upRatio, benchMaxRatio)
	benchTarget(b, downRatio <= benchMaxRatio, "(a) download %.2f× http.ServeFile (≤ %.1f×)", downRatio, benchMaxRatio)
}

// (b) 100 MiB inline base64

type hashingReader struct {
	r io.Reader
	h hash.Hash
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	return n, err
}

func BenchmarkInline100MiB(b *testing.B) {
	defer logMachine(b)()
	size := int64(benchEnvInt("CMISD_BENCH_INLINE_MIB", 100)) * benchMiB
	srv := benchStartServer(b)
	benchFreeSpace(b, srv.Data, 3*size+512*benchMiB)
	c := newBenchClient(b, srv)
	c.warmUp(b)
	b.ResetTimer()

	for i := 0; i < b.N; i++ {
		gen := &hashingReader{r: benchRandom(uint64(100 + i)), h: sha256.New()}
		probe := startRSS(b, srv.PID)
		start := time.Now()
		id, err := c.uploadInline(fmt.Sprintf("inline-%d.bin", i), gen, size)
		upload := time.Since(start)
		if err != nil {
			b.Fatalf("upload: %v", err)
		}
		upRSS := probe.growthMiB(b)
		sum := hex.EncodeToString(gen.h.Sum(nil))

		h := sha256.New()
		if err := c.downloadMTOM(id, size, h); err != nil {
			b.Fatalf("download: %v", err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != sum {
			b.Fatalf("downloaded content has sha256 %s, uploaded %s", got, sum)
		}

		// The same content answered as text/xml: base64 written on the fly.
		probe = startRSS(b, srv.PID)
		h.Reset()
		start = time.Now()
		n, err := c.downloadText(id, h)
		textDown := time.Since(start)
		if err != nil {
			b.Fatalf("text download: %v", err)
		}
		textRSS := probe.growthMiB(b)
		if got := hex.EncodeToString(h.Sum(nil)); got != sum || n != size {
			b.Fatalf("text download: %d bytes with sha256 %s, want %d bytes with %s", n, got, size, sum)
		}

		b.ReportMetric(mbps(size, upload), "upload_MB/s")
		b.ReportMetric(upRSS, "upload_peakRSS_MiB")
		b.ReportMetric(mbps(size, textDown), "textdownload_MB/s")
		b.ReportMetric(textRSS, "textdownload_peakRSS_MiB")
		b.Logf("inline upload of %d MiB (%d MiB of base64) in %s (%.0f MiB/s of content); text download %s (%.0f MiB/s)",
			size/benchMiB, int64(base64.StdEncoding.EncodedLen(int(size)))/benchMiB, upload.Round(time.Millisecond), mbps(size, upload),
			textDown.Round(time.Millisecond), mbps(size, textDown))
		b.Logf("server RSS baseline %.1f MiB; peak growth: upload %.1f MiB, text download %.1f MiB; client peak RSS %.1f MiB",
			probe.baselineMiB(), upRSS, textRSS, selfHWMMiB())
		benchTarget(b, upRSS < benchMaxRSSGrowthMiB, "(b) inline base64 upload peak RSS growth %.1f MiB < %d MiB", upRSS, benchMaxRSSGrowthMiB)
	}
}
