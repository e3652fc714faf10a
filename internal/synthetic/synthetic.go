// Package synthetic fills a cmisd store with a large, regular tree of
// documents for benchmarks and load tests (cmisd-gen, and the Query1M
// benchmarks of storage). It writes through the store's bulk load, which
// gives each object exactly the rows CreateObject would, many objects per
// transaction, so that a million documents load in a few minutes instead
// of hours.
//
// The shape, for Folders = F leaf folders and DocsPerFolder = D:
//
//	/bench                         one folder under the root
//	/bench/t00 … /bench/tNN        ceil(F / 1,000) top folders
//	/bench/tNN/f00000 … f09999     the F leaf folders, 1,000 per top folder
//	                               (the last top folder may hold fewer), so
//	                               IN_TREE on a top folder covers a subtree of
//	                               1,001 folders and 1,000·D documents
//	…/fNNNNN/dNNNNN-NNNN           D bench:doc documents in each leaf folder
//
// Leaf folders are numbered across the whole tree (f00000 is the first of
// t00, f01000 the first of t01) and so are documents (dLLLLL-NNNN is document
// NNNN of leaf folder LLLLL). With the defaults of cmisd-gen (F = 10,000,
// D = 100) that is 1,000,000 documents in 10,011 folders.
//
// Documents are of type bench:doc, a subtype of cmis:document created if
// missing, with two custom properties:
//
//	bench:code  string   "C-LLLLLL-RRRR": the leaf folder's number and a
//	                     random 4-digit suffix, so values are nearly unique
//	                     (about one repeat per 200 documents)
//	bench:n     integer  uniform in [0, 1000): about 1,000 documents per value
//
// Their cmis:description is six words drawn from a fixed vocabulary of 62
// (Vocabulary, each word in about 9% of the documents), and one document
// in every 10,000 (number i with i % 10,000 == 0) also carries the rare
// word RareWord: 100 documents of a million. The full-text row holds name,
// description and bench:code as CreateObject indexes them. Documents are
// major versions 1.0, as createDocument makes them, without a content
// stream.
//
// With BigFolder = B, Generate also makes /bench-big, one folder of B
// bench:doc documents b0000000 … (no custom properties, no description)
// for the listings of issue #16 (getChildren of a 100,000-child
// folder); the folder gets the ACE (bench-g0, cmis:read) as the even top
// folders do. It can be added to a store that already holds the tree
// (Folders = 0).
//
// Permissions, as a client would set them: everything is created by the
// creator ("admin" by default), who gets cmis:all on each object as
// createDocument and createFolder give it. Each top folder tNN is created with
// the ACE (bench-gK, cmis:read) added, K = NN % 2, and (anyone, cmis:read)
// removed, and everything below it inherits that: a reader in group
// bench-g0 and not in bench-g1 sees the even top folders' subtrees, half of
// the documents.
package synthetic

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/storage"
)

const (
	TypeID       = "bench:doc"
	CodeProperty = "bench:code"
	NProperty    = "bench:n"
	Root         = "bench"
	Fanout       = 1000
	RareWord     = "quokka"
	RareEvery    = 10000
	GroupPrefix  = "bench-g"
	BigFolder    = "bench-big"
)

// Vocabulary is the common words of the documents' descriptions.
var Vocabulary = strings.Fields(`amber basin cedar delta ember falcon garnet harbor
	indigo juniper kestrel lagoon meadow nectar orchid pebble quartz raven saffron timber
	umber violet willow xenon yarrow zenith anchor beacon canyon dune estuary fjord glacier
	hollow island jetty knoll ledge mesa nook oasis prairie quay ridge summit tundra upland
	valley wharf atlas bramble copper drift fable grove harvest ivory jasper kernel lantern
	marble nimbus`)

// Options configure Generate.
type Options struct {
	RepositoryID  string
	Folders       int   // leaf folders
	DocsPerFolder int   // documents in each leaf folder
	Seed          int64 // property values and words
	BigFolder     int   // documents in /bench-big; none when 0
	// Creator is the user the objects are created by; cmis.AdminUser
	// when empty.
	Creator string
	// BatchRows is how many rows one transaction writes (about); see
	// storage.BulkOptions.
	BatchRows int
	// Progress, if set, is called after each committed transaction.
	Progress func(Progress)
}

