package cmis

import (
	"fmt"
	"strings"
	"testing"
)

// Credentials printed by mistake do not show the password.
func TestCredentialsStringLeavesPasswordOut(t *testing.T) {
	c := Credentials{Username: "alice", Password: "hunter2-hunter2", RemoteAddr: "192.0.2.1"}
	for _, verb := range []string{"%v", "%+v", "%s"} {
		s := fmt.Sprintf(verb, c)
		if strings.Contains(s, c.Password) || !strings.Contains(s, "alice") || !strings.Contains(s, "192.0.2.1") {
			t.Errorf("%s: %q", verb, s)
		}
	}
}
