package conformance

import (
	"fmt"
	"strings"
)

// Format writes a normalised document one element a line, indented, as
// Compare sees it: local names, attributes in order, trimmed text, the
// children of unordered elements sorted, and "…" for values that only
// have to be there.
func (n *Node) Format() string {
	var b strings.Builder
	var walk func(n *Node, depth int)
	walk = func(n *Node, depth int) {
		b.WriteString(strings.Repeat("  ", depth) + localName(n.Name))
		for _, a := range n.Attrs {
			fmt.Fprintf(&b, " %s=%q", a.Name.Local, a.Value)
		}
		if n.Text != "" {
			b.WriteString(": " + n.Text)
		}
		b.WriteByte('\n')
		if presentOnly(n) {
			// Compare counts these values and does not read them.
			for _, c := range n.Children {
				b.WriteString(strings.Repeat("  ", depth+1) + localName(c.Name) + ": …\n")
			}
			return
		}
		for _, c := range n.Children {
			walk(c, depth+1)
		}
	}
	for _, c := range n.Children { // n is the document, not an element
		walk(c, 0)
	}
	return b.String()
}

// Diff is a unified diff of two texts by lines ("-" only in a, "+" only
// in b), with context lines around each change; "" when they are equal.
func Diff(a, b string, context int) string {
	al, bl := splitLines(a), splitLines(b)
	// Longest common subsequence, from the end.
	lcs := make([][]int, len(al)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(bl)+1)
	}
	for i := len(al) - 1; i >= 0; i-- {
		for j := len(bl) - 1; j >= 0; j-- {
			if al[i] == bl[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type line struct {
		op   byte // ' ', '-', '+'
		text string
	}
	var lines []line
	i, j := 0, 0
	for i < len(al) || j < len(bl) {
		switch {
		case i < len(al) && j < len(bl) && al[i] == bl[j]:
			lines = append(lines, line{' ', al[i]})
			i, j = i+1, j+1
		case i < len(al) && (j == len(bl) || lcs[i+1][j] >= lcs[i][j+1]):
			lines = append(lines, line{'-', al[i]})
			i++
		default:
			lines = append(lines, line{'+', bl[j]})
			j++
		}
	}
	// Keep the changes and up to context unchanged lines on each side.
	keep := make([]bool, len(lines))
	changed := false
	for k, l := range lines {
		if l.op != ' ' {
			changed = true
			for m := max(0, k-context); m <= min(len(lines)-1, k+context); m++ {
				keep[m] = true
			}
		}
	}
	if !changed {
		return ""
	}
	var out strings.Builder
	for k, l := range lines {
		if !keep[k] {
			if k == 0 || keep[k-1] {
				out.WriteString("@@\n") // lines left out
			}
			continue
		}
		out.WriteString(string(l.op) + " " + l.text + "\n")
	}
	return out.String()
}

func splitLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