// Progress is how far a generation is.
type Progress struct {
	Folders, Documents           int // written so far (leaf folders, documents)
	TotalFolders, TotalDocuments int
	Elapsed                      time.Duration
}

// docType is bench:doc as createType stores it.
func docType() *cmis.TypeDefinition {
	prop := func(id string, t cmis.PropertyType) cmis.PropertyDefinition {
		return cmis.PropertyDefinition{ID: id, LocalName: id, QueryName: id, DisplayName: id, PropertyType: t,
			Cardinality: cmis.Single, Updatability: cmis.ReadWrite, Queryable: true, Orderable: true}
	}
	return &cmis.TypeDefinition{
		ID: TypeID, LocalName: TypeID, QueryName: TypeID, DisplayName: "Benchmark document",
		Description: "synthetic documents for benchmarks (cmisd-gen)", BaseID: cmis.BaseDocument, ParentID: string(cmis.BaseDocument),
		Creatable: true, Fileable: true, Queryable: true, FulltextIndexed: true, IncludedInSupertypeQuery: true,
		ControllablePolicy: true, ControllableACL: true, Versionable: true, ContentStreamAllowed: cmis.ContentAllowed,
		TypeMutability: cmis.TypeMutability{Create: true, Update: true, Delete: true},
		PropertyDefinitions: []cmis.PropertyDefinition{
			prop(CodeProperty, cmis.PropertyString),
			prop(NProperty, cmis.PropertyInteger),
		},
	}
}

// ensureType creates bench:doc unless the repository has it.
func ensureType(ctx context.Context, db *storage.DB, repo string) error {
	t, err := db.Type(ctx, repo, TypeID)
	if cmis.ErrorTypeOf(err) == cmis.ErrObjectNotFound {
		_, err = db.CreateType(ctx, repo, docType())
		return err
	}
	if err != nil {
		return err
	}
	for _, p := range []string{CodeProperty, NProperty} {
		if t.Property(p) == nil {
			return fmt.Errorf("type %s exists without property %s", TypeID, p)
		}
	}
	return nil
}

// Generate writes the synthetic tree described above into a repository
// of db. A repository holds one: a second generation is refused.
func Generate(ctx context.Context, db *storage.DB, opt Options) error {
	if opt.Folders < 0 || opt.DocsPerFolder < 0 || opt.BigFolder < 0 || opt.Folders+opt.BigFolder == 0 {
		return fmt.Errorf("synthetic: need folders or a big folder, and no negative counts")
	}
	if opt.Folders > 1_000_000 || opt.DocsPerFolder > 10_000 || opt.BigFolder > 10_000_000 {
		return fmt.Errorf("synthetic: at most 1,000,000 folders of 10,000 documents, and a big folder of 10,000,000")
	}
	if opt.Creator == "" {
		opt.Creator = cmis.AdminUser
	}
	repo := opt.RepositoryID
	info, err := db.Repository(ctx, repo)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		want bool
	}{{Root, opt.Folders > 0}, {BigFolder, opt.BigFolder > 0}} {
		if !f.want {
			continue
		}
		_, err = db.ObjectByPath(ctx, repo, "/"+f.name)
		if err == nil {
			return fmt.Errorf("synthetic: /%s exists in repository %s: the store already holds that synthetic data", f.name, repo)
		}
		if cmis.ErrorTypeOf(err) != cmis.ErrObjectNotFound {
			return err
		}
	}
	if err := ensureType(ctx, db, repo); err != nil {
		return fmt.Errorf("synthetic: %w", err)
	}
	g := &generator{opt: opt, rng: rand.New(rand.NewPCG(uint64(opt.Seed), 0x5eed_c0de_cafe_f00d)),
		done: Progress{TotalFolders: opt.Folders, TotalDocuments: opt.Folders*opt.DocsPerFolder + opt.BigFolder}}
	start := time.Now()
	err = db.BulkCreate(ctx, storage.BulkOptions{RepositoryID: repo, BatchRows: opt.BatchRows, OnCommit: func() {
		if opt.Progress != nil {
			g.done.Elapsed = time.Since(start)
			opt.Progress(g.done)
		}
	}}, func(create storage.BulkCreateFunc) error {
		g.create = create
		if opt.Folders > 0 {
			if err := g.tree(info.RootFolderID); err != nil {
				return err
			}
		}
		return g.big(info.RootFolderID)
	})
	if err != nil {
		return fmt.Errorf("synthetic: %w", err)
	}
	return nil
}

