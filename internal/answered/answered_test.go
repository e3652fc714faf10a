package answered

import (
	"context"
	"testing"
)

func TestAfter(t *testing.T) {
	if After(context.Background(), func() { t.Error("ran without a scope") }) {
		t.Error("After without a scope reported true")
	}
	ctx, written := New(context.Background())
	runs := 0
	for range 2 {
		if !After(ctx, func() { runs++ }) {
			t.Fatal("After in a scope reported false")
		}
	}
	if runs != 0 {
		t.Fatalf("ran %d before the answer was written", runs)
	}
	written()
	if runs != 2 {
		t.Fatalf("ran %d times, want 2", runs)
	}
	if After(ctx, func() { t.Error("ran after the answer was written") }) {
		t.Error("After once written reported true")
	}
	written()
	if runs != 2 {
		t.Fatalf("a second written ran them again: %d", runs)
	}
}
