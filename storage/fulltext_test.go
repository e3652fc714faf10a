package storage

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/cmis/query"
	"github.com/cmisd/cmisd/internal/testenv"
	"github.com/jmoiron/sqlx"
)

// tokenSamples are texts whose cutting into lexemes is easy to get wrong:
// punctuation, diacritics, scripts without case, digits, marks.
var tokenSamples = []string{
	"Hello, World! foo-bar_baz x86_64 3.14 1,000",
	"Café Über naïve résumé l'été coöperate",
	"ÆØÅ æøå Straße ǖ Ǖ",
	"Ωμέγα ΑΛΦΑ Привет МИР",
	"日本語のテキスト 中文 한국어",
	"e\u0301te\u0301 (combining marks)",
	"\ue000private\ue001 use",
	"tabs\tand\nnew\r\nlines",
	"ＦＵＬＬ　ｗｉｄｔｈ ①②③ ½",
	"emoji😀between 🎉 marks",
	"İstanbul ıi",
	"",
	"!!! ... ---",
}

// The lexemes PostgreSQL's index is given (textTokens) are FTS5's: the
// unicode61 tokenizer with remove_diacritics 2 cuts each sample into the
// same tokens, read back from fts5vocab, so CONTAINS finds the same
// objects on both engines.
func TestTextTokensMatchFTS5(t *testing.T) {
	testenv.Require(t, testenv.FullText, fullTextBuilt, "the test asks FTS5 how it cuts text")
	dir := t.TempDir()
	db, err := sqlx.Open("sqlite3", "file:"+filepath.Join(dir, "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range []string{
		`CREATE VIRTUAL TABLE ft USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')`,
		`CREATE VIRTUAL TABLE ftv USING fts5vocab(ft, 'instance')`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	for i, sample := range tokenSamples {
		if _, err := db.Exec(`INSERT INTO ft (rowid, body) VALUES (?, ?)`, i+1, sample); err != nil {
			t.Fatal(err)
		}
		var want []string
		if err := db.Select(&want, `SELECT term FROM ftv WHERE doc = ? ORDER BY "offset"`, i+1); err != nil {
			t.Fatal(err)
		}
		var got []string
		textTokens(sample, func(tok string) bool { got = append(got, tok); return true })
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%q:\n  textTokens %q\n  FTS5       %q", sample, got, want)
		}
	}
}

func TestTSVector(t *testing.T) {
	cases := []struct {
		text  string
		first int
		want  string
	}{
		{"", 1, ""},
		{"The cat; the HAT", 1, "'the':1,3 'cat':2 'hat':4"},
		{"a b", 2, "'a':2 'b':3"},
	}
	for _, c := range cases {
		if got := tsvector(c.text, c.first); got != c.want {
			t.Errorf("tsvector(%q, %d) = %q, want %q", c.text, c.first, got, c.want)
		}
	}
	// PostgreSQL's limits: positions past 16,383 share the last; at most
	// 256 per lexeme; the whole under 1 MB.
	long := strings.Repeat("w ", 20000)
	if got := tsvector(long, 1); strings.Count(got, ",")+1 != maxTSPositions || !strings.HasSuffix(got, ",256") {
		t.Errorf("a lexeme 20,000 times: %d positions, ends %q", strings.Count(got, ",")+1, got[len(got)-10:])
	}
	var many strings.Builder
	for i := range 300000 {
		many.WriteString(strings.Repeat(string(rune('a'+i%26)), 1+i%7))
		many.WriteString(string(rune('a' + i/26%26)))
		many.WriteString(string(rune('a' + i/676%26)))
		many.WriteString(string(rune('a' + i/17576%26)))
		many.WriteByte(' ')
	}
	if got := tsvector(many.String(), 1); len(got) > 2*maxTSVectorSize || len(got) < maxTSVectorSize/2 {
		t.Errorf("300,000 different words: a literal of %d bytes", len(got))
	}
}

func TestTextQuery(t *testing.T) {
	cases := []struct{ search, want string }{
		{"cat", `('cat')`},
		{"Cat hat", `('cat' & 'hat')`},
		{`"big cat" -dog`, `(('big' <-> 'cat') & !'dog')`},
		{"cat OR dog", `('cat') | ('dog')`},
		{"foo-bar", `(('foo' <-> 'bar'))`},
		{"!!! cat", `'-'`}, // as FTS5: an empty phrase matches nothing
		{"cat -!!!", `('cat')`},
		{"!!! OR cat", `('cat')`},
		{"!!!", `'-'`},
	}
	for _, c := range cases {
		ts, err := query.ParseTextSearch(c.search)
		if err != nil {
			t.Fatalf("%s: %v", c.search, err)
		}
		got, err := postgresDialect{}.textQuery(ts)
		if err != nil || got != c.want {
			t.Errorf("%s: %q (%v), want %q", c.search, got, err, c.want)
		}
	}
	ts, _ := query.ParseTextSearch("-cat")
	if _, err := (postgresDialect{}).textQuery(ts); cmis.ErrorTypeOf(err) != cmis.ErrInvalidArgument {
		t.Errorf("only negated: %v", err)
	}
}

// Documents whose text is as large as the index takes (4 MiB), of words
// that all differ, are stored and found on every engine: past
// PostgreSQL's tsvector limits the index keeps what fits.
func TestFullTextLargeContent(t *testing.T) {
	db, repo := openTest(t)
	testenv.Require(t, testenv.FullText, db.FullText(), "the test searches text")
	ctx := context.Background()
	var b strings.Builder
	for i := 0; b.Len() < maxIndexedText; i++ {
		b.WriteString("w")
		b.WriteString(strings.Repeat(string(rune('a'+i%26)), 1+i%5))
		b.WriteString(string(rune('a'+i/26%26)) + string(rune('a'+i/676%26)) + string(rune('a'+i/17576%26)) + string(rune('a'+i/456976%26)))
		b.WriteByte(' ')
	}
	text := "needle " + b.String()
	d := mustCreate(t, db, document(repo, "big.txt"), repo.RootFolderID, stream(text))
	q, err := query.Prepare(ctx, db, repo.ID, "SELECT cmis:objectId FROM cmis:document WHERE CONTAINS('needle')")
	if err != nil {
		t.Fatal(err)
	}
	rows, _, err := db.RunQuery(ctx, repo.ID, q, query.Options{Page: cmis.Page{MaxItems: 10}})
	if err != nil || len(rows) != 1 || rows[0].Objects[0].ID != d.ID {
		t.Fatalf("the document's first word finds %d rows (%v)", len(rows), err)
	}
}

// An estimate's literal is dollar-quoted under a tag the text does not
// hold, so that no search text ends it early.
func TestDollarQuoted(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"'amber'", "$q$'amber'$q$"},
		{"a$q$b", "$q0$a$q$b$q0$"},
		{"$q$ and $q0$", "$q1$$q$ and $q0$$q1$"},
		{`back\slash''`, `$q$back\slash''$q$`},
	} {
		if got := dollarQuoted(c.in); got != c.want {
			t.Errorf("dollarQuoted(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
