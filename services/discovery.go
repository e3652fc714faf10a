package services

import (
	"context"
	"slices"
	"strconv"

	"github.com/cmisd/cmisd/cmis"
	"github.com/cmisd/cmisd/cmis/query"
	"github.com/cmisd/cmisd/generated"
	"github.com/cmisd/cmisd/internal/xsd"
)

// DiscoveryService answers CMIS queries, compiled to SQL by the store with
// the caller's ACLs inside the statement (full text through the store's
// index where the build has one), and reads the change log.
type DiscoveryService struct{ *core }

var _ generated.DiscoveryServicePort = DiscoveryService{}

// QueryContext runs a CMIS query.
func (s DiscoveryService) QueryContext(ctx context.Context, req *generated.Query) (*generated.QueryResponse, error) {
	if _, err := s.repository(ctx, req.RepositoryId); err != nil {
		return nil, err
	}
	if s.queries == nil {
		return nil, cmis.Errorf(cmis.ErrNotSupported, "query is not supported by this repository")
	}
	if req.Statement == "" {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "statement is required")
	}
	q, err := query.Prepare(ctx, s.queryRunner(ctx), req.RepositoryId, req.Statement)
	if err != nil {
		return nil, err
	}
	if (q.Contains != nil || q.Score) && !s.queries.FullText() {
		return nil, cmis.Errorf(cmis.ErrNotSupported, "full-text search (CONTAINS, SCORE) is not supported by this build: capabilityQuery is metadataonly")
	}
	opt, err := readOptions(nil, req.IncludeAllowableActions, req.IncludeRelationships, req.RenditionFilter)
	if err != nil {
		return nil, err
	}
	if len(q.Tables) > 1 && opt.allowableActions {
		return nil, cmis.Errorf(cmis.ErrInvalidArgument, "includeAllowableActions applies to single-table queries only")
	}
	p, err := page(req.MaxItems, req.SkipCount, defaultQueryPage)
	if err != nil {
		return nil, err
	}
	rows, end, err := s.queries.RunQuery(ctx, req.RepositoryId, q, query.Options{
		Page: p, Reader: access(ctx), SearchAllVersions: deref(req.SearchAllVersions), SystemOnly: systemColumns(q)})
	if err != nil {
		return nil, err
	}
	index := map[*query.Table]int{}
	for i, t := range q.Tables {
		index[t] = i
	}
	list := &generated.CmisObjectListType{}
	list.HasMoreItems, list.NumItems = pageEnd(end)
	var firsts []*cmis.Object
	for _, r := range rows {
		props := &generated.CmisPropertiesType{}
		for _, col := range q.Columns {
			if col.Score {
				score := cmis.PropertyDefinition{ID: col.QueryName, LocalName: col.QueryName, DisplayName: "Score",
					QueryName: col.QueryName, PropertyType: cmis.PropertyDecimal}
				addWireValue(props, &score, []cmis.Value{cmis.Decimal(strconv.FormatFloat(r.Score, 'f', 6, 64))})
				continue
			}
			o := r.Objects[index[col.Column.Table]]
			def := col.Column.Property
			var values []cmis.Value
			if o != nil {
				values = propertyValues(o, def)
			}
			// Columns are keyed by their alias or query name.
			named := *def
			named.QueryName = col.QueryName
			addWireValue(props, &named, values)
		}
		list.Objects = append(list.Objects, &generated.CmisObjectType{Properties: props})
		firsts = append(firsts, r.Objects[0])
	}
	if opt.allowableActions && len(firsts) > 0 {
		ws, err := s.renderAll(ctx, s.typeCache(ctx, req.RepositoryId), firsts, renderOptions{filter: filter{}, allowableActions: true})
		if err != nil {
			return nil, err
		}
		for i, w := range ws {
			list.Objects[i].AllowableActions = w.AllowableActions
		}
	}
	return &generated.QueryResponse{Objects: list}, nil
}

