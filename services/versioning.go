package services

import (
	"context"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/generated"
)

// VersioningService checks documents out and in and reads their version
// series. The model (see storage/versions.go): every version is its own
// object; a check-out adds a private working copy (PWC) that shares its
// source's content; checkIn turns the PWC, keeping its id, into the new
// latest version; filing belongs to the series and follows its latest
// version, so getObjectParents of a PWC or an older version answers the
// latest version's folders. A document created with versioningState
// checkedout is, until checked in, only its PWC (as the TCK expects: one
// version in its series), and that PWC is filed.
type VersioningService struct{ *core }

var _ generated.VersioningServicePort = VersioningService{}

// editable refuses changes to a version that is neither the latest nor a
// PWC: older versions are history.
func editable(o *cmis.Object) error {
	if o.BaseTypeID == cmis.BaseDocument && !o.IsLatestVersion && !o.IsPrivateWorkingCopy {
		return cmis.Errorf(cmis.ErrVersioning, "document %s is not the latest version of its series and cannot change", o.ID)
	}
	return nil
}

// CheckOutContext creates the PWC of a document's latest version.
func (s VersioningService) CheckOutContext(ctx context.Context, req *generated.CheckOut) (*generated.CheckOutResponse, error) {
	o, err := s.readable(ctx, req.RepositoryId, req.ObjectId, "canCheckout.Document")
	if err != nil {
		return nil, err
	}
	if o.BaseTypeID != cmis.BaseDocument {
		return nil, cmis.Errorf(cmis.ErrConstraint, "object %s is not a document", o.ID)
	}
	t, err := s.types.Type(ctx, req.RepositoryId, o.TypeID)
	if err != nil {
		return nil, err
	}
	switch {
	case !t.Versionable:
		return nil, cmis.Errorf(cmis.ErrConstraint, "type %s is not versionable", t.ID)
	case o.IsPrivateWorkingCopy:
		return nil, cmis.Errorf(cmis.ErrVersioning, "object %s is a private working copy", o.ID)
	case !o.IsLatestVersion:
		return nil, cmis.Errorf(cmis.ErrVersioning, "object %s is not the latest version of its series", o.ID)
	case o.VersionSeriesCheckedOutID != "":
		return nil, cmis.Errorf(cmis.ErrVersioning, "the version series of %s is already checked out by %s", o.ID, o.VersionSeriesCheckedOutBy)
	}
	pwc, err := s.objects.CheckOut(ctx, req.RepositoryId, o.ID, userName(ctx))
	if err != nil {
		return nil, err
	}
	return &generated.CheckOutResponse{ObjectId: pwc.ID, ContentCopied: pwc.Content != nil}, nil
}

// pwc loads a private working copy for key; anything else is a
// versioning error.
func (s VersioningService) pwc(ctx context.Context, repo, id, key string) (*cmis.Object, error) {
	o, err := s.readable(ctx, repo, id, key)
	if err != nil {
		return nil, err
	}
	if !o.IsPrivateWorkingCopy {
		return nil, cmis.Errorf(cmis.ErrVersioning, "object %s is not a private working copy", id)
	}
	return o, nil
}

// CancelCheckOutContext discards a PWC.
func (s VersioningService) CancelCheckOutContext(ctx context.Context, req *generated.CancelCheckOut) (*generated.CancelCheckOutResponse, error) {
	o, err := s.pwc(ctx, req.RepositoryId, req.ObjectId, "canCancelCheckout.Document")
	if err != nil {
		return nil, err
	}
	if err := s.objects.CancelCheckOut(ctx, req.RepositoryId, o.ID, permit(ctx, "canCancelCheckout.Document", "")); err != nil {
		return nil, err
	}
	return &generated.CancelCheckOutResponse{}, nil
}

