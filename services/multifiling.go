package services

import (
	"context"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
)

// MultiFilingService files a fileable object other than a folder in more
// folders than one, and takes it out of them, down to none: documents,
// items and policies may be unfiled (capabilityUnfiling), and are then
// reachable by id but not by path. Folders keep their single parent.
// Filing is version-independent (capabilityVersionSpecificFiling false):
// allVersions=false is notSupported.
type MultiFilingService struct{ *core }

var _ generated.MultiFilingServicePort = MultiFilingService{}

// fileable checks that an object may be filed and unfiled at will.
func (c *core) fileable(ctx context.Context, o *cmis.Object) error {
	if o.BaseTypeID == cmis.BaseFolder {
		return cmis.Errorf(cmis.ErrConstraint, "folder %s has exactly one parent: it cannot be multi-filed or unfiled", o.ID)
	}
	t, err := c.types.Type(ctx, o.RepositoryID, o.TypeID)
	if err != nil {
		return err
	}
	if !t.Fileable {
		return cmis.Errorf(cmis.ErrConstraint, "type %s is not fileable", t.ID)
	}
	return nil
}

// targetFolder loads a folder named by a filing request and checks the
// caller's access for key.
func (c *core) targetFolder(ctx context.Context, repo, id, key string) (*cmis.Object, error) {
	if id == "" {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "folderId is required")
	}
	f, err := c.readable(ctx, repo, id, key)
	if err != nil {
		return nil, err
	}
	if f.BaseTypeID != cmis.BaseFolder {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "object %s is not a folder", id)
	}
	return f, nil
}

// AddObjectToFolderContext files an object in one more folder; its name
// must be free there.
func (s MultiFilingService) AddObjectToFolderContext(ctx context.Context, req *generated.AddObjectToFolder) (*generated.AddObjectToFolderResponse, error) {
	o, err := s.readable(ctx, req.RepositoryId, req.ObjectId, "canAddToFolder.Object")
	if err != nil {
		return nil, err
	}
	if req.AllVersions != nil && !*req.AllVersions {
		return nil, cmis.Errorf(cmis.ErrNotSupported, "allVersions=false: filing is version-independent in this repository (capabilityVersionSpecificFiling false)")
	}
	if _, err := s.targetFolder(ctx, req.RepositoryId, req.FolderId, "canAddToFolder.Folder"); err != nil {
		return nil, err
	}
	if err := s.fileable(ctx, o); err != nil {
		return nil, err
	}
	if err := s.objects.AddToFolder(ctx, req.RepositoryId, o.ID, req.FolderId); err != nil {
		return nil, err
	}
	return &generated.AddObjectToFolderResponse{}, nil
}

// RemoveObjectFromFolderContext unfiles an object from one folder, or
// without folderId from every folder it is filed in; it may end up
// unfiled. The caller needs the folder key on every folder it leaves.
func (s MultiFilingService) RemoveObjectFromFolderContext(ctx context.Context, req *generated.RemoveObjectFromFolder) (*generated.RemoveObjectFromFolderResponse, error) {
	o, err := s.readable(ctx, req.RepositoryId, req.ObjectId, "canRemoveFromFolder.Object")
	if err != nil {
		return nil, err
	}
	var folders []*cmis.Object
	if req.FolderId != nil && *req.FolderId != "" {
		f, err := s.targetFolder(ctx, req.RepositoryId, *req.FolderId, "canRemoveFromFolder.Folder")
		if err != nil {
			return nil, err
		}
		folders = []*cmis.Object{f}
	} else {
		parents, err := s.objects.Parents(ctx, req.RepositoryId, o.ID, nil)
		if err != nil {
			return nil, err
		}
		for _, p := range parents {
			folders = append(folders, p.Folder)
		}
		if err := s.require(ctx, "canRemoveFromFolder.Folder", folders...); err != nil {
			return nil, err
		}
	}
	if err := s.fileable(ctx, o); err != nil {
		return nil, err
	}
	if len(folders) == 0 {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "object %s is not filed in any folder", o.ID)
	}
	ids := make([]string, len(folders))
	for i, f := range folders {
		ids[i] = f.ID
	}
	// Only the folders checked above are left, even if the object was
	// filed somewhere else meanwhile.
	if err := s.objects.RemoveFromFolders(ctx, req.RepositoryId, o.ID, ids); err != nil {
		return nil, err
	}
	return &generated.RemoveObjectFromFolderResponse{}, nil
}

// filingActions adds the filing actions to an object's allowable actions:
// a fileable object other than a folder may be added to a folder, and one
// that is filed somewhere may be removed from it and moved. As for
// canMoveObject, the folder's side of the check depends on the folder
// the request names.
func filingActions(a *generated.CmisAllowableActionsType, o *cmis.Object, ot objectType, level cmis.Level, filed bool) {
	if o.BaseTypeID == cmis.BaseFolder || !ot.primary.Fileable {
		return
	}
	if level >= levelFor("canAddToFolder.Object") {
		a.CanAddObjectToFolder = ptr(true)
	}
	if filed && level >= levelFor("canRemoveFromFolder.Object") {
		a.CanRemoveObjectFromFolder = ptr(true)
	}
	if !filed {
		// moveObject needs a source folder the object is filed in.
		a.CanMoveObject = nil
	}
}

func objectIDs(objs []*cmis.Object) []string {
	ids := make([]string, len(objs))
	for i, o := range objs {
		ids[i] = o.ID
	}
	return ids
}
