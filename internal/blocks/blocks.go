// Package blocks hands out many small slices from a few large ones, so
// that a page of rows or properties costs a few allocations, not one or
// more per entry.
package blocks

// Carve returns n entries from *block, with no room to grow into their
// neighbours: the next n of its capacity, or the first n of a new block
// of size next (at least n) when it has fewer left. Entries already
// handed out keep their block alive. A block comes from make and only
// grows into its capacity, so the entries are zero unless the caller
// zeroes a block it reuses.
func Carve[T any](block *[]T, n, next int) []T {
	if n == 0 {
		return nil
	}
	if cap(*block)-len(*block) < n {
		*block = make([]T, 0, max(n, next))
	}
	i := len(*block)
	*block = (*block)[:i+n]
	return (*block)[i : i+n : i+n]
}
