package services

import (
	"context"
	"testing"

	"github.com/cmisd/cmisd/internal/answered"
)

// TestSlabRecycled checks that a page's property blocks go back to the
// pool only once the request's answer is written, and come back empty and
// zero: take relies on what lies past a block's length being zero, and a
// recycled block must not keep the last answer's values alive.
func TestSlabRecycled(t *testing.T) {
	if s := newSlab(context.Background()); s == nil || cap(s.strs) != 0 {
		t.Fatalf("without a scope: %+v, want a new slab", s)
	}
	ctx, written := answered.New(context.Background())
	s := newSlab(ctx)
	s.reserve(slabCounts{props: 4, strs: 2, bools: 1})
	w := take(&s.strs)
	w.PropertyDefinitionId, w.Value = "cmis:name", one(&s.sv, "doc.txt")
	b := take(&s.bools)
	b.Value = one(&s.bv, true)
	props := many(&s.props, 2)
	props[0], props[1] = w, b
	strs, sv := s.strs, s.sv

	if w.Value[0] != "doc.txt" || len(s.strs) != 1 {
		t.Fatalf("before the answer: %+v", s.strs)
	}
	written()
	// s is in the pool now: only read it.
	if len(s.strs) != 0 || len(s.props) != 0 || len(s.sv) != 0 || len(s.bools) != 0 || len(s.bv) != 0 {
		t.Errorf("recycled slab not empty: %d %d %d %d %d", len(s.strs), len(s.props), len(s.sv), len(s.bools), len(s.bv))
	}
	for i, e := range strs[:cap(strs)] {
		if e.PropertyDefinitionId != "" || e.Value != nil {
			t.Errorf("strs[%d] kept %+v", i, e)
		}
	}
	for i, v := range sv[:cap(sv)] {
		if v != "" {
			t.Errorf("sv[%d] kept %q", i, v)
		}
	}
	for i, p := range props[:cap(props)] {
		if p != nil {
			t.Errorf("props[%d] kept %T", i, p)
		}
	}
}
