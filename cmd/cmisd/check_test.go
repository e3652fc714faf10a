package main

import (
	"database/sql"
	bin "encoding/binary"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

// storeWithDocuments makes a data directory with a few documents, written
// by a server that then stopped cleanly (the database checkpointed), and
// returns it with the paths of its content files.
func storeWithDocuments(t *testing.T) (string, []string) {
	t.Helper()
	data := t.TempDir()
	srv := startServer(t, nil, "--data", data, "--admin-password", adminPassword)
	newWriter(adminClient(t, srv.addr)).writes(t, 0, 6)
	srv.cmd.Process.Signal(syscall.SIGTERM)
	<-srv.exited
	return data, contentFiles(t, data)
}

// contentFiles lists the content files of a data directory.
func contentFiles(t *testing.T, data string) []string {
	t.Helper()
	var files []string
	root := filepath.Join(data, "content")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Dir(filepath.Dir(p)) == root {
			files = append(files, p)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("content files %v: %v", files, err)
	}
	return files
}

// copyDir copies a data directory (files and directories only).
func copyDir(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	if out, err := exec.Command("cp", "-a", from+"/.", to).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	return to
}

// relocate is the path of the file at p of the store from in the store to.
func relocate(t *testing.T, p, from, to string) string {
	rel, err := filepath.Rel(from, p)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(to, rel)
}

// corruptIndexPage spoils the header of the root page of an index of the
// database in data: the page's type byte becomes one SQLite has not.
func corruptIndexPage(t *testing.T, data string) {
	t.Helper()
	path := filepath.Join(data, "cmisd.db")
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	var root int64
	err = db.QueryRow(`SELECT rootpage FROM sqlite_master WHERE type = 'index' AND name = 'objects_content'`).Scan(&root)
	if err == nil {
		_, err = db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	}
	db.Close()
	if err != nil || root < 2 {
		t.Fatalf("root page %d: %v", root, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var hdr [18]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil {
		t.Fatal(err)
	}
	pageSize := int64(bin.BigEndian.Uint16(hdr[16:]))
	if pageSize == 1 {
		pageSize = 65536
	}
	if _, err := f.WriteAt([]byte{0x7f}, (root-1)*pageSize); err != nil {
		t.Fatal(err)
	}
}

// Each kind of damage gives its finding and exit status 1; a sound store
// gives none and 0. --repair removes an orphan and nothing else.
func TestCheckFindsDamage(t *testing.T) {
	base, files := storeWithDocuments(t)
	old := time.Now().Add(-time.Hour)
	for _, tt := range []struct {
		name   string
		damage func(t *testing.T, data string, file string) // file: a content file of data
		code   int
		want   string // a line of the report
	}{
		{"sound", func(*testing.T, string, string) {}, 0, ": 0 findings"},
		{"a flipped byte", func(t *testing.T, _ string, file string) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)/2] ^= 0x01
			if err := os.WriteFile(file, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}, 1, "corrupt " + filepath.Base(files[0]) + ": SHA-256 "},
		{"a truncated file", func(t *testing.T, _ string, file string) {
			if err := os.Truncate(file, 100); err != nil {
				t.Fatal(err)
			}
		}, 1, "corrupt " + filepath.Base(files[0]) + ": 100 bytes, the database says "},
		{"a missing file", func(t *testing.T, _ string, file string) {
			if err := os.Remove(file); err != nil {
				t.Fatal(err)
			}
		}, 1, "missing " + filepath.Base(files[0]) + ": the database references it"},
		{"an orphan", func(t *testing.T, data string, _ string) {
			p := filepath.Join(data, "content", "ab", "ab0123456789abcdef0123456789abcd")
			os.MkdirAll(filepath.Dir(p), 0o700)
			if err := os.WriteFile(p, []byte("left by a crash"), 0o600); err != nil {
				t.Fatal(err)
			}
			os.Chtimes(p, old, old)
		}, 1, "orphan ab0123456789abcdef0123456789abcd: no row references this file"},
		{"a young orphan (an upload in flight)", func(t *testing.T, data string, _ string) {
			p := filepath.Join(data, "content", "cd", "cd0123456789abcdef0123456789abcd")
			os.MkdirAll(filepath.Dir(p), 0o700)
			if err := os.WriteFile(p, []byte("being uploaded"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, 0, ": 0 findings"},
		{"a corrupted database page", func(t *testing.T, data string, _ string) { corruptIndexPage(t, data) },
			1, "database: integrity_check: "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data := copyDir(t, base)
			tt.damage(t, data, relocate(t, files[0], base, data))
			out, code := run(t, nil, "", "check", "--data", data)
			if code != tt.code || !strings.Contains(out, tt.want) {
				t.Fatalf("exit %d, want %d with %q:\n%s", code, tt.code, tt.want, out)
			}
			if tt.code != 0 && !strings.Contains(out, "cmisd: check: ") {
				t.Errorf("no closing error line:\n%s", out)
			}
		})
	}

	t.Run("repair", func(t *testing.T) {
		data := copyDir(t, base)
		orphan := filepath.Join(data, "content", "ab", "ab0123456789abcdef0123456789abcd")
		os.MkdirAll(filepath.Dir(orphan), 0o700)
		os.WriteFile(orphan, []byte("left by a crash"), 0o600)
		os.Chtimes(orphan, old, old)
		// A referenced file that is damaged is reported, never removed.
		damaged := relocate(t, files[0], base, data)
		os.Truncate(damaged, 10)
		out, code := run(t, nil, "", "check", "--data", data, "--repair")
		if code != 1 || !strings.Contains(out, "removed orphan ab0123456789abcdef0123456789abcd") || !strings.Contains(out, "corrupt "+filepath.Base(damaged)) {
			t.Fatalf("repair: exit %d\n%s", code, out)
		}
		if _, err := os.Stat(orphan); err == nil {
			t.Error("the orphan is still there")
		}
		if len(contentFiles(t, data)) != len(files) {
			t.Errorf("repair removed referenced content: %d files of %d left", len(contentFiles(t, data)), len(files))
		}
		os.WriteFile(orphan, []byte("again"), 0o600)
		os.Chtimes(orphan, old, old)
		sound := relocate(t, files[1], base, data)
		os.Remove(damaged)
		os.Link(relocate(t, files[0], base, copyDir(t, base)), damaged) // the sound bytes back
		out, code = run(t, nil, "", "check", "--data", data, "--repair")
		if code != 0 || !strings.Contains(out, "0 findings, 1 orphans removed") {
			t.Fatalf("repair of an orphan alone: exit %d\n%s", code, out)
		}
		if _, err := os.Stat(sound); err != nil {
			t.Fatal(err)
		}
	})
}

// check runs beside a server that keeps writing, and finds nothing wrong.
func TestCheckOnline(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, nil, "--data", data, "--admin-password", adminPassword)
	w := newWriter(adminClient(t, srv.addr))
	w.writes(t, 0, 30)
	stop := w.background(30)
	out, code := run(t, nil, "", "check", "--data", data)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if code != 0 || !strings.Contains(out, ": 0 findings") {
		t.Fatalf("check beside a server: exit %d\n%s", code, out)
	}
}