// generator walks the tree, creating as it goes.
type generator struct {
	opt    Options
	rng    *rand.Rand
	create storage.BulkCreateFunc
	done   Progress
	doc    int // documents created
}

// folder creates a folder as createFolder does: its creator gets cmis:all.
func (g *generator) folder(parentID, name string, add, remove []cmis.ACE) (*cmis.Object, error) {
	f := &cmis.Object{RepositoryID: g.opt.RepositoryID, TypeID: string(cmis.BaseFolder), BaseTypeID: cmis.BaseFolder,
		Name: name, CreatedBy: g.opt.Creator}
	return f, g.create(f, parentID, append(g.creatorAll(), add...), remove)
}

func (g *generator) creatorAll() []cmis.ACE {
	return []cmis.ACE{{Principal: g.opt.Creator, Permission: cmis.PermAll, Direct: true}}
}

func (g *generator) tree(rootID string) error {
	benchRoot, err := g.folder(rootID, Root, nil, nil)
	if err != nil {
		return err
	}
	for leaf := 0; leaf < g.opt.Folders; {
		top := leaf / Fanout
		t, err := g.folder(benchRoot.ID, fmt.Sprintf("t%02d", top),
			[]cmis.ACE{{Principal: fmt.Sprintf("%s%d", GroupPrefix, top%2), Permission: cmis.PermRead, Direct: true}},
			[]cmis.ACE{{Principal: cmis.PrincipalAnyone, Permission: cmis.PermRead}})
		if err != nil {
			return err
		}
		for ; leaf < g.opt.Folders && leaf/Fanout == top; leaf++ {
			if err := g.leaf(t.ID, leaf); err != nil {
				return err
			}
			g.done.Folders = leaf + 1
		}
	}
	return nil
}

// big creates /bench-big and its documents, if asked for.
func (g *generator) big(rootID string) error {
	if g.opt.BigFolder == 0 {
		return nil
	}
	f, err := g.folder(rootID, BigFolder, []cmis.ACE{{Principal: GroupPrefix + "0", Permission: cmis.PermRead, Direct: true}},
		[]cmis.ACE{{Principal: cmis.PrincipalAnyone, Permission: cmis.PermRead}})
	if err != nil {
		return err
	}
	for i := 0; i < g.opt.BigFolder; i++ {
		d := &cmis.Object{RepositoryID: g.opt.RepositoryID, TypeID: TypeID, BaseTypeID: cmis.BaseDocument,
			Name: fmt.Sprintf("b%07d", i), CreatedBy: g.opt.Creator,
			VersionLabel: "1.0", IsMajorVersion: true, IsLatestVersion: true, IsLatestMajorVersion: true}
		if err := g.create(d, f.ID, g.creatorAll(), nil); err != nil {
			return err
		}
		g.done.Documents++
	}
	return nil
}

// leaf creates a leaf folder and its documents.
func (g *generator) leaf(parentID string, leaf int) error {
	f, err := g.folder(parentID, fmt.Sprintf("f%05d", leaf), nil, nil)
	if err != nil {
		return err
	}
	words := make([]string, 0, 7)
	for i := 0; i < g.opt.DocsPerFolder; i++ {
		words = words[:0]
		for range 6 {
			words = append(words, Vocabulary[g.rng.IntN(len(Vocabulary))])
		}
		if g.doc%RareEvery == 0 {
			words = append(words, RareWord)
		}
		desc := strings.Join(words, " ")
		d := &cmis.Object{RepositoryID: g.opt.RepositoryID, TypeID: TypeID, BaseTypeID: cmis.BaseDocument,
			Name: fmt.Sprintf("d%05d-%04d", leaf, i), Description: &desc, CreatedBy: g.opt.Creator,
			VersionLabel: "1.0", IsMajorVersion: true, IsLatestVersion: true, IsLatestMajorVersion: true,
			Properties: map[string][]cmis.Value{
				CodeProperty: {fmt.Sprintf("C-%06d-%04d", leaf, g.rng.IntN(10000))},
				NProperty:    {int64(g.rng.IntN(1000))},
			}}
		if err := g.create(d, f.ID, g.creatorAll(), nil); err != nil {
			return err
		}
		g.doc++
		g.done.Documents = g.doc
	}
	return nil
}
