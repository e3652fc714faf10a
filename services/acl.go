package services

import (
	"context"
	"sync"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
)

// ACLService reads and changes access control lists. Only the three basic
// permissions exist, so getACL answers the same with or without
// onlyBasicPermissions.
type ACLService struct{ *core }

var _ generated.ACLServicePort = ACLService{}

// permissionMapping says which basic permission each allowable-actions key
// needs. The operations check exactly these levels (through require), and
// repository info publishes this table, so what a client reads is what the
// server enforces.
var permissionMapping = []struct {
	Key   string
	Level cmis.Level
}{
	{"canGetDescendents.Folder", cmis.CanRead},
	{"canGetChildren.Folder", cmis.CanRead},
	{"canGetParents.Folder", cmis.CanRead},
	{"canGetFolderParent.Object", cmis.CanRead},
	{"canCreateDocument.Folder", cmis.CanWrite},
	{"canCreateFolder.Folder", cmis.CanWrite},
	{"canCreateRelationship.Source", cmis.CanRead},
	{"canCreateRelationship.Target", cmis.CanRead},
	{"canGetProperties.Object", cmis.CanRead},
	{"canViewContent.Object", cmis.CanRead},
	{"canUpdateProperties.Object", cmis.CanWrite},
	{"canMove.Object", cmis.CanWrite},
	{"canMove.Target", cmis.CanWrite},
	{"canMove.Source", cmis.CanWrite},
	{"canDelete.Object", cmis.CanWrite},
	{"canDeleteTree.Folder", cmis.CanWrite},
	{"canSetContent.Document", cmis.CanWrite},
	{"canDeleteContent.Document", cmis.CanWrite},
	{"canAddToFolder.Object", cmis.CanRead},
	{"canAddToFolder.Folder", cmis.CanWrite},
	{"canRemoveFromFolder.Object", cmis.CanRead},
	{"canRemoveFromFolder.Folder", cmis.CanWrite},
	{"canCheckout.Document", cmis.CanWrite},
	{"canCancelCheckout.Document", cmis.CanWrite},
	{"canCheckin.Document", cmis.CanWrite},
	{"canGetAllVersions.VersionSeries", cmis.CanRead},
	{"canGetObjectRelationships.Object", cmis.CanRead},
	{"canAddPolicy.Object", cmis.CanWrite},
	{"canAddPolicy.Policy", cmis.CanRead},
	{"canRemovePolicy.Object", cmis.CanWrite},
	{"canRemovePolicy.Policy", cmis.CanRead},
	{"canGetAppliedPolicies.Object", cmis.CanRead},
	{"canGetACL.Object", cmis.CanRead},
	{"canApplyACL.Object", cmis.CanAll},
}

// mappingLevels is permissionMapping by key, for levelFor: allowable
// actions ask it many times for every object rendered.
var mappingLevels = func() map[string]cmis.Level {
	m := make(map[string]cmis.Level, len(permissionMapping))
	for _, e := range permissionMapping {
		m[e.Key] = e.Level
	}
	return m
}()

// levelFor is the level a mapping key needs.
func levelFor(key string) cmis.Level {
	l, ok := mappingLevels[key]
	if !ok {
		panic("services: unknown permission mapping key " + key)
	}
	return l
}

// need is what a mapping key asks for.
func need(key string) cmis.Need { return cmis.Need{Key: key, Level: levelFor(key)} }

// permit is the caller's right to remove objects, for the store to check
// inside the transaction that removes them: del on every object removed,
// unfile on every object only unfiled (deleteTree).
func permit(ctx context.Context, del, unfile string) cmis.Permit {
	p := cmis.Permit{Access: access(ctx), User: userName(ctx), Delete: need(del)}
	if unfile != "" {
		p.Unfile = need(unfile)
	}
	return p
}

// aclCapability is repository info's description of the ACL model. It
// never changes, so it is built once and shared by every response (which
// only reads it): built per request it was a third of getRepositoryInfo's
// allocations.
var aclCapability = sync.OnceValue(func() *generated.CmisACLCapabilityType {
	c := &generated.CmisACLCapabilityType{
		SupportedPermissions: generated.EnumSupportedPermissionsBasic,
		Propagation:          generated.EnumACLPropagationPropagate,
		Permissions: []*generated.CmisPermissionDefinition{
			{Permission: cmis.PermRead, Description: ptr("Read properties, content and listings")},
			{Permission: cmis.PermWrite, Description: ptr("Read, and change properties, content and filing; includes cmis:read")},
			{Permission: cmis.PermAll, Description: ptr("Everything, including changing the ACL; includes cmis:write")},
		},
	}
	for _, m := range permissionMapping {
		c.Mapping = append(c.Mapping, &generated.CmisPermissionMapping{
			Key: generated.EnumAllowableActionsKey(m.Key), Permission: []string{m.Level.Permission()}})
	}
	return c
})

// require checks that the caller has the access a mapping key names on
// every object given, in one store round trip.
func (c *core) require(ctx context.Context, key string, objs ...*cmis.Object) error {
	a := access(ctx)
	if a.Admin || len(objs) == 0 {
		return nil
	}
	ids := make([]string, len(objs))
	for i, o := range objs {
		ids[i] = o.ID
	}
	levels, err := c.acls.Levels(ctx, ids, a)
	if err != nil {
		return err
	}
	n := need(key)
	for _, o := range objs {
		if levels[o.ID] < n.Level {
			return n.Refusal(userName(ctx), o.ID)
		}
	}
	return nil
}

func userName(ctx context.Context) string {
	if u := cmis.UserFromContext(ctx); u != nil {
		return u.Name
	}
	return cmis.PrincipalAnonymous
}

