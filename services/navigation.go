package services

import (
	"context"
	"strings"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
)

// NavigationService walks the folder hierarchy and lists checked-out
// documents.
type NavigationService struct{ *core }

var _ generated.NavigationServicePort = NavigationService{}

// folder loads a folder after checking the repository and the caller's
// access for key.
func (s NavigationService) folder(ctx context.Context, repo, id, key string) (*cmis.Object, error) {
	if id == "" {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "folderId is required")
	}
	f, err := s.readable(ctx, repo, id, key)
	if err != nil {
		return nil, err
	}
	if f.BaseTypeID != cmis.BaseFolder {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "object %s is not a folder", id)
	}
	return f, nil
}

// parseOrderBy reads "queryName [ASC|DESC], ..." into property ids; a
// property that is not orderable is invalidArgument.
func (c *core) parseOrderBy(ctx context.Context, repo string, orderBy *string) ([]cmis.Order, error) {
	if orderBy == nil || strings.TrimSpace(*orderBy) == "" {
		return nil, nil
	}
	base := map[string]*cmis.PropertyDefinition{}
	for _, t := range cmis.BaseTypes() {
		for i := range t.PropertyDefinitions {
			p := &t.PropertyDefinitions[i]
			base[p.QueryName] = p
		}
	}
	var out []cmis.Order
	for _, part := range strings.Split(*orderBy, ",") {
		fields := strings.Fields(part)
		if len(fields) == 0 || len(fields) > 2 {
			return nil, cmis.Errorf(cmis.ErrInvalidArgument, "orderBy: %q is not 'queryName [ASC|DESC]'", strings.TrimSpace(part))
		}
		desc := false
		if len(fields) == 2 {
			switch strings.ToUpper(fields[1]) {
			case "ASC":
			case "DESC":
				desc = true
			default:
				return nil, cmis.Errorf(cmis.ErrInvalidArgument, "orderBy: %q is not ASC or DESC", fields[1])
			}
		}
		p, ok := base[fields[0]]
		if !ok {
			var err error
			if p, err = c.types.PropertyByQueryName(ctx, repo, fields[0]); err != nil {
				return nil, err
			}
		}
		if !p.Orderable {
			return nil, cmis.Errorf(cmis.ErrInvalidArgument, "orderBy: %s is not orderable", fields[0])
		}
		out = append(out, cmis.Order{PropertyID: p.ID, Descending: desc})
	}
	return out, nil
}

// GetChildrenContext lists one page of a folder's children.
func (s NavigationService) GetChildrenContext(ctx context.Context, req *generated.GetChildren) (*generated.GetChildrenResponse, error) {
	opt, err := readOptions(req.Filter, req.IncludeAllowableActions, req.IncludeRelationships, req.RenditionFilter)
	if err != nil {
		return nil, err
	}
	if _, err := s.folder(ctx, req.RepositoryId, req.FolderId, "canGetChildren.Folder"); err != nil {
		return nil, err
	}
	p, err := page(req.MaxItems, req.SkipCount, defaultChildrenPage)
	if err != nil {
		return nil, err
	}
	order, err := s.parseOrderBy(ctx, req.RepositoryId, req.OrderBy)
	if err != nil {
		return nil, err
	}
	// Only what the caller may read is listed, and counted.
	kids, end, err := s.objects.Children(ctx, req.RepositoryId, cmis.ChildrenQuery{FolderID: req.FolderId, OrderBy: order, Page: p,
		Reader: access(ctx)})
	if err != nil {
		return nil, err
	}
	ws, err := s.renderAll(ctx, s.typeCache(ctx, req.RepositoryId), kids, opt)
	if err != nil {
		return nil, err
	}
	list := &generated.CmisObjectInFolderListType{}
	list.HasMoreItems, list.NumItems = pageEnd(end)
	for i, k := range kids {
		in := &generated.CmisObjectInFolderType{Object: ws[i]}
		if deref(req.IncludePathSegment) {
			in.PathSegment = ptr(k.Name)
		}
		list.Objects = append(list.Objects, in)
	}
	return &generated.GetChildrenResponse{Objects: list}, nil
}

// tree lists what is below a folder as nested containers.
func (s NavigationService) tree(ctx context.Context, repo, folderID string, depth *int64, foldersOnly bool,
	opt renderOptions, pathSegment bool) ([]*generated.CmisObjectInFolderContainerType, error) {
	if _, err := s.folder(ctx, repo, folderID, "canGetDescendents.Folder"); err != nil {
		return nil, err
	}
	d := int64(-1)
	if depth != nil {
		d = *depth
	}
	if d == 0 || d < -1 {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "depth must be -1 or at least 1, not %d", d)
	}
	entries, err := s.objects.Descendants(ctx, repo, folderID, int(d), foldersOnly, access(ctx))
	if err != nil {
		return nil, err
	}
	objs := make([]*cmis.Object, len(entries))
	for i, e := range entries {
		objs[i] = e.Object
	}
	ws, err := s.renderAll(ctx, s.typeCache(ctx, repo), objs, opt)
	if err != nil {
		return nil, err
	}
	// Entries come ordered by their parent's path, so every folder is
	// listed before its children. A folder the caller may not read hides
	// its subtree.
	nodes := map[string]*generated.CmisObjectInFolderContainerType{}
	var top []*generated.CmisObjectInFolderContainerType
	for i, e := range entries {
		in := &generated.CmisObjectInFolderType{Object: ws[i]}
		if pathSegment {
			in.PathSegment = ptr(e.Object.Name)
		}
		n := &generated.CmisObjectInFolderContainerType{ObjectInFolder: in}
		if e.Object.BaseTypeID == cmis.BaseFolder {
			nodes[e.Object.ID] = n
		}
		if e.ParentID == folderID {
			top = append(top, n)
		} else if p, ok := nodes[e.ParentID]; ok {
			p.Children = append(p.Children, n)
		}
	}
	return top, nil
}

