package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// MaxAnswer is the largest answer a call reads; a larger one is an error.
const MaxAnswer = 256 << 20

// Config says how a Client reaches a server and how it packages requests.
type Config struct {
	URL      string // base URL; the services are at URL/services/<Service>
	User     string
	Password string
	Basic    bool // HTTP Basic instead of the UsernameToken
	Text     bool // text/xml instead of a one-part MTOM package
	Clients  int  // connections to keep alive (default 8)
	Timeout  time.Duration
	// HTTP replaces the keep-alive client NewClient makes (the content
	// benchmarks use one with large buffers).
	HTTP *http.Client
}

// Client sends SOAP requests to one server.
type Client struct {
	cfg  Config
	http *http.Client
	Repo string // repository id, from Discover
	Root string // its root folder id, from Discover
}

// NewClient makes a client with a keep-alive transport sized for
// cfg.Clients connections.
func NewClient(cfg Config) *Client {
	cfg.URL = strings.TrimRight(cfg.URL, "/")
	if cfg.Clients < 1 {
		cfg.Clients = 8
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	hc := cfg.HTTP
	if hc == nil {
		tr := &http.Transport{
			Proxy:               nil, // loopback benchmarks: never a proxy
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        cfg.Clients * 2,
			MaxIdleConnsPerHost: cfg.Clients * 2,
			MaxConnsPerHost:     cfg.Clients,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
			WriteBufferSize:     64 << 10,
			ReadBufferSize:      64 << 10,
		}
		hc = &http.Client{Transport: tr, Timeout: cfg.Timeout}
	}
	return &Client{cfg: cfg, http: hc}
}

// HTTP is the client's HTTP client.
func (c *Client) HTTP() *http.Client { return c.http }

// URL is the address of a service.
func (c *Client) URL(service string) string { return c.cfg.URL + "/services/" + service }

// Envelope is body in a SOAP envelope with this client's credentials
// (unless it sends HTTP Basic), stamped now.
func (c *Client) Envelope(body string) []byte {
	header := ""
	if !c.cfg.Basic {
		header = Security(c.cfg.User, c.cfg.Password, time.Now())
	}
	return Envelope(header, body)
}

// Request builds the HTTP request of a Body element: text/xml or a
// one-part MTOM package as configured; with parts, always MTOM.
func (c *Client) Request(ctx context.Context, service, action, body string, parts ...Part) (*http.Request, error) {
	data, ct := c.Envelope(body), TextXML
	if !c.cfg.Text || len(parts) > 0 {
		data, ct = MTOM(data, parts...)
	}
	return c.Post(ctx, service, action, ct, bytes.NewReader(data), int64(len(data)))
}

// Post builds a request of any body, with the headers of a SOAP call.
func (c *Client) Post(ctx context.Context, service, action, contentType string, body io.Reader, length int64) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL(service), body)
	if err != nil {
		return nil, err
	}
	req.ContentLength = length
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("SOAPAction", `"`+action+`"`)
	req.Header.Set("Accept", "text/xml, multipart/related")
	req.Header.Set("User-Agent", "cmisd-load/1")
	if c.cfg.Basic {
		req.SetBasicAuth(c.cfg.User, c.cfg.Password)
	}
	return req, nil
}

// Do sends req and reads the whole answer into buf.
func (c *Client) Do(req *http.Request, buf *bytes.Buffer) (status int, err error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	buf.Reset()
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, MaxAnswer+1))
	if err != nil {
		return resp.StatusCode, err
	}
	if n > MaxAnswer {
		return resp.StatusCode, fmt.Errorf("answer larger than %d bytes", MaxAnswer)
	}
	return resp.StatusCode, nil
}

// Call sends one request and returns its answer; anything but 200 is an
// error quoting the fault string.
func (c *Client) Call(ctx context.Context, service, action, body string, parts ...Part) ([]byte, error) {
	req, err := c.Request(ctx, service, action, body, parts...)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	status, err := c.Do(req, &buf)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", action, err)
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("%s: HTTP %d: %s", action, status, FaultString(buf.Bytes()))
	}
	return buf.Bytes(), nil
}

// FaultString is the faultstring of an answer, else its beginning.
func FaultString(answer []byte) string {
	if msg := FirstElement(answer, "faultstring"); msg != "" {
		return msg
	}
	return Truncate(string(answer), 300)
}