// wireACL renders ACEs, one entry per principal and permission.
func wireACL(aces []cmis.ACE) *generated.CmisAccessControlListType {
	out := &generated.CmisAccessControlListType{}
	for _, a := range aces {
		out.Permission = append(out.Permission, &generated.CmisAccessControlEntryType{
			Principal:  &generated.CmisAccessControlPrincipalType{PrincipalId: a.Principal},
			Permission: []string{a.Permission},
			Direct:     a.Direct,
		})
	}
	return out
}

// readACEs reads ACEs from a request; only the basic permissions exist.
func readACEs(l *generated.CmisAccessControlListType) ([]cmis.ACE, error) {
	if l == nil {
		return nil, nil
	}
	var out []cmis.ACE
	for _, e := range l.Permission {
		if e == nil || e.Principal == nil || e.Principal.PrincipalId == "" {
			return nil, cmis.Errorf(cmis.ErrInvalidArgument, "an ACE has no principal")
		}
		if len(e.Permission) == 0 {
			return nil, cmis.Errorf(cmis.ErrInvalidArgument, "the ACE of %s has no permission", e.Principal.PrincipalId)
		}
		for _, p := range e.Permission {
			if cmis.PermissionLevel(p) == cmis.NoAccess {
				return nil, cmis.Errorf(cmis.ErrConstraint, "permission %q is not supported: only cmis:read, cmis:write and cmis:all", p)
			}
			out = append(out, cmis.ACE{Principal: e.Principal.PrincipalId, Permission: p, Direct: true})
		}
	}
	return out, nil
}

// GetACLContext returns an object's ACL.
func (s ACLService) GetACLContext(ctx context.Context, req *generated.GetACL) (*generated.GetACLResponse, error) {
	o, err := s.readable(ctx, req.RepositoryId, req.ObjectId, "canGetACL.Object")
	if err != nil {
		return nil, err
	}
	aces, err := s.acls.ACL(ctx, req.RepositoryId, o.ID)
	if err != nil {
		return nil, err
	}
	return &generated.GetACLResponse{ACL: &generated.CmisACLType{ACL: wireACL(aces), Exact: ptr(true)}}, nil
}

// ApplyACLContext removes then adds ACEs; with propagation "propagate"
// the change also reaches everything below a folder.
func (s ACLService) ApplyACLContext(ctx context.Context, req *generated.ApplyACL) (*generated.ApplyACLResponse, error) {
	o, err := s.readable(ctx, req.RepositoryId, req.ObjectId, "canApplyACL.Object")
	if err != nil {
		return nil, err
	}
	t, err := s.types.Type(ctx, req.RepositoryId, o.TypeID)
	if err != nil {
		return nil, err
	}
	if !t.ControllableACL {
		return nil, cmis.Errorf(cmis.ErrConstraint, "type %s is not ACL-controllable", t.ID)
	}
	add, err := readACEs(req.AddACEs)
	if err != nil {
		return nil, err
	}
	remove, err := readACEs(req.RemoveACEs)
	if err != nil {
		return nil, err
	}
	propagate := false
	if req.ACLPropagation != nil {
		switch *req.ACLPropagation {
		case generated.EnumACLPropagationPropagate:
			propagate = true
		case generated.EnumACLPropagationObjectonly, generated.EnumACLPropagationRepositorydetermined:
		default:
			return nil, cmis.Errorf(cmis.ErrInvalidArgument, "ACLPropagation %q", *req.ACLPropagation)
		}
	}
	aces, err := s.acls.ApplyACL(ctx, req.RepositoryId, o.ID, add, remove, propagate, userName(ctx))
	if err != nil {
		return nil, err
	}
	return &generated.ApplyACLResponse{ACL: &generated.CmisACLType{ACL: wireACL(aces), Exact: ptr(true)}}, nil
}

// readable loads an object and checks the caller's access for key: one
// store call, one statement in a read (cmis.ObjectStore.ObjectAs).
func (c *core) readable(ctx context.Context, repo, id, key string) (*cmis.Object, error) {
	o, _, err := c.readableAt(ctx, repo, id, key)
	return o, err
}

// readableAt is readable, with the caller's level on the object (read in
// the same statement), for an answer that shows allowable actions.
func (c *core) readableAt(ctx context.Context, repo, id, key string) (*cmis.Object, cmis.Level, error) {
	return c.checked(ctx, repo, id, key, false)
}

// readableContent is readable for a read of the object's content stream
// (canViewContent): of the object only its ids, types and Content are
// filled in (cmis.ObjectStore.ContentAs).
func (c *core) readableContent(ctx context.Context, repo, id string) (*cmis.Object, error) {
	o, _, err := c.checked(ctx, repo, id, "canViewContent.Object", true)
	return o, err
}

// checked is readableAt, the object read as ContentAs reads it if content.
func (c *core) checked(ctx context.Context, repo, id, key string, content bool) (*cmis.Object, cmis.Level, error) {
	if _, err := c.repository(ctx, repo); err != nil {
		return nil, 0, err
	}
	if id == "" {
		return nil, 0, cmis.Errorf(cmis.ErrInvalidArgument, "objectId is required")
	}
	load := c.objects.ObjectAs
	if content {
		load = c.objects.ContentAs
	}
	o, level, err := load(ctx, repo, id, access(ctx))
	if err != nil {
		return nil, 0, err
	}
	return o, level, permitted(ctx, o, level, key)
}

// permitted checks that the caller, whose level on o is level, may read
// o (visible) and has what key needs.
func permitted(ctx context.Context, o *cmis.Object, level cmis.Level, key string) error {
	if err := visible(ctx, o); err != nil {
		return err
	}
	if n := need(key); level < n.Level {
		return n.Refusal(userName(ctx), o.ID)
	}
	return nil
}
