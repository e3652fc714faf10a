package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/filecontent"
	"github.com/cmisd/cmisd/internal/datadir"
	"github.com/cmisd/cmisd/internal/durable"
	"github.com/cmisd/cmisd/storage"
)

// Restore brings the backup in from into dir, which must be empty or not
// exist: the database, checked against the manifest's SHA-256, and every
// content stream it references, checked against its row. On failure dir
// is left empty.
func Restore(ctx context.Context, from, dir string) (m *Manifest, err error) {
	m, err = ReadManifest(from)
	if err != nil {
		return nil, err
	}
	if err := emptyDir(dir); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, clearDir(dir))
		}
	}()
	sum, err := copyFile(filepath.Join(from, storage.DatabaseFile), filepath.Join(dir, storage.DatabaseFile))
	if err != nil {
		return nil, err
	}
	if sum != m.DatabaseSHA256 {
		return nil, fmt.Errorf("the backup's database has SHA-256 %s, its manifest says %s: the backup is damaged", sum, m.DatabaseSHA256)
	}
	src, err := filecontent.Open(filepath.Join(from, datadir.Content))
	if err != nil {
		return nil, err
	}
	db, content, err := datadir.OpenExisting(ctx, dir, "")
	if err != nil {
		return nil, err
	}
	var streams, bytes int64
	err = db.ContentRefs(ctx, func(ci cmis.ContentInfo) error {
		st, err := content.CopyFrom(ctx, src, ci.ID)
		if err != nil {
			return fmt.Errorf("the backup is damaged: %w", err)
		}
		if err := matches(st, ci); err != nil {
			return fmt.Errorf("the backup is damaged: %w", err)
		}
		streams++
		bytes += st.Length
		return nil
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if streams != m.ContentStreams || bytes != m.ContentBytes {
		return nil, fmt.Errorf("restored %d content streams of %d bytes, the manifest says %d of %d bytes",
			streams, bytes, m.ContentStreams, m.ContentBytes)
	}
	return m, durable.Sync(dir)
}

// copyFile copies a file durably and returns its SHA-256.
func copyFile(from, to string) (string, error) {
	in, err := os.Open(from)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(out, h), in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("copy %s: %w", from, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// clearDir removes everything in dir.
func clearDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		errs = append(errs, os.RemoveAll(filepath.Join(dir, e.Name())))
	}
	return errors.Join(errs...)
}