// Discover finds the repository (the first getRepositories names, unless
// Repo is set) and its root folder.
func (c *Client) Discover(ctx context.Context) error {
	if c.Repo == "" {
		out, err := c.Call(ctx, "RepositoryService", "getRepositories", `<cmism:getRepositories/>`)
		if err != nil {
			return err
		}
		if c.Repo = FirstElement(out, "repositoryId"); c.Repo == "" {
			return errors.New("getRepositories names no repository")
		}
	}
	out, err := c.Call(ctx, "RepositoryService", "getRepositoryInfo",
		`<cmism:getRepositoryInfo>`+c.repoXML()+`</cmism:getRepositoryInfo>`)
	if err != nil {
		return err
	}
	if c.Root = FirstElement(out, "rootFolderId"); c.Root == "" {
		return errors.New("getRepositoryInfo has no rootFolderId")
	}
	return nil
}

func (c *Client) repoXML() string {
	return `<cmism:repositoryId>` + Escape(c.Repo) + `</cmism:repositoryId>`
}

// Properties is the properties element of a new object.
func Properties(typeID, name string) string {
	return `<cmism:properties><cmis:propertyId propertyDefinitionId="cmis:objectTypeId"><cmis:value>` + Escape(typeID) +
		`</cmis:value></cmis:propertyId><cmis:propertyString propertyDefinitionId="cmis:name"><cmis:value>` +
		Escape(name) + `</cmis:value></cmis:propertyString></cmism:properties>`
}

// CreateFolderXML is the Body element of a createFolder.
func (c *Client) CreateFolderXML(parent, name string) string {
	return `<cmism:createFolder>` + c.repoXML() + Properties("cmis:folder", name) +
		`<cmism:folderId>` + Escape(parent) + `</cmism:folderId></cmism:createFolder>`
}

// CreateDocumentXML is the Body element of a createDocument whose
// <stream> holds stream (base64 text or an xop:Include).
func (c *Client) CreateDocumentXML(folder, name, mimeType string, length int64, stream string) string {
	return `<cmism:createDocument>` + c.repoXML() + Properties("cmis:document", name) +
		`<cmism:folderId>` + Escape(folder) + `</cmism:folderId><cmism:contentStream>` +
		`<cmism:length>` + fmt.Sprint(length) + `</cmism:length><cmism:mimeType>` + Escape(mimeType) + `</cmism:mimeType>` +
		`<cmism:filename>` + Escape(name) + `</cmism:filename><cmism:stream>` + stream + `</cmism:stream></cmism:contentStream>` +
		`</cmism:createDocument>`
}

// CreateFolder creates a folder and returns its id.
func (c *Client) CreateFolder(ctx context.Context, parent, name string) (string, error) {
	out, err := c.Call(ctx, "ObjectService", "createFolder", c.CreateFolderXML(parent, name))
	if err != nil {
		return "", err
	}
	return ObjectID(out, "createFolder "+name)
}

// CreateDocument creates a document whose content goes as an MTOM
// attachment, and returns its id.
func (c *Client) CreateDocument(ctx context.Context, folder, name, mimeType string, content []byte) (string, error) {
	const cid = "content-1@cmisd-load"
	out, err := c.Call(ctx, "ObjectService", "createDocument",
		c.CreateDocumentXML(folder, name, mimeType, int64(len(content)), Include(cid)), Part{cid, content})
	if err != nil {
		return "", err
	}
	return ObjectID(out, "createDocument "+name)
}

// DeleteTree deletes a folder and everything in it.
func (c *Client) DeleteTree(ctx context.Context, folder string) error {
	_, err := c.Call(ctx, "ObjectService", "deleteTree", `<cmism:deleteTree>`+c.repoXML()+
		`<cmism:folderId>`+Escape(folder)+`</cmism:folderId><cmism:allVersions>true</cmism:allVersions>`+
		`<cmism:unfileObjects>delete</cmism:unfileObjects><cmism:continueOnFailure>false</cmism:continueOnFailure></cmism:deleteTree>`)
	return err
}

// ObjectID is the objectId an answer names; its absence is an error about what.
func ObjectID(answer []byte, what string) (string, error) {
	if id := FirstElement(answer, "objectId"); id != "" {
		return id, nil
	}
	return "", fmt.Errorf("%s: no objectId in the answer", what)
}
