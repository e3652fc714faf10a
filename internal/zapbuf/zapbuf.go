// Package zapbuf is a buffered zap output for request logs: under load a
// server writes a line per request, and a write system call per line
// costs more than the line. Lines below a level (Info and Debug) wait in
// a buffer for at most an interval or until it fills; a line at that
// level or above (warnings, errors) is written at once, after the lines
// before it, so it is never lost or out of order. A crash that kills the
// process loses at most the interval's Info lines; Stop (or the logger's
// Sync) writes out what waits.
package zapbuf

import (
	"errors"
	"io"
	"time"

	"go.uber.org/zap/zapcore"
)

// Defaults of New.
const (
	DefaultSize     = 64 << 10
	DefaultInterval = 100 * time.Millisecond
)

// New returns a core that encodes with enc at the levels enabled into w,
// buffered as the package says: entries at urgent or above flush the
// buffer. stop writes out what waits and ends the flushing goroutine.
// Flushing writes to w and never asks for more (no fsync: standard error
// is a pipe or a terminal, where it fails).
func New(enc zapcore.Encoder, w io.Writer, enabled zapcore.LevelEnabler, urgent zapcore.Level) (core zapcore.Core, stop func() error) {
	return newCore(enc, w, enabled, urgent, DefaultInterval)
}

func newCore(enc zapcore.Encoder, w io.Writer, enabled zapcore.LevelEnabler, urgent zapcore.Level, every time.Duration) (zapcore.Core, func() error) {
	buf := &zapcore.BufferedWriteSyncer{WS: zapcore.AddSync(struct{ io.Writer }{w}), Size: DefaultSize, FlushInterval: every}
	return flushing{Core: zapcore.NewCore(enc, buf, enabled), out: buf, urgent: urgent}, buf.Stop
}

// flushing writes through a buffered core and flushes it after an
// urgent entry.
type flushing struct {
	zapcore.Core
	out    zapcore.WriteSyncer
	urgent zapcore.Level
}

func (c flushing) With(fields []zapcore.Field) zapcore.Core {
	return flushing{Core: c.Core.With(fields), out: c.out, urgent: c.urgent}
}

func (c flushing) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(ent.Level) {
		return ce.AddCore(ent, c)
	}
	return ce
}

func (c flushing) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	err := c.Core.Write(ent, fields)
	if ent.Level >= c.urgent {
		err = errors.Join(err, c.out.Sync())
	}
	return err
}
