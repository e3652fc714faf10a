package services

import (
	"context"
	"strings"

	"github.com/cmisd/cmisd/cmis"
)

// Each operation runs in its transaction (generated.Ports.With): a read
// in one snapshot, with its permission checks; a write in one write
// transaction that holds its checks too, so that nothing another request
// commits in between can make them wrong. The operations that carry
// content run their own (writeWithContent).

// carriesContent are the operations that stage an upload.
var carriesContent = map[string]bool{
	"createDocument": true, "setContentStream": true, "appendContentStream": true, "checkIn": true,
}

// isRead: the get... operations and query change nothing.
func isRead(op string) bool { return op == "query" || strings.HasPrefix(op, "get") }

// around is the transaction policy of every port call.
func (c *core) around(ctx context.Context, op string, call func(ctx context.Context) (any, error)) (any, error) {
	if carriesContent[op] {
		return call(ctx)
	}
	var out any
	run := func(ctx context.Context) (err error) {
		out, err = call(ctx)
		return err
	}
	var err error
	if isRead(op) {
		err = c.tx.Read(ctx, run)
	} else {
		err = c.tx.Write(context.WithValue(ctx, inWriteKey{}, true), run)
	}
	return out, err
}

// inWriteKey marks a context inside the write transaction around opened.
type inWriteKey struct{}

// writeWithContent is a write that carries content. check runs first in
// a read snapshot, so that a refused client does not upload gigabytes for
// nothing; the content stream its plan names (content) is staged outside
// any transaction; then check runs again and write follows, in one write
// transaction.
func writeWithContent[P any](c *core, ctx context.Context, check func(ctx context.Context) (P, error),
	content func(P) (*cmis.ContentStream, *cmis.ContentInfo), write func(ctx context.Context, plan P) error) error {
	if in, _ := ctx.Value(inWriteKey{}).(bool); in {
		// Inside a write already (createFolder shares create): check once.
		plan, err := check(ctx)
		if err != nil {
			return err
		}
		return write(ctx, plan)
	}
	var plan P
	err := c.tx.Read(ctx, func(ctx context.Context) (err error) {
		plan, err = check(ctx)
		return err
	})
	if err != nil {
		return err
	}
	if cs, prefix := content(plan); cs != nil {
		if ctx, err = c.tx.Stage(ctx, cs, prefix); err != nil {
			return err
		}
	}
	return c.tx.Write(ctx, func(ctx context.Context) error {
		plan, err := check(ctx)
		if err != nil {
			return err
		}
		return write(ctx, plan)
	})
}
