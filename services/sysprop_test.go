package services

import (
	"testing"

	"github.com/cmisd/cmisd/cmis"
)

// TestSysProps checks the table that renders system properties by number:
// each base type's property is one (but those no object holds a value of
// itself), and no two ids share one, which would show one property's
// value under another's name.
func TestSysProps(t *testing.T) {
	notSystem := map[string]bool{cmis.PropAllowedChildObjectTypeIDs: true}
	for _, bt := range cmis.BaseTypes() {
		for _, p := range bt.PropertyDefinitions {
			if got := sysPropOf(p.ID); (got == noSys) != notSystem[p.ID] {
				t.Errorf("%s %s: sysPropOf = %d", bt.ID, p.ID, got)
			}
		}
	}
	seen := map[sysProp]string{}
	for id, p := range sysProps {
		if p == noSys {
			t.Errorf("%s maps to noSys", id)
		}
		if other, dup := seen[p]; dup {
			t.Errorf("%s and %s share %d", id, other, p)
		}
		seen[p] = id
	}
	if sysPropOf("custom:prop") != noSys {
		t.Error("a custom property is a system one")
	}
}