// GetContentChangesContext reads the change log from changeLogToken on
// (inclusive) and answers the token to resume from. Events of objects
// that still exist are listed only if the caller may read them, with
// their current properties when asked; deletions, and earlier events of
// objects since deleted, carry just the object id, so that every
// synchronising client learns of them.
func (s DiscoveryService) GetContentChangesContext(ctx context.Context, req *generated.GetContentChanges) (*generated.GetContentChangesResponse, error) {
	if _, err := s.repository(ctx, req.RepositoryId); err != nil {
		return nil, err
	}
	var token *int64
	if t := deref(req.ChangeLogToken); t != "" {
		n, err := strconv.ParseInt(t, 10, 64)
		if err != nil || n < 0 {
			return nil, cmis.Errorf(cmis.ErrInvalidArgument, "changeLogToken %q was not issued by this repository", t)
		}
		token = &n
	}
	max, err := changesPage(req.MaxItems)
	if err != nil {
		return nil, err
	}
	opt, err := readOptions(req.Filter, nil, nil, nil)
	if err != nil {
		return nil, err
	}
	opt.acl, opt.policyIDs = deref(req.IncludeACL), deref(req.IncludePolicyIds)
	events, next, more, err := s.changes.ContentChanges(ctx, req.RepositoryId, token, max)
	if err != nil {
		return nil, err
	}
	events = slices.DeleteFunc(events, func(e cmis.ChangeEvent) bool { return !changeVisible(ctx, e) })
	// The objects still there, loaded (in one pass) and access-checked
	// for the page; an object deleted later in the log is reported like
	// its deletion.
	var wanted []string
	for _, e := range events {
		if e.ChangeType != "deleted" {
			wanted = append(wanted, e.ObjectID)
		}
	}
	live, err := s.objects.Objects(ctx, req.RepositoryId, wanted)
	if err != nil {
		return nil, err
	}
	byID := map[string]*cmis.Object{}
	for _, o := range live {
		byID[o.ID] = o
	}
	gone := map[string]bool{}
	for _, id := range wanted {
		gone[id] = byID[id] == nil
	}
	levels, err := s.changeLevels(ctx, req.RepositoryId, live)
	if err != nil {
		return nil, err
	}
	var rendered map[string]*generated.CmisObjectType
	if deref(req.IncludeProperties) || opt.acl || opt.policyIDs {
		var readable []*cmis.Object
		for _, o := range live {
			if levels[o.ID] >= levelFor("canGetProperties.Object") {
				readable = append(readable, o)
			}
		}
		ws, err := s.renderAll(ctx, s.typeCache(ctx, req.RepositoryId), readable, opt)
		if err != nil {
			return nil, err
		}
		rendered = map[string]*generated.CmisObjectType{}
		for i, o := range readable {
			rendered[o.ID] = ws[i]
		}
	}
	list := &generated.CmisObjectListType{HasMoreItems: more}
	for _, e := range events {
		if e.ChangeType != "deleted" && !gone[e.ObjectID] {
			if o := byID[e.ObjectID]; o == nil || levels[o.ID] < levelFor("canGetProperties.Object") {
				continue
			}
		}
		w := &generated.CmisObjectType{}
		if r := rendered[e.ObjectID]; r != nil && e.ChangeType != "deleted" {
			copied := *r
			w = &copied
			if !deref(req.IncludeProperties) {
				w.Properties = nil
			}
		}
		if w.Properties == nil {
			w.Properties = &generated.CmisPropertiesType{Properties: generated.PropertyList{&generated.CmisPropertyId{
				CmisProperty: generated.CmisProperty{PropertyDefinitionId: cmis.PropObjectID, LocalName: cmis.PropObjectID,
					QueryName: cmis.PropObjectID, DisplayName: "Object Id"},
				Value: []string{e.ObjectID}}}}
		}
		w.ChangeEventInfo = &generated.CmisChangeEventType{ChangeType: generated.EnumTypeOfChanges(e.ChangeType),
			ChangeTime: xsd.DateTime{Time: e.ChangeTime}}
		list.Objects = append(list.Objects, w)
	}
	list.NumItems = ptr(int64(len(list.Objects)))
	return &generated.GetContentChangesResponse{Objects: list, ChangeLogToken: next}, nil
}

// changeLevels is the caller's access to each object of a change log page
// that still exists, for the request's version (hideRelationships).
func (c *core) changeLevels(ctx context.Context, repo string, live []*cmis.Object) (map[string]cmis.Level, error) {
	if len(live) == 0 {
		return map[string]cmis.Level{}, nil
	}
	ids := make([]string, len(live))
	for i, o := range live {
		ids[i] = o.ID
	}
	levels, err := c.acls.Levels(ctx, ids, access(ctx))
	if err != nil {
		return nil, err
	}
	return levels, c.hideRelationships(ctx, repo, live, levels)
}
