// Package backup takes a consistent copy of a data directory while a
// server keeps serving it, and brings one back.
//
// A backup is itself a data directory (the database, the content files
// it references under content/) plus a manifest, backup.json, written
// last: a directory without one is no backup. The database is a snapshot
// of one moment (storage.Snapshot: VACUUM INTO); the content files are
// exactly those that snapshot references, copied and checked against its
// lengths and SHA-256. Content files never change once written, but a
// stream the snapshot references may be removed by a write that committed
// after it: the copy then takes a new snapshot and goes on, keeping what
// it has copied, until one snapshot has every stream it references.
package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/filecontent"
	"github.com/cmisd/cmisd/internal/datadir"
	"github.com/cmisd/cmisd/internal/durable"
	"github.com/cmisd/cmisd/storage"
)

// ManifestFile names the manifest in a backup.
const ManifestFile = "backup.json"

// Manifest describes a complete backup.
type Manifest struct {
	Format         int       `json:"format"`  // 1
	Created        time.Time `json:"created"` // when the snapshot was taken
	Version        string    `json:"version"` // of the cmisd that took it
	DatabaseSHA256 string    `json:"database_sha256"`
	ContentStreams int64     `json:"content_streams"`
	ContentBytes   int64     `json:"content_bytes"`
	Rounds         int       `json:"rounds"` // snapshots taken until one had all its content
}

// Source is the live store's database, as a backup uses it.
type Source interface {
	// Snapshot writes the database as of one moment into a new file.
	Snapshot(ctx context.Context, path string) error
	// Unreferenced returns the ids among ids that no row has now.
	Unreferenced(ctx context.Context, ids []string) ([]string, error)
}

var _ Source = (*storage.DB)(nil)

// maxRounds bounds the snapshots one backup takes.
const maxRounds = 10

// Backup copies the store (db, content) into dest, a directory that must
// be empty or not exist. Log, if set, hears of each round.
func Backup(ctx context.Context, db Source, content *filecontent.Store, dest, version string, log func(string)) (*Manifest, error) {
	if err := emptyDir(dest); err != nil {
		return nil, err
	}
	out, err := filecontent.Open(filepath.Join(dest, datadir.Content))
	if err != nil {
		return nil, err
	}
	copied := map[string]cmis.StoredContent{}
	for round := 1; round <= maxRounds; round++ {
		m, gone, err := backupRound(ctx, db, content, dest, out, copied)
		if err != nil {
			return nil, err
		}
		if gone == 0 {
			m.Version, m.Rounds = version, round
			return m, writeManifest(dest, m)
		}
		if log != nil {
			log(fmt.Sprintf("round %d: %d content streams were replaced or deleted after the snapshot; taking another", round, gone))
		}
	}
	return nil, fmt.Errorf("backup: content kept changing under %d snapshots in a row; try again when fewer writes replace content", maxRounds)
}

// backupRound takes a snapshot into dest and copies the streams it
// references that are not copied yet. It returns how many of them were
// gone from the live store; with none, the backup in dest is complete
// but for its manifest, and only the streams the snapshot references
// are left in out.
func backupRound(ctx context.Context, db Source, content *filecontent.Store, dest string, out *filecontent.Store,
	copied map[string]cmis.StoredContent) (*Manifest, int, error) {
	dbPath := filepath.Join(dest, storage.DatabaseFile)
	if err := removeDatabase(dbPath); err != nil {
		return nil, 0, err
	}
	m := &Manifest{Format: 1, Created: time.Now().UTC()}
	if err := db.Snapshot(ctx, dbPath); err != nil {
		return nil, 0, err
	}
	snap, err := storage.OpenSQLiteWith(ctx, dest, out, storage.Options{NoSweep: true})
	if err != nil {
		return nil, 0, fmt.Errorf("open the snapshot: %w", err)
	}
	referenced := map[string]bool{}
	gone := 0
	err = snap.ContentRefs(ctx, func(ci cmis.ContentInfo) error {
		referenced[ci.ID] = true
		st, ok := copied[ci.ID]
		if !ok {
			var err error
			st, err = out.CopyFrom(ctx, content, ci.ID)
			if errors.Is(err, fs.ErrNotExist) {
				return goneOrMissing(ctx, db, ci.ID, &gone)
			}
			if err != nil {
				return err
			}
			copied[ci.ID] = st
		}
		if err := matches(st, ci); err != nil {
			return fmt.Errorf("the live store is damaged (cmisd check tells more): %w", err)
		}
		m.ContentStreams++
		m.ContentBytes += st.Length
		return nil
	})
	if cerr := snap.Close(); err == nil {
		err = cerr
	}
	if err != nil || gone > 0 {
		return nil, gone, err
	}
	// Streams copied in earlier rounds that this snapshot no longer has.
	for id := range copied {
		if !referenced[id] {
			if err := out.Remove(ctx, id); err != nil {
				return nil, 0, err
			}
			delete(copied, id)
		}
	}
	m.DatabaseSHA256, err = fileSHA256(dbPath)
	return m, 0, err
}

// goneOrMissing tells a stream that a later write removed (the live
// database has no row for it any more: counted in *gone) from one the
// live store lacks (an error).
func goneOrMissing(ctx context.Context, db Source, id string, gone *int) error {
	unref, err := db.Unreferenced(ctx, []string{id})
	if err != nil {
		return err
	}
	if len(unref) == 0 {
		return fmt.Errorf("content %s is referenced but its file is missing from the live store (cmisd check tells more)", id)
	}
	*gone++
	return nil
}

// matches checks a copied stream against its row.
func matches(st cmis.StoredContent, ci cmis.ContentInfo) error {
	if st.Length != ci.Length || st.SHA256 != ci.SHA256 {
		return fmt.Errorf("content %s: %d bytes of SHA-256 %s, the database says %d bytes of SHA-256 %s",
			ci.ID, st.Length, st.SHA256, ci.Length, ci.SHA256)
	}
	return nil
}

// emptyDir makes dir if it does not exist and refuses it if it holds
// anything.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("%s is not empty", dir)
	}
	return nil
}

// removeDatabase removes a database file and its WAL and shared memory.
func removeDatabase(path string) error {
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// writeManifest writes the manifest durably, last: it makes the backup.
func writeManifest(dest string, m *Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := durable.Sync(filepath.Join(dest, storage.DatabaseFile)); err != nil {
		return err
	}
	tmp := filepath.Join(dest, ManifestFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	if err := durable.Sync(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dest, ManifestFile)); err != nil {
		return err
	}
	return durable.Sync(dest)
}

// ReadManifest reads the manifest of the backup in dir.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("%s is not a complete backup: %w", dir, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", ManifestFile, err)
	}
	if m.Format != 1 {
		return nil, fmt.Errorf("%s: format %d is not one this cmisd reads", ManifestFile, m.Format)
	}
	return &m, nil
}
