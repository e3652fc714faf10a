package services

import (
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
	"github.com/cmisd/cmisd/internal/testenv"
)

// CONTAINS finds the objects of a fulltext-indexed type and of its
// subtypes, whatever their base, although objects no CONTAINS can reach
// (a plain cmis:folder) are stored without text; a type that becomes
// fulltext-indexed finds the objects it had before.
func TestFullTextByType(t *testing.T) {
	f := newFixture(t)
	testenv.Require(t, testenv.FullText, f.fullText, "CONTAINS answers notSupported in this build")
	folderType := func(id, parent string, indexed bool) *generated.CmisTypeDefinitionType {
		return &generated.CmisTypeDefinitionType{Id: id, LocalName: id, QueryName: ptr(id), BaseId: "cmis:folder", ParentId: ptr(parent),
			Creatable: true, Fileable: true, Queryable: true, IncludedInSupertypeQuery: true, ControllableACL: true,
			FulltextIndexed: indexed}
	}
	for _, ty := range []*generated.CmisTypeDefinitionType{
		folderType("t:indexed", "cmis:folder", true), folderType("t:sub", "t:indexed", false), folderType("t:off", "cmis:folder", false),
	} {
		if _, err := f.ports.Repository.CreateTypeContext(f.ctx, &generated.CreateType{RepositoryId: repo, Type_: ty}); err != nil {
			t.Fatal(err)
		}
	}
	for name, typeID := range map[string]string{"zebra plain": "cmis:folder", "zebra indexed": "t:indexed", "zebra sub": "t:sub", "zebra off": "t:off"} {
		if _, err := f.ports.Object.CreateFolderContext(f.ctx, &generated.CreateFolder{RepositoryId: repo, FolderId: f.root,
			Properties: props(typeID, name)}); err != nil {
			t.Fatal(err)
		}
	}
	found := func(from string) string {
		t.Helper()
		names, err := runQuery(f, f.ctx, "SELECT cmis:name FROM "+from+" WHERE CONTAINS('zebra') ORDER BY cmis:name", false)
		if err != nil {
			t.Fatalf("%s: %v", from, err)
		}
		return strings.Join(names, ",")
	}
	if got := found("t:indexed"); got != "zebra indexed,zebra sub" {
		t.Errorf("t:indexed finds %q", got)
	}
	_, err := runQuery(f, f.ctx, "SELECT cmis:name FROM t:off WHERE CONTAINS('zebra')", false)
	wantErr(t, "CONTAINS on a type not fulltext-indexed", err, cmis.ErrInvalidArgument)
	if _, err := f.ports.Repository.UpdateTypeContext(f.ctx, &generated.UpdateType{RepositoryId: repo,
		Type_: folderType("t:off", "cmis:folder", true)}); err != nil {
		t.Fatal(err)
	}
	if got := found("t:off"); got != "zebra off" {
		t.Errorf("t:off, once fulltext-indexed, finds %q", got)
	}
}