// CheckInContext makes a PWC the new latest version, with the given
// properties, content, comment and ACEs, in one transaction. The new
// version keeps the PWC's id.
func (s VersioningService) CheckInContext(ctx context.Context, req *generated.CheckIn) (*generated.CheckInResponse, error) {
	var v *cmis.Object
	err := writeWithContent(s.core, ctx,
		func(ctx context.Context) (checkInPlan, error) { return s.planCheckIn(ctx, req) },
		func(p checkInPlan) (*cmis.ContentStream, *cmis.ContentInfo) { return p.ci.Content, nil },
		func(ctx context.Context, p checkInPlan) (err error) {
			v, err = s.objects.CheckIn(ctx, req.RepositoryId, p.pwc.ID, p.ci)
			return err
		})
	if err != nil {
		return nil, err
	}
	return &generated.CheckInResponse{ObjectId: v.ID}, nil
}

// checkInPlan is a checked check-in.
type checkInPlan struct {
	pwc *cmis.Object
	ci  cmis.CheckIn
}

// planCheckIn checks a check-in and builds it.
func (s VersioningService) planCheckIn(ctx context.Context, req *generated.CheckIn) (checkInPlan, error) {
	if err := notYet(req.Policies); err != nil {
		return checkInPlan{}, err
	}
	o, err := s.pwc(ctx, req.RepositoryId, req.ObjectId, "canCheckin.Document")
	if err != nil {
		return checkInPlan{}, err
	}
	tc := s.typeCache(ctx, req.RepositoryId)
	t, err := tc.get(ctx, o.TypeID)
	if err != nil {
		return checkInPlan{}, err
	}
	add, err := readACEs(req.AddACEs)
	if err != nil {
		return checkInPlan{}, err
	}
	remove, err := readACEs(req.RemoveACEs)
	if err != nil {
		return checkInPlan{}, err
	}
	if len(add) > 0 || len(remove) > 0 {
		// The new version takes the series' ACL, so changing it needs
		// canApplyACL on the latest version: the checker-out's cmis:all
		// on the PWC does not count.
		doc, err := s.objects.LatestVersion(ctx, req.RepositoryId, o.VersionSeriesID, false)
		if err != nil {
			return checkInPlan{}, err
		}
		if err := s.require(ctx, "canApplyACL.Object", doc); err != nil {
			return checkInPlan{}, err
		}
		if !t.ControllableACL {
			return checkInPlan{}, cmis.Errorf(cmis.ErrConstraint, "type %s is not ACL-controllable", t.ID)
		}
	}
	ch := &cmis.Change{}
	if req.Properties != nil {
		if ch, err = s.change(ctx, req.RepositoryId, o, req.Properties, nil, nil); err != nil {
			return checkInPlan{}, err
		}
	}
	name := o.Name
	if ch.Name != nil {
		name = *ch.Name
	}
	var cs *cmis.ContentStream
	if req.ContentStream != nil {
		if err := checkContentAllowed(t, true); err != nil {
			return checkInPlan{}, err
		}
		if cs, err = incoming(req.ContentStream, name); err != nil {
			return checkInPlan{}, err
		}
	} else if o.Content == nil {
		if err := checkContentAllowed(t, false); err != nil {
			return checkInPlan{}, err
		}
	}
	return checkInPlan{pwc: o, ci: cmis.CheckIn{
		Major: req.Major == nil || *req.Major, Change: *ch, Content: cs, Comment: req.CheckinComment,
		Add: add, Remove: remove, User: userName(ctx),
	}}, nil
}

// latest finds the latest (or latest major) version of the series an id
// names, checked for canGetProperties.
func (s VersioningService) latest(ctx context.Context, repo, id string, major bool) (*cmis.Object, error) {
	if _, err := s.repository(ctx, repo); err != nil {
		return nil, err
	}
	if id == "" {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "objectId is required")
	}
	o, err := s.objects.LatestVersion(ctx, repo, id, major)
	if err != nil {
		return nil, err
	}
	if err := s.require(ctx, "canGetProperties.Object", o); err != nil {
		return nil, err
	}
	return o, nil
}

