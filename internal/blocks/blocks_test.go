package blocks

import "testing"

func TestCarve(t *testing.T) {
	var block []int
	if got := Carve(&block, 0, 8); got != nil || block != nil {
		t.Fatalf("zero entries: %v, block %v", got, block)
	}
	a := Carve(&block, 3, 8)
	if len(a) != 3 || cap(a) != 3 || cap(block) != 8 {
		t.Fatalf("first carve: len %d cap %d, block cap %d", len(a), cap(a), cap(block))
	}
	a = append(a, 7) // must not write into the next entries
	b := Carve(&block, 5, 8)
	if b[0] != 0 || &b[0] != &block[3] {
		t.Fatalf("second carve: %v, not the block's next entries or written by an append", b)
	}
	c := Carve(&block, 2, 4)
	if &c[0] == &b[0] || cap(block) != 4 || len(block) != 2 {
		t.Fatalf("a full block: carve %p, block len %d cap %d; want a new block of 4", &c[0], len(block), cap(block))
	}
	if d := Carve(&block, 10, 4); len(d) != 10 || cap(block) != 10 {
		t.Fatalf("more than next: len %d, block cap %d", len(d), cap(block))
	}
	_ = a
}
