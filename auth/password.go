package auth

import (
	"fmt"
	"sync"
	"unicode/utf8"

	"github.com/cmisd/cmisd/cmis"
	"golang.org/x/crypto/bcrypt"
)

// MinPasswordLength is the shortest password, in characters, that
// CheckPasswordLength accepts.
const MinPasswordLength = 12

// HashPassword returns the bcrypt hash to store for a password.
func HashPassword(password string) (string, error) {
	if len(password) == 0 {
		return "", cmis.Errorf(cmis.ErrInvalidArgument, "empty password")
	}
	if len(password) > 72 {
		// bcrypt ignores bytes past 72; refuse rather than truncate silently.
		return "", cmis.Errorf(cmis.ErrInvalidArgument, "password longer than 72 bytes")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	return string(h), err
}

// PasswordMatches reports whether password is the one hash was made from.
func PasswordMatches(hash, password string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// CheckPasswordLength refuses a password shorter than MinPasswordLength
// characters: with nothing else known about how it was chosen, length is
// what makes guessing it slow.
func CheckPasswordLength(password string) error {
	if n := utf8.RuneCountInString(password); n < MinPasswordLength {
		return fmt.Errorf("password has %d characters, fewer than %d", n, MinPasswordLength)
	}
	return nil
}

// dummyHash is what an unknown user's password is compared with, so that
// the answer takes as long as for a wrong password (no user enumeration).
// Made on first use: the commands that never authenticate do not pay.
var dummyHash = sync.OnceValue(func() []byte {
	h, err := bcrypt.GenerateFromPassword([]byte("not a password"), bcrypt.DefaultCost)
	if err != nil {
		panic(err)
	}
	return h
})
