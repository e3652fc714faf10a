package services

import (
	"context"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
)

// RepositoryService describes the repository and manages its type
// system (CMIS 1.1 type mutability included).
type RepositoryService struct{ *core }

var _ generated.RepositoryServicePort = RepositoryService{}

// GetRepositoriesContext lists the repositories this server offers.
func (s RepositoryService) GetRepositoriesContext(ctx context.Context, req *generated.GetRepositories) (*generated.GetRepositoriesResponse, error) {
	repos, err := s.types.Repositories(ctx)
	if err != nil {
		return nil, err
	}
	resp := &generated.GetRepositoriesResponse{}
	for _, r := range repos {
		resp.Repositories = append(resp.Repositories, &generated.CmisRepositoryEntryType{RepositoryId: r.ID, RepositoryName: r.Name})
	}
	return resp, nil
}

// GetRepositoryInfoContext describes one repository and, truthfully,
// what this server implements of CMIS 1.1.
func (s RepositoryService) GetRepositoryInfoContext(ctx context.Context, req *generated.GetRepositoryInfo) (*generated.GetRepositoryInfoResponse, error) {
	r, err := s.repository(ctx, req.RepositoryId)
	if err != nil {
		return nil, err
	}
	latest, incomplete, err := s.changes.ChangeLogState(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	info := s.repositoryInfo(r, latest, incomplete)
	versionInfo(ctx, info)
	if base := cmis.BaseURLFromContext(ctx); base != "" {
		// The page at / is for people: name, version, endpoints, how to
		// connect.
		info.ThinClientURI = ptr(generated.AnyURI(base + "/"))
	}
	return &generated.GetRepositoryInfoResponse{RepositoryInfo: info}, nil
}

func (s RepositoryService) repositoryInfo(r *cmis.RepositoryInfo, latestChange string, changesIncomplete bool) *generated.CmisRepositoryInfoType {
	version := s.productVersion
	if version == "" {
		version = "dev"
	}
	return &generated.CmisRepositoryInfoType{
		RepositoryId:          r.ID,
		RepositoryName:        r.Name,
		RepositoryDescription: r.Description,
		VendorName:            "cmisd",
		ProductName:           "cmisd",
		ProductVersion:        version,
		RootFolderId:          r.RootFolderID,
		Capabilities:          s.capabilities,
		AclCapability:         aclCapability(),
		CmisVersionSupported:  "1.1",
		LatestChangeLogToken:  ptr(latestChange),
		ChangesIncomplete:     ptr(changesIncomplete),
		ChangesOnType: []generated.EnumBaseObjectTypeIds{"cmis:document", "cmis:folder", "cmis:relationship",
			"cmis:policy", "cmis:item"},
		PrincipalAnonymous: ptr(cmis.PrincipalAnonymous),
		PrincipalAnyone:    ptr(cmis.PrincipalAnyone),
	}
}

// capabilitiesOf is what repository info says this server implements:
// each capability states what is implemented now; they grow as the
// services do. Built once (core.capabilities): a third of the
// allocations of a getRepositoryInfo.
func (s RepositoryService) capabilitiesOf() *generated.CmisRepositoryCapabilitiesType {
	creatable := make([]generated.EnumPropertyType, len(cmis.PropertyTypes))
	for i, t := range cmis.PropertyTypes {
		creatable[i] = generated.EnumPropertyType(t)
	}
	return &generated.CmisRepositoryCapabilitiesType{
		CapabilityACL:                       generated.EnumCapabilityACLManage,
		CapabilityAllVersionsSearchable:     true,
		CapabilityChanges:                   generated.EnumCapabilityChangesAll,
		CapabilityContentStreamUpdatability: generated.EnumCapabilityContentStreamUpdatesAnytime,
		CapabilityGetDescendants:            true,
		CapabilityGetFolderTree:             true,
		CapabilityOrderBy:                   generated.EnumCapabilityOrderByCustom,
		CapabilityMultifiling:               true,
		CapabilityPWCSearchable:             false,
		CapabilityPWCUpdatable:              true,
		CapabilityQuery:                     s.queryCapability(),
		CapabilityRenditions:                generated.EnumCapabilityRenditionNone,
		CapabilityUnfiling:                  true,
		CapabilityVersionSpecificFiling:     false,
		CapabilityJoin:                      generated.EnumCapabilityJoinInnerandouter,
		CapabilityCreatablePropertyTypes:    &generated.CmisCreatablePropertyTypesType{CanCreate: creatable},
		CapabilityNewTypeSettableAttributes: &generated.CmisNewTypeSettableAttributes{
			Id: true, LocalName: true, LocalNamespace: true, DisplayName: true, QueryName: true,
			Description: true, Creatable: true, Fileable: true, Queryable: true, FulltextIndexed: true,
			IncludedInSupertypeQuery: true, ControllablePolicy: true, ControllableACL: true,
		},
	}
}

// GetTypeChildrenContext lists the direct subtypes of a type, or the base
// types when typeId is absent.
func (s RepositoryService) GetTypeChildrenContext(ctx context.Context, req *generated.GetTypeChildren) (*generated.GetTypeChildrenResponse, error) {
	if _, err := s.repository(ctx, req.RepositoryId); err != nil {
		return nil, err
	}
	p, err := page(req.MaxItems, req.SkipCount, defaultTypePage)
	if err != nil {
		return nil, err
	}
	types, total, err := s.typeChildren(ctx, req.RepositoryId, deref(req.TypeId), p)
	if err != nil {
		return nil, err
	}
	withProps := deref(req.IncludePropertyDefinitions)
	list := &generated.CmisTypeDefinitionListType{}
	list.HasMoreItems, list.NumItems = pageEnd(p.EndOf(len(types), total))
	for _, t := range types {
		list.Types = append(list.Types, wireType(t, withProps))
	}
	return &generated.GetTypeChildrenResponse{Types: list}, nil
}

// GetTypeDescendantsContext returns the tree of subtypes below a type (all
// types when typeId is absent), depth levels deep (-1: all).
func (s RepositoryService) GetTypeDescendantsContext(ctx context.Context, req *generated.GetTypeDescendants) (*generated.GetTypeDescendantsResponse, error) {
	if _, err := s.repository(ctx, req.RepositoryId); err != nil {
		return nil, err
	}
	depth := int64(-1)
	if req.Depth != nil {
		depth = *req.Depth
	}
	if depth == 0 || depth < -1 {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "depth must be -1 or at least 1, not %d", depth)
	}
	typeID := deref(req.TypeId)
	if typeID == "" && depth != -1 {
		// Without a typeId the base types are the first level.
		depth--
	}
	withProps := deref(req.IncludePropertyDefinitions)
	resp := &generated.GetTypeDescendantsResponse{}
	if typeID == "" {
		bases, _, err := s.typeChildren(ctx, req.RepositoryId, "", cmis.AllItems)
		if err != nil {
			return nil, err
		}
		for _, b := range bases {
			c := &generated.CmisTypeContainer{Type_: wireType(b, withProps)}
			if depth != 0 {
				if c.Children, err = s.typeTree(ctx, req.RepositoryId, b.ID, depth, withProps); err != nil {
					return nil, err
				}
			}
			resp.Types = append(resp.Types, c)
		}
		return resp, nil
	}
	var err error
	resp.Types, err = s.typeTree(ctx, req.RepositoryId, typeID, depth, withProps)
	return resp, err
}

