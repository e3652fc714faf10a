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
	keys, keyArgs := orderBy(s.dialect, order)
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

// notNullColumns are the order columns that are never NULL: their keys
// need no NULLs placement.
var notNullColumns = map[string]bool{"o.name": true, "o.id": true, "o.type_id": true, "o.base_type_id": true,
	"o.created_by": true, "o.creation_date": true, "o.last_modified_by": true, "o.last_modification_date": true}

// orderBy renders ORDER BY keys with a unique tie-breaker (the id) so that
// pages never overlap or skip. A custom property orders by the column its
// values are in: integers (and booleans and instants) as numbers, decimals
// as numbers, strings by bytes; objects without a value first.
func orderBy(d dialect, keys []cmis.Order) (string, []any) {
	var parts []string
	var args []any
	for _, k := range keys {
		if col, ok := orderColumns[k.PropertyID]; ok {
			parts = append(parts, d.orderKey(col, k.Descending, !notNullColumns[col]))
			continue
		}
		// One value column holds all of a property's values: the others
		// are NULL alike and leave the order to it.
		for _, vc := range []string{"value_int", "value_real", "value_text"} {
			parts = append(parts, d.orderKey(`(SELECT p.`+vc+` FROM object_properties p
				WHERE p.object_id = o.id AND p.property_id = ? AND p.position = 0)`, k.Descending, true))
			args = append(args, k.PropertyID)
		}
	}
	if len(keys) == 0 {
		parts = append(parts, "o.name ASC")
	}
	parts = append(parts, "o.id ASC")
	return " ORDER BY " + strings.Join(parts, ", "), args
}
