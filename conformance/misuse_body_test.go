package conformance

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Bodies that are not what they declare (#13.6): the boundary is not
// declared, two parts share a Content-ID, the body ends before its
// Content-Length or without its last chunk. Each is refused with a Client
// fault and changes nothing, however complete the SOAP message and its
// content look.
func bodyMisuseCases() []misuseCase {
	const client = "Client"
	// A complete createDocument with its content inline in the MTOM root
	// part: nothing is streamed once the XML is read.
	mtomInline := func(e *misuseEnv) []byte {
		env := soapEnvelope("test", "test", createDocumentXML(e.repo, e.folderA, "new.bin",
			contentStreamXML(-1, "new.bin", base64.StdEncoding.EncodeToString(randomBytes(64<<10)))))
		return joinChunks(mtomBody(mtomBoundary, env))
	}
	textCreate := func(e *misuseEnv) []byte {
		return []byte(soapEnvelope("test", "test", createDocumentXML(e.repo, e.folderA, "new.bin",
			contentStreamXML(-1, "new.bin", base64.StdEncoding.EncodeToString(randomBytes(64<<10))))))
	}
	mtomCreate := func(e *misuseEnv) []byte { b, _ := e.mtomCreate("new.bin", 64<<10); return b }
	const text = "text/xml; charset=utf-8"
	mtom := mtomContentType(mtomBoundary)
	return []misuseCase{
		{
			name: "MTOM without a declared boundary, the body starts with a delimiter",
			send: func(e *misuseEnv) (*soapReply, error) {
				ct := `multipart/related; type="application/xop+xml"; start="<` + mtomRootCID + `>"; start-info="text/xml"`
				return e.postRaw(ct, mtomCreate(e))
			},
			wantCode: client, wantType: "invalidArgument", wantMessage: "without a boundary",
		},
		{
			name: "two MIME parts with one Content-ID",
			send: func(e *misuseEnv) (*soapReply, error) {
				env := soapEnvelope("test", "test", createDocumentXML(e.repo, e.folderA, "new.bin",
					contentStreamXML(1000, "new.bin", xopIncludeOf(mtomContentCID))))
				return e.postRaw(mtom, joinChunks(mtomBody(mtomBoundary, env,
					mtomAttachment{mtomContentCID, randomBytes(1000)}, mtomAttachment{mtomContentCID, randomBytes(1000)})))
			},
			wantCode: client, wantType: "invalidArgument", wantMessage: mtomContentCID,
		},
		{
			name:     "MTOM createDocument whole, but short of its Content-Length",
			send:     func(e *misuseEnv) (*soapReply, error) { return e.postCut(mtom, mtomCreate(e), false) },
			wantCode: client, wantType: "invalidArgument",
		},
		{
			name:     "MTOM createDocument with inline content, short of its Content-Length",
			send:     func(e *misuseEnv) (*soapReply, error) { return e.postCut(mtom, mtomInline(e), false) },
			wantCode: client, wantType: "invalidArgument",
		},
		{
			name:     "text/xml createDocument whole, but short of its Content-Length",
			send:     func(e *misuseEnv) (*soapReply, error) { return e.postCut(text, textCreate(e), false) },
			wantCode: client, wantType: "invalidArgument",
		},
		{
			name:     "MTOM createDocument chunked without the last chunk",
			send:     func(e *misuseEnv) (*soapReply, error) { return e.postCut(mtom, mtomCreate(e), true) },
			wantCode: client, wantType: "invalidArgument",
		},
		{
			name:     "MTOM createDocument with inline content, chunked without the last chunk",
			send:     func(e *misuseEnv) (*soapReply, error) { return e.postCut(mtom, mtomInline(e), true) },
			wantCode: client, wantType: "invalidArgument",
		},
		{
			name:     "text/xml createDocument chunked without the last chunk",
			send:     func(e *misuseEnv) (*soapReply, error) { return e.postCut(text, textCreate(e), true) },
			wantCode: client, wantType: "invalidArgument",
		},
	}
}

// rawConn dials the server for a hand-made request and returns the
// connection and the request head for a POST to the ObjectService.
func (e *misuseEnv) rawConn(contentType, framing string) (net.Conn, string) {
	e.t.Helper()
	u, err := url.Parse(e.c.base)
	if err != nil {
		e.t.Fatal(err)
	}
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		e.t.Fatal(err)
	}
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	head := fmt.Sprintf("POST /services/ObjectService HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nSOAPAction: \"\"\r\n%s\r\n\r\n",
		u.Host, contentType, framing)
	return conn, head
}

// postCut sends all of body and closes the sending side, but by HTTP's
// rules the body is not complete: it declares a Content-Length 1000 bytes
// longer, or (chunked) its last chunk never comes. It returns the answer.
func (e *misuseEnv) postCut(contentType string, body []byte, chunked bool) (*soapReply, error) {
	e.t.Helper()
	framing := fmt.Sprintf("Content-Length: %d", len(body)+1000)
	if chunked {
		framing = "Transfer-Encoding: chunked"
		body = append([]byte(fmt.Sprintf("%x\r\n", len(body))), append(body, "\r\n"...)...)
	}
	conn, head := e.rawConn(contentType, framing)
	defer conn.Close()
	if _, err := io.WriteString(conn, head); err != nil {
		return nil, err
	}
	if _, err := conn.Write(body); err != nil {
		return nil, err
	}
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return parseReply(resp.StatusCode, resp.Header.Get("Content-Type"), raw)
}