// typeTree returns the subtypes of typeID as containers, depth levels
// deep. A type hierarchy is small, so one lookup per type is fine here.
func (s RepositoryService) typeTree(ctx context.Context, repo, typeID string, depth int64, withProps bool) ([]*generated.CmisTypeContainer, error) {
	kids, _, err := s.typeChildren(ctx, repo, typeID, cmis.AllItems)
	if err != nil {
		return nil, err
	}
	var out []*generated.CmisTypeContainer
	for _, k := range kids {
		c := &generated.CmisTypeContainer{Type_: wireType(k, withProps)}
		if depth == -1 || depth > 1 {
			next := depth
			if next > 0 {
				next--
			}
			if c.Children, err = s.typeTree(ctx, repo, k.ID, next, withProps); err != nil {
				return nil, err
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// GetTypeDefinitionContext returns one type with all its property
// definitions, inherited ones included.
func (s RepositoryService) GetTypeDefinitionContext(ctx context.Context, req *generated.GetTypeDefinition) (*generated.GetTypeDefinitionResponse, error) {
	if _, err := s.repository(ctx, req.RepositoryId); err != nil {
		return nil, err
	}
	if req.TypeId == "" {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "typeId is required")
	}
	t, err := s.types.Type(ctx, req.RepositoryId, req.TypeId)
	if err != nil {
		return nil, err
	}
	if t, err = versionedType(ctx, t); err != nil {
		return nil, err
	}
	return &generated.GetTypeDefinitionResponse{Type_: wireType(t, true)}, nil
}

// CreateTypeContext adds a subtype; only the administrator changes the
// type system.
func (s RepositoryService) CreateTypeContext(ctx context.Context, req *generated.CreateType) (*generated.CreateTypeResponse, error) {
	if err := s.typeAdmin(ctx, req.RepositoryId); err != nil {
		return nil, err
	}
	t, err := domainType(req.Type_)
	if err != nil {
		return nil, err
	}
	if t.ParentID == "" {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "parentId is required: base types cannot be created")
	}
	parent, err := s.types.Type(ctx, req.RepositoryId, t.ParentID)
	if cmis.ErrorTypeOf(err) == cmis.ErrObjectNotFound {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "parent type %q does not exist", t.ParentID)
	}
	if err != nil {
		return nil, err
	}
	if t, err = checkType(t, parent, nil); err != nil {
		return nil, err
	}
	created, err := s.types.CreateType(ctx, req.RepositoryId, t)
	if err != nil {
		return nil, err
	}
	return &generated.CreateTypeResponse{Type_: wireType(created, true)}, nil
}

// UpdateTypeContext changes a subtype's attributes and adds or restates
// property definitions.
func (s RepositoryService) UpdateTypeContext(ctx context.Context, req *generated.UpdateType) (*generated.UpdateTypeResponse, error) {
	if err := s.typeAdmin(ctx, req.RepositoryId); err != nil {
		return nil, err
	}
	t, err := domainType(req.Type_)
	if err != nil {
		return nil, err
	}
	old, err := s.types.Type(ctx, req.RepositoryId, t.ID)
	if err != nil {
		return nil, err
	}
	if old.IsBase() {
		return nil, checkMutable(nil, old) // a base type has no parent to read
	}
	parent, err := s.types.Type(ctx, req.RepositoryId, old.ParentID)
	if err != nil {
		return nil, err
	}
	if t, err = checkType(t, parent, old); err != nil {
		return nil, err
	}
	updated, err := s.types.UpdateType(ctx, req.RepositoryId, t)
	if err != nil {
		return nil, err
	}
	return &generated.UpdateTypeResponse{Type_: wireType(updated, true)}, nil
}

// DeleteTypeContext removes a subtype that no object uses.
func (s RepositoryService) DeleteTypeContext(ctx context.Context, req *generated.DeleteType) (*generated.DeleteTypeResponse, error) {
	if err := s.typeAdmin(ctx, req.RepositoryId); err != nil {
		return nil, err
	}
	if req.TypeId == "" {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "typeId is required")
	}
	t, err := s.types.Type(ctx, req.RepositoryId, req.TypeId)
	if err != nil {
		return nil, err
	}
	if t.IsBase() || !t.TypeMutability.Delete {
		return nil, cmis.Errorf(cmis.ErrConstraint, "type %s cannot be deleted", t.ID)
	}
	if err := s.types.DeleteType(ctx, req.RepositoryId, req.TypeId); err != nil {
		return nil, err
	}
	return &generated.DeleteTypeResponse{}, nil
}

// typeAdmin allows type mutability to the administrator only: a type
// change affects every user of the repository.
func (s RepositoryService) typeAdmin(ctx context.Context, repositoryID string) error {
	if _, err := s.repository(ctx, repositoryID); err != nil {
		return err
	}
	if u := cmis.UserFromContext(ctx); u == nil || !u.Admin {
		return cmis.Errorf(cmis.ErrPermissionDenied, "only the administrator may change types")
	}
	return nil
}

// queryCapability: metadata and full text in one statement where the
// store's build can search text, metadata only where it cannot.
func (s RepositoryService) queryCapability() generated.EnumCapabilityQuery {
	switch {
	case s.queries == nil:
		return generated.EnumCapabilityQueryNone
	case s.queries.FullText():
		return generated.EnumCapabilityQueryBothcombined
	}
	return generated.EnumCapabilityQueryMetadataonly
}
