package auth

import (
	"strings"
	"testing"

	"github.com/cmisd/cmisd/cmis"
)

func TestHashPassword(t *testing.T) {
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(h, "correct horse") || !PasswordMatches(h, "correct horse") || PasswordMatches(h, "correct horsE") {
		t.Fatalf("hash %q does not check out", h)
	}
	if _, err := HashPassword(strings.Repeat("x", 73)); cmis.ErrorTypeOf(err) != cmis.ErrInvalidArgument {
		t.Fatalf("73-byte password (bcrypt would cut it): %v", err)
	}
	if _, err := HashPassword(""); cmis.ErrorTypeOf(err) != cmis.ErrInvalidArgument {
		t.Fatalf("empty password: %v", err)
	}
}

func TestCheckPasswordLength(t *testing.T) {
	for _, tt := range []struct {
		password string
		ok       bool
	}{
		{"", false},
		{"elevenchars", false},
		{"twelve chars", true},
		{"ääääääääääää", true}, // 12 characters in 24 bytes
		{"äääääääääää", false}, // 11 characters in 22 bytes: characters count, not bytes
	} {
		if err := CheckPasswordLength(tt.password); (err == nil) != tt.ok {
			t.Errorf("%q: %v, want ok=%v", tt.password, err, tt.ok)
		}
	}
}
