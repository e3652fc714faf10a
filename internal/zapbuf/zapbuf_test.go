package zapbuf

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// lockedBuffer is what the flushing goroutine and the test share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Fields(l.b.String())
}

func TestLinesWaitUntilAnUrgentOneOrStop(t *testing.T) {
	enc := zapcore.NewConsoleEncoder(zapcore.EncoderConfig{MessageKey: "msg"})
	cases := []struct {
		name string
		log  func(l *zap.Logger)
		// before stop, and after it
		now, after []string
	}{
		{"info waits", func(l *zap.Logger) { l.Info("a"); l.Info("b") }, nil, []string{"a", "b"}},
		{"a warning flushes what came before, in order", func(l *zap.Logger) { l.Info("a"); l.Warn("w"); l.Info("b") },
			[]string{"a", "w"}, []string{"a", "w", "b"}},
		{"an error too, from a child logger", func(l *zap.Logger) { l.With(zap.Skip()).Info("a"); l.With(zap.Skip()).Error("e") },
			[]string{"a", "e"}, []string{"a", "e"}},
		{"below the level nothing", func(l *zap.Logger) { l.Debug("d") }, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := &lockedBuffer{}
			core, stop := newCore(enc, out, zapcore.InfoLevel, zapcore.WarnLevel, time.Hour)
			c.log(zap.New(core))
			if got := out.lines(); strings.Join(got, " ") != strings.Join(c.now, " ") {
				t.Errorf("before stop: %q, want %q", got, c.now)
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			if got := out.lines(); strings.Join(got, " ") != strings.Join(c.after, " ") {
				t.Errorf("after stop: %q, want %q", got, c.after)
			}
		})
	}
}

// Lines that wait go out within the interval without anything else
// happening.
func TestLinesGoOutWithinTheInterval(t *testing.T) {
	out := &lockedBuffer{}
	core, stop := newCore(zapcore.NewConsoleEncoder(zapcore.EncoderConfig{MessageKey: "msg"}), out, zapcore.InfoLevel, zapcore.WarnLevel, 10*time.Millisecond)
	defer stop()
	zap.New(core).Info("a")
	deadline := time.Now().Add(10 * time.Second)
	for len(out.lines()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("an Info line did not go out within 10 s of a 10 ms interval")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
