package storage

import (
	"context"
	"slices"
	"strings"

	"github.com/cmisd/cmisd/cmis"
	"github.com/jmoiron/sqlx"
)

// Paging. Every listing reads its page through the dialect's limit
// clause; those that answer a total (children, checked-out documents,
// relationships: listPage; queries: RunQuery) count in the snapshot they
// read the page in, ordered with a unique last key so that pages never
// overlap or skip.

// listPage counts the objects a listing selects and reads a page of them
// in order. from is what follows "FROM objects o" (joins and the WHERE
// clause), args its arguments.
func (s *DB) listPage(ctx context.Context, tx *sqlx.Tx, from string, args []any, order []cmis.Order, p cmis.Page) ([]*cmis.Object, int64, error) {
	var total int64
	if err := tx.GetContext(ctx, &total, `SELECT COUNT(*) FROM objects o`+from, args...); err != nil {
		return nil, 0, err
	}
	keys, keyArgs := orderBy(order)
	objs, err := queryObjects(ctx, tx, `SELECT `+objectColumns+objectFrom+from+keys+s.dialect.limit(p),
		append(slices.Clip(args), keyArgs...)...)
	if err != nil {
		return nil, 0, err
	}
	return objs, total, nil
}

// orderColumns are the system properties listings can be ordered by
// without a join; custom properties order through a correlated lookup.
var orderColumns = map[string]string{
	cmis.PropName: "o.name", cmis.PropObjectID: "o.id", cmis.PropObjectTypeID: "o.type_id",
	cmis.PropBaseTypeID: "o.base_type_id", cmis.PropCreatedBy: "o.created_by",
	cmis.PropCreationDate: "o.creation_date", cmis.PropLastModifiedBy: "o.last_modified_by",
	cmis.PropLastModificationDate: "o.last_modification_date", cmis.PropDescription: "o.description",
	cmis.PropVersionLabel: "o.version_label", cmis.PropVersionSeriesID: "o.version_series_id",
	cmis.PropCheckinComment: "o.checkin_comment", cmis.PropContentStreamLength: "ct.length",
	cmis.PropContentStreamMimeType: "ct.mime_type", cmis.PropContentStreamFileName: "ct.file_name",
	cmis.PropPath: "o.path", cmis.PropSourceID: "o.source_id", cmis.PropTargetID: "o.target_id",
	cmis.PropPolicyText: "o.policy_text",
}

// orderBy renders ORDER BY keys with a unique tie-breaker (the id) so that
// pages never overlap or skip.
func orderBy(keys []cmis.Order) (string, []any) {
	var parts []string
	var args []any
	for _, k := range keys {
		col, ok := orderColumns[k.PropertyID]
		if !ok {
			col = `(SELECT COALESCE(p.value_text, p.value_int, p.value_real) FROM object_properties p
				WHERE p.object_id = o.id AND p.property_id = ? AND p.position = 0)`
			args = append(args, k.PropertyID)
		}
		dir := " ASC"
		if k.Descending {
			dir = " DESC"
		}
		parts = append(parts, col+dir)
	}
	if len(keys) == 0 {
		parts = append(parts, "o.name ASC")
	}
	parts = append(parts, "o.id ASC")
	return " ORDER BY " + strings.Join(parts, ", "), args
}