// GetDescendantsContext lists folders and other objects below a folder.
func (s NavigationService) GetDescendantsContext(ctx context.Context, req *generated.GetDescendants) (*generated.GetDescendantsResponse, error) {
	opt, err := readOptions(req.Filter, req.IncludeAllowableActions, req.IncludeRelationships, req.RenditionFilter)
	if err != nil {
		return nil, err
	}
	objs, err := s.tree(ctx, req.RepositoryId, req.FolderId, req.Depth, false, opt, deref(req.IncludePathSegment))
	if err != nil {
		return nil, err
	}
	return &generated.GetDescendantsResponse{Objects: objs}, nil
}

// GetFolderTreeContext lists the folders below a folder.
func (s NavigationService) GetFolderTreeContext(ctx context.Context, req *generated.GetFolderTree) (*generated.GetFolderTreeResponse, error) {
	opt, err := readOptions(req.Filter, req.IncludeAllowableActions, req.IncludeRelationships, req.RenditionFilter)
	if err != nil {
		return nil, err
	}
	objs, err := s.tree(ctx, req.RepositoryId, req.FolderId, req.Depth, true, opt, deref(req.IncludePathSegment))
	if err != nil {
		return nil, err
	}
	return &generated.GetFolderTreeResponse{Objects: objs}, nil
}

// GetFolderParentContext returns a folder's parent; the root has none.
func (s NavigationService) GetFolderParentContext(ctx context.Context, req *generated.GetFolderParent) (*generated.GetFolderParentResponse, error) {
	opt, err := readOptions(req.Filter, nil, nil, nil)
	if err != nil {
		return nil, err
	}
	f, err := s.folder(ctx, req.RepositoryId, req.FolderId, "canGetFolderParent.Object")
	if err != nil {
		return nil, err
	}
	if f.ParentID == "" {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "the root folder has no parent")
	}
	// The answer is the parent object: reading it needs what reading any
	// object does.
	p, err := s.readable(ctx, req.RepositoryId, f.ParentID, "canGetProperties.Object")
	if err != nil {
		return nil, err
	}
	w, err := s.render(ctx, s.typeCache(ctx, req.RepositoryId), p, opt)
	if err != nil {
		return nil, err
	}
	return &generated.GetFolderParentResponse{Object: w}, nil
}

// GetObjectParentsContext lists the folders an object is filed in, with
// its name in each; the root folder has none.
func (s NavigationService) GetObjectParentsContext(ctx context.Context, req *generated.GetObjectParents) (*generated.GetObjectParentsResponse, error) {
	opt, err := readOptions(req.Filter, req.IncludeAllowableActions, req.IncludeRelationships, req.RenditionFilter)
	if err != nil {
		return nil, err
	}
	// The key's ".Folder" notwithstanding, the spec's mapping table checks
	// it on the object whose parents are asked for.
	if _, err := s.readable(ctx, req.RepositoryId, req.ObjectId, "canGetParents.Folder"); err != nil {
		return nil, err
	}
	parents, err := s.objects.Parents(ctx, req.RepositoryId, req.ObjectId, access(ctx))
	if err != nil {
		return nil, err
	}
	folders := make([]*cmis.Object, len(parents))
	for i, p := range parents {
		folders[i] = p.Folder
	}
	ws, err := s.renderAll(ctx, s.typeCache(ctx, req.RepositoryId), folders, opt)
	if err != nil {
		return nil, err
	}
	resp := &generated.GetObjectParentsResponse{}
	for i, p := range parents {
		entry := &generated.CmisObjectParentsType{Object: ws[i]}
		if deref(req.IncludeRelativePathSegment) {
			entry.RelativePathSegment = ptr(p.PathSegment)
		}
		resp.Parents = append(resp.Parents, entry)
	}
	return resp, nil
}

// GetCheckedOutDocsContext lists a page of the private working copies
// the caller may read: in the repository, or those whose version series
// is filed in a folder.
func (s NavigationService) GetCheckedOutDocsContext(ctx context.Context, req *generated.GetCheckedOutDocs) (*generated.GetCheckedOutDocsResponse, error) {
	opt, err := readOptions(req.Filter, req.IncludeAllowableActions, req.IncludeRelationships, req.RenditionFilter)
	if err != nil {
		return nil, err
	}
	if _, err := s.repository(ctx, req.RepositoryId); err != nil {
		return nil, err
	}
	q := cmis.ChildrenQuery{Reader: access(ctx)}
	if req.FolderId != nil && *req.FolderId != "" {
		if _, err := s.folder(ctx, req.RepositoryId, *req.FolderId, "canGetChildren.Folder"); err != nil {
			return nil, err
		}
		q.FolderID = *req.FolderId
	}
	if q.Page, err = page(req.MaxItems, req.SkipCount, defaultChildrenPage); err != nil {
		return nil, err
	}
	if q.OrderBy, err = s.parseOrderBy(ctx, req.RepositoryId, req.OrderBy); err != nil {
		return nil, err
	}
	pwcs, end, err := s.objects.CheckedOut(ctx, req.RepositoryId, q)
	if err != nil {
		return nil, err
	}
	ws, err := s.renderAll(ctx, s.typeCache(ctx, req.RepositoryId), pwcs, opt)
	if err != nil {
		return nil, err
	}
	list := &generated.CmisObjectListType{Objects: ws}
	list.HasMoreItems, list.NumItems = pageEnd(end)
	return &generated.GetCheckedOutDocsResponse{Objects: list}, nil
}