// GetObjectOfLatestVersionContext returns the latest version of a series,
// named by any of its versions or by its version series id.
func (s VersioningService) GetObjectOfLatestVersionContext(ctx context.Context, req *generated.GetObjectOfLatestVersion) (*generated.GetObjectOfLatestVersionResponse, error) {
	opt, err := readOptions(req.Filter, req.IncludeAllowableActions, req.IncludeRelationships, req.RenditionFilter)
	if err != nil {
		return nil, err
	}
	opt.acl = deref(req.IncludeACL)
	opt.policyIDs = deref(req.IncludePolicyIds)
	o, err := s.latest(ctx, req.RepositoryId, req.ObjectId, deref(req.Major))
	if err != nil {
		return nil, err
	}
	w, err := s.render(ctx, s.typeCache(ctx, req.RepositoryId), o, opt)
	if err != nil {
		return nil, err
	}
	return &generated.GetObjectOfLatestVersionResponse{Object: w}, nil
}

// GetPropertiesOfLatestVersionContext returns the properties of the
// latest version of a series.
func (s VersioningService) GetPropertiesOfLatestVersionContext(ctx context.Context, req *generated.GetPropertiesOfLatestVersion) (*generated.GetPropertiesOfLatestVersionResponse, error) {
	opt, err := readOptions(req.Filter, nil, nil, nil)
	if err != nil {
		return nil, err
	}
	o, err := s.latest(ctx, req.RepositoryId, req.ObjectId, deref(req.Major))
	if err != nil {
		return nil, err
	}
	w, err := s.render(ctx, s.typeCache(ctx, req.RepositoryId), o, opt)
	if err != nil {
		return nil, err
	}
	return &generated.GetPropertiesOfLatestVersionResponse{Properties: w.Properties}, nil
}

// GetAllVersionsContext lists the versions of a series the caller may
// read, the PWC first, then newest first. The caller needs
// canGetAllVersions on the version named (or, for a version series id,
// on its latest version). A document that is not versionable is its only
// version.
func (s VersioningService) GetAllVersionsContext(ctx context.Context, req *generated.GetAllVersions) (*generated.GetAllVersionsResponse, error) {
	opt, err := readOptions(req.Filter, req.IncludeAllowableActions, nil, nil)
	if err != nil {
		return nil, err
	}
	if _, err := s.repository(ctx, req.RepositoryId); err != nil {
		return nil, err
	}
	if req.ObjectId == "" {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "objectId is required")
	}
	named, err := s.objects.Object(ctx, req.RepositoryId, req.ObjectId)
	if cmis.ErrorTypeOf(err) == cmis.ErrObjectNotFound {
		named, err = s.objects.LatestVersion(ctx, req.RepositoryId, req.ObjectId, false)
	}
	if err != nil {
		return nil, err
	}
	if err := visible(ctx, named); err != nil {
		return nil, err
	}
	if named.BaseTypeID != cmis.BaseDocument {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "object %s is not a document: it has no versions", req.ObjectId)
	}
	if err := s.require(ctx, "canGetAllVersions.VersionSeries", named); err != nil {
		return nil, err
	}
	versions, err := s.objects.Versions(ctx, req.RepositoryId, named.VersionSeriesID, access(ctx))
	if err != nil {
		return nil, err
	}
	ws, err := s.renderAll(ctx, s.typeCache(ctx, req.RepositoryId), versions, opt)
	if err != nil {
		return nil, err
	}
	return &generated.GetAllVersionsResponse{Objects: ws}, nil
}

// deleteDocument deletes a document (o, checked for canDelete): a PWC
// cancels the check-out; allVersions deletes the series; otherwise just
// this version goes (the series with it when it is the only checked-in
// one). The store checks canDelete on every object removed, in the
// transaction that removes them.
func (c *core) deleteDocument(ctx context.Context, repo string, o *cmis.Object, allVersions bool) error {
	p := permit(ctx, "canDelete.Object", "")
	switch {
	case o.IsPrivateWorkingCopy:
		return c.objects.CancelCheckOut(ctx, repo, o.ID, p)
	case !allVersions:
		return c.objects.DeleteVersion(ctx, repo, o.ID, p)
	}
	return c.objects.DeleteObject(ctx, repo, o.ID, p)
}
