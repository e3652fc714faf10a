package cmis

import (
	"errors"
	"fmt"
	"time"
)

// ErrorType is a CMIS service exception (enumServiceException). The
// server maps it to the cmisFault detail in exactly one place.
type ErrorType string

const (
	ErrConstraint              ErrorType = "constraint"
	ErrNameConstraintViolation ErrorType = "nameConstraintViolation"
	ErrContentAlreadyExists    ErrorType = "contentAlreadyExists"
	ErrFilterNotValid          ErrorType = "filterNotValid"
	ErrInvalidArgument         ErrorType = "invalidArgument"
	ErrNotSupported            ErrorType = "notSupported"
	ErrObjectNotFound          ErrorType = "objectNotFound"
	ErrPermissionDenied        ErrorType = "permissionDenied"
	ErrRuntime                 ErrorType = "runtime"
	ErrStorage                 ErrorType = "storage"
	ErrStreamNotSupported      ErrorType = "streamNotSupported"
	ErrUpdateConflict          ErrorType = "updateConflict"
	ErrVersioning              ErrorType = "versioning"
)

// Error is an error that a client is meant to see: its Type becomes the
// cmisFault type and its Message the fault text. Anything else that
// reaches the server is reported as runtime without its text.
type Error struct {
	Type    ErrorType
	Message string
	Err     error // optional cause, logged but never sent
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Type, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Type, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns a client-visible error of the given type.
func Errorf(t ErrorType, format string, args ...any) *Error {
	return &Error{Type: t, Message: fmt.Sprintf(format, args...)}
}

// AsError reports the client-visible error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// ErrorTypeOf is the CMIS exception type err maps to; runtime for errors
// that carry none.
func ErrorTypeOf(err error) ErrorType {
	if e, ok := AsError(err); ok {
		return e.Type
	}
	return ErrRuntime
}

// TimeLimitError is the cause of a runtime Error of an operation that
// ran past its time limit and was stopped; the server logs it.
type TimeLimitError struct {
	Operation string
	Limit     time.Duration
	Elapsed   time.Duration
}

func (e *TimeLimitError) Error() string {
	return fmt.Sprintf("%s stopped after %v: time limit %v", e.Operation, e.Elapsed.Round(time.Millisecond), e.Limit)
}
