// Steps 11-21 of the JAX-WS scenario: Object + Navigation services (see ../README.md).
//
// The ObjectService and NavigationService ports come from their own live WSDL URLs
// (<base>/services/ObjectService?wsdl, <base>/services/NavigationService?wsdl, /services10/… for CMIS 1.0; one WSDL, so wsimport
// generated both from RepositoryService?wsdl already). MTOM is on (MTOMFeature(true), threshold 0):
// the 5 MiB content of createDocument goes as a binary MIME part referenced by xop:Include, and
// getContentStream's answer arrives the same way (a StreamingDataHandler read as a stream).
//
// How we know the upload really is an XOP package with a binary attachment: createDocument is sent
// through a loopback relay (Relay below) that forwards the bytes unchanged to the server and keeps
// the request's HTTP header block and the start of its body. Step 13 checks that the Content-Type is
// multipart/related with type="application/xop+xml", that the root part holds an xop:Include and
// that the request is smaller than base64 of the content would be (5 MiB of base64 is 6.99 MB).
//
// Settings the 5 MiB content needs on this stack:
//  * MTOMFeature(true) on the port.
//  * The WS-Security header is added with WSBindingProvider.setOutboundHeaders, not by the
//    SOAPHandler the Repository steps use. A SOAPHandler that calls getMessage() turns the message
//    into a SAAJ message: the RI then writes the content as base64 text inside the MTOM root part
//    (still multipart/related, but 6,993,385 bytes and no xop:Include; step 13 fails), and on the
//    way back parses the whole 5 MiB reply into SAAJ (getContentStream took 5.2 s instead of 0.05 s).
//  * HTTP chunking (JAXWSProperties.HTTP_CLIENT_STREAMING_CHUNK_SIZE = 64 KiB): not needed for 5 MiB
//    (without it the RI buffers the whole request to send a Content-Length, which also passes), but
//    it makes HttpURLConnection stream the request (Transfer-Encoding: chunked) instead of holding it
//    in memory.
//  * Request/connect timeouts (JAXWSProperties.REQUEST_TIMEOUT 60 s, CONNECT_TIMEOUT 10 s): the RI
//    default is to wait forever.

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import javax.activation.DataHandler;
import javax.activation.DataSource;
import javax.xml.namespace.QName;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.ws.BindingProvider;
import javax.xml.ws.Holder;
import javax.xml.ws.soap.MTOMFeature;

import org.w3c.dom.Document;
import org.w3c.dom.Element;

import com.sun.xml.ws.api.message.Headers;
import com.sun.xml.ws.developer.JAXWSProperties;
import com.sun.xml.ws.developer.WSBindingProvider;

import org.oasis_open.docs.ns.cmis.core._200908.CmisObjectType;
import org.oasis_open.docs.ns.cmis.core._200908.CmisPropertiesType;
import org.oasis_open.docs.ns.cmis.core._200908.CmisProperty;
import org.oasis_open.docs.ns.cmis.core._200908.CmisPropertyId;
import org.oasis_open.docs.ns.cmis.core._200908.CmisPropertyString;
import org.oasis_open.docs.ns.cmis.core._200908.CmisRepositoryInfoType;
import org.oasis_open.docs.ns.cmis.messaging._200908.CmisContentStreamType;
import org.oasis_open.docs.ns.cmis.messaging._200908.CmisObjectInFolderListType;
import org.oasis_open.docs.ns.cmis.messaging._200908.CmisObjectInFolderType;
import org.oasis_open.docs.ns.cmis.messaging._200908.CmisObjectParentsType;
import org.oasis_open.docs.ns.cmis.messaging._200908.DeleteTreeResponse;
import org.oasis_open.docs.ns.cmis.ws._200908.CmisException;
import org.oasis_open.docs.ns.cmis.ws._200908.NavigationService;
import org.oasis_open.docs.ns.cmis.ws._200908.NavigationServicePort;
import org.oasis_open.docs.ns.cmis.ws._200908.ObjectService;
import org.oasis_open.docs.ns.cmis.ws._200908.ObjectServicePort;
import org.oasis_open.docs.ns.cmis.ws._200908.RepositoryServicePort;

class ObjectNavigation {
    static final int CONTENT_SIZE = Steps.contentBytes(5 * 1024 * 1024);
    // Bytes 1000..5999; for a content smaller than that (CMIS_CONTENT_BYTES), its second quarter and third.
    static final int RANGE_OFFSET = CONTENT_SIZE >= 6000 ? 1000 : CONTENT_SIZE / 4;
    static final int RANGE_LENGTH = CONTENT_SIZE >= 6000 ? 5000 : CONTENT_SIZE / 2;
    static final int CHUNK = 64 * 1024;

    static final String[][] STEPS = {
        {"11.getRepositoryInfo(rootFolderId)", "getRepositoryInfo"},
        {"12.createFolder", "createFolder"},
        {"13.createDocument(5MiB,MTOM)", "createDocument"},
        {"14a.getContentStream(sha256)", "getContentStream"},
        {"14b.getContentStream(range)", "getContentStream"},
        {"15.getProperties", "getProperties"},
        {"16a.updateProperties(rename)", "updateProperties"},
        {"16b.updateProperties(oldToken)", "updateProperties"},
        {"17a.getChildren", "getChildren"},
        {"17b.getObjectByPath", "getObjectByPath"},
        {"17c.getChildren(paging,numItems past the server count)", "getChildren"},
        {"18a.createFolder(sub)", "createFolder"},
        {"18b.moveObject", "moveObject"},
        {"18c.getObjectParents", "getObjectParents"},
        {"18d.getObjectByPath(moved)", "getObjectByPath"},
        {"19.createDocument(duplicateName)", "createDocument"},
        {"20.deleteObject(nonEmptyFolder)", "deleteObject"},
        {"21a.deleteTree", "deleteTree"},
        {"21b.getObject(deleted)", "getObject"},
    };

    final Map<String, String> ops = new LinkedHashMap<>();
    final Map<String, Object> st = new LinkedHashMap<>();

    ObjectNavigation() {
        for (String[] s : STEPS) ops.put(s[0], s[1]);
    }

    /** Runs a step, or reports it not run when an earlier step did not give what it needs. */
    void step(String name, Steps.Step s, String... needs) {
        List<String> missing = new ArrayList<>();
        for (String k : needs) if (st.get(k) == null) missing.add(k);
        if (!missing.isEmpty()) {
            Steps.skip(name, ops.get(name), "no " + String.join(", ", missing) + " (an earlier step failed)");
            return;
        }
        Steps.run(name, ops.get(name), s);
    }

    String s(String k) { return (String) st.get(k); }

    /** wsse:Security with a PasswordText UsernameToken, as a DOM element for Headers.create. */
    static Element wsseHeader(String user, String password) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Document d = f.newDocumentBuilder().newDocument();
        String soap = "http://schemas.xmlsoap.org/soap/envelope/";
        Element sec = d.createElementNS(Steps.WSSE, "wsse:Security");
        sec.setAttributeNS("http://www.w3.org/2000/xmlns/", "xmlns:S", soap);
        sec.setAttributeNS(soap, "S:mustUnderstand", "1");
        Element tok = d.createElementNS(Steps.WSSE, "wsse:UsernameToken");
        Element u = d.createElementNS(Steps.WSSE, "wsse:Username");
        u.setTextContent(user);
        Element p = d.createElementNS(Steps.WSSE, "wsse:Password");
        p.setAttribute("Type", Steps.PASSWORD_TEXT);
        p.setTextContent(password);
        tok.appendChild(u);
        tok.appendChild(p);
        sec.appendChild(tok);
        d.appendChild(sec);
        return sec;
    }

    /** MTOM, chunked streaming, timeouts and the UsernameToken header on a generated port. */
    static <T> T configure(T port, String user, String password) throws Exception {
        WSBindingProvider bp = (WSBindingProvider) port;
        bp.setOutboundHeaders(Headers.create(wsseHeader(user, password)));
        Map<String, Object> rc = bp.getRequestContext();
        rc.put(JAXWSProperties.HTTP_CLIENT_STREAMING_CHUNK_SIZE, CHUNK);
        rc.put(JAXWSProperties.CONNECT_TIMEOUT, 10_000);
        rc.put(JAXWSProperties.REQUEST_TIMEOUT, 60_000);
        return port;
    }

    static CmisPropertiesType props(String typeId, String name) {
        CmisPropertiesType p = new CmisPropertiesType();
        if (typeId != null) {
            CmisPropertyId t = new CmisPropertyId();
            t.setPropertyDefinitionId("cmis:objectTypeId");
            t.getValue().add(typeId);
            p.getProperty().add(t);
        }
        CmisPropertyString n = new CmisPropertyString();
        n.setPropertyDefinitionId("cmis:name");
        n.getValue().add(name);
        p.getProperty().add(n);
        return p;
    }

    /** The first value of a property, whatever its kind (every kind has getValue()). */
    static Object one(CmisPropertiesType p, String id) throws Exception {
        if (p == null) return null;
        for (CmisProperty x : p.getProperty()) {
            if (id.equals(x.getPropertyDefinitionId())) {
                List<?> v = (List<?>) x.getClass().getMethod("getValue").invoke(x);
                return v == null || v.isEmpty() ? null : v.get(0);
            }
        }
        return null;
    }

    /** Whether a property is there at all, with or without a value. */
    static boolean has(CmisPropertiesType p, String id) {
        if (p != null) for (CmisProperty x : p.getProperty()) if (id.equals(x.getPropertyDefinitionId())) return true;
        return false;
    }

    static Object one(CmisObjectType o, String id) throws Exception {
        return o == null ? null : one(o.getProperties(), id);
    }

    interface Call { void call() throws Exception; }

    static void expectFault(Call c, String want) throws Exception {
        try {
            c.call();
        } catch (CmisException e) {
            Steps.expect(want.equals(Steps.faultType(e)), Steps.describe(e) + ", wanted cmisFault type " + want);
            return;
        }
        throw new Steps.Check("no fault (wanted " + want + ")");
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) sb.append(String.format("%02x", x));
        return sb.toString();
    }

    static final class Bytes implements DataSource {
        final byte[] b;
        final String type, name;
        Bytes(byte[] b, String type, String name) { this.b = b; this.type = type; this.name = name; }
        public InputStream getInputStream() { return new ByteArrayInputStream(b); }
        public OutputStream getOutputStream() throws IOException { throw new IOException("read-only"); }
        public String getContentType() { return type; }
        public String getName() { return name; }
    }

    static CmisContentStreamType content(byte[] data, String mime, String name) {
        CmisContentStreamType cs = new CmisContentStreamType();
        cs.setLength(BigInteger.valueOf(data.length));
        cs.setMimeType(mime);
        cs.setFilename(name);
        cs.setStream(new DataHandler(new Bytes(data, mime, name)));
        return cs;
    }

    /**
     * A loopback TCP relay to the server that forwards every byte unchanged and keeps, per
     * connection, the first 16 KiB the client sent (HTTP header block and the start of the body)
     * and the number of bytes it sent. One port object talks through it for one request.
     */
    static final class Relay {
        final ServerSocket ss;
        volatile byte[] head = new byte[0];
        final AtomicLong up = new AtomicLong();

        Relay(String host, int port) throws IOException {
            ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread t = new Thread(() -> {
                while (true) {
                    try {
                        Socket c = ss.accept();
                        Socket s = new Socket(host, port);
                        pump(c, s, true);
                        pump(s, c, false);
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "relay");
            t.setDaemon(true);
            t.start();
        }

        int port() { return ss.getLocalPort(); }

        void pump(Socket from, Socket to, boolean upstream) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[64 * 1024];
                byte[] h = new byte[16 * 1024];
                int hn = 0;
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        if (upstream) {
                            up.addAndGet(n);
                            if (hn < h.length) {
                                int k = Math.min(n, h.length - hn);
                                System.arraycopy(buf, 0, h, hn, k);
                                hn += k;
                                head = Arrays.copyOf(h, hn);
                            }
                        }
                        out.write(buf, 0, n);
                        out.flush();
                    }
                } catch (IOException e) {
                    // connection closed by either side
                } finally {
                    try { from.close(); } catch (IOException e) { }
                    try { to.close(); } catch (IOException e) { }
                }
            }, upstream ? "relay-up" : "relay-down");
            t.setDaemon(true);
            t.start();
        }

        String headText() { return new String(head, StandardCharsets.ISO_8859_1); }

        void close() { try { ss.close(); } catch (IOException e) { } }
    }

    static String header(String head, String name) {
        for (String line : head.split("\r\n")) {
            if (line.isEmpty()) break;
            int i = line.indexOf(':');
            if (i > 0 && line.substring(0, i).trim().equalsIgnoreCase(name)) return line.substring(i + 1).trim();
        }
        return null;
    }

    void run(String base, String user, String password, String repo, RepositoryServicePort repoPort) {
        if (repo == null) {
            for (String[] s : STEPS) Steps.skip(s[0], s[1], "no repositoryId");
            return;
        }
        final ObjectService osvc;
        final ObjectServicePort obj;
        final NavigationServicePort nav;
        final URL objWsdl;
        try {
            objWsdl = new URL(base + Steps.services + "/ObjectService?wsdl");
            osvc = new ObjectService(objWsdl, new QName(Steps.CMISW, "ObjectService"));
            obj = configure(osvc.getObjectServicePort(new MTOMFeature(true)), user, password);
            NavigationService nsvc = new NavigationService(new URL(base + Steps.services + "/NavigationService?wsdl"),
                new QName(Steps.CMISW, "NavigationService"));
            nav = configure(nsvc.getNavigationServicePort(new MTOMFeature(true)), user, password);
        } catch (Throwable e) {
            Steps.failed++;
            System.out.println("FAIL " + Steps.FW + " 11.loadWSDL(Object,Navigation): GET ?wsdl " + Steps.describe(e));
            e.printStackTrace();
            for (String[] s : STEPS) Steps.skip(s[0], s[1], "WSDL not loaded");
            return;
        }
        String objAddr = (String) ((BindingProvider) obj).getRequestContext().get(BindingProvider.ENDPOINT_ADDRESS_PROPERTY);
        System.err.println("note: ObjectService endpoint from WSDL: " + objAddr + "; NavigationService: "
            + ((BindingProvider) nav).getRequestContext().get(BindingProvider.ENDPOINT_ADDRESS_PROPERTY));

        final String suffix = String.format("%08x", new Random().nextInt() & 0xffffffffL);
        final String folderName = "scen-" + suffix;
        final byte[] data = new byte[CONTENT_SIZE];
        new Random().nextBytes(data);
        final String sha;
        try {
            sha = hex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (Exception e) {
            throw new RuntimeException(e);
        }

        step("11.getRepositoryInfo(rootFolderId)", () -> {
            CmisRepositoryInfoType info = repoPort.getRepositoryInfo(repo, null);
            Steps.expect(info != null && info.getRootFolderId() != null && !info.getRootFolderId().isEmpty(),
                "rootFolderId=" + (info == null ? null : info.getRootFolderId()));
            st.put("root", info.getRootFolderId());
        });

        step("12.createFolder", () -> {
            Holder<String> id = new Holder<>();
            obj.createFolder(repo, props("cmis:folder", folderName), s("root"), null, null, null, new Holder<>(), id);
            Steps.expect(id.value != null && !id.value.isEmpty(), "objectId=" + id.value);
            st.put("folder", id.value);
        }, "root");

        step("13.createDocument(5MiB,MTOM)", () -> {
            // A port of its own, whose endpoint is the relay in front of the server.
            URL u = new URL(objAddr);
            Relay relay = new Relay(u.getHost(), u.getPort() < 0 ? u.getDefaultPort() : u.getPort());
            try {
                ObjectServicePort up = configure(osvc.getObjectServicePort(new MTOMFeature(true)), user, password);
                ((BindingProvider) up).getRequestContext().put(BindingProvider.ENDPOINT_ADDRESS_PROPERTY,
                    new URL(u.getProtocol(), "127.0.0.1", relay.port(), u.getFile()).toString());
                long t0 = System.nanoTime();
                Holder<String> id = new Holder<>();
                up.createDocument(repo, props("cmis:document", "doc.bin"), s("folder"),
                    content(data, "application/octet-stream", "doc.bin"), null, null, null, null, new Holder<>(), id);
                Steps.expect(id.value != null && !id.value.isEmpty(), "objectId=" + id.value);
                st.put("doc", id.value);
                String head = relay.headText();
                String ct = header(head, "Content-Type");
                int body = head.indexOf("\r\n\r\n");
                String bodyStart = body < 0 ? "" : head.substring(body + 4);
                System.err.printf("note: createDocument request: Content-Type %s; Transfer-Encoding %s; %d bytes on the wire for %d content bytes; %.2fs%n",
                    ct, header(head, "Transfer-Encoding"), relay.up.get(), data.length, (System.nanoTime() - t0) / 1e9);
                Steps.expect(ct != null && ct.toLowerCase().startsWith("multipart/related")
                    && ct.toLowerCase().contains("application/xop+xml"), "request Content-Type " + ct + ", not an XOP package");
                Steps.expect(bodyStart.contains("Include") && bodyStart.contains("cid:"),
                    "the root part has no xop:Include (content inline?)");
                Steps.expect(relay.up.get() < data.length + 64 * 1024,
                    relay.up.get() + " bytes sent for " + data.length + " content bytes: not a binary attachment");
            } finally {
                relay.close();
            }
        }, "folder");

        step("14a.getContentStream(sha256)", () -> {
            long t0 = System.nanoTime();
            CmisContentStreamType cs = obj.getContentStream(repo, s("doc"), null, null, null, null);
            Steps.expect(cs != null && cs.getStream() != null, "no contentStream/stream");
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            long n = 0;
            try (InputStream in = cs.getStream().getInputStream()) {
                byte[] buf = new byte[64 * 1024];
                int k;
                while ((k = in.read(buf)) > 0) { md.update(buf, 0, k); n += k; }
            }
            String got = hex(md.digest());
            Steps.expect(got.equals(sha), "sha256 " + got + " (" + n + " bytes) != uploaded " + sha + " (" + data.length + " bytes)");
            Steps.expect("application/octet-stream".equals(cs.getMimeType()), "mimeType=" + cs.getMimeType());
            Steps.expect(cs.getLength() == null || cs.getLength().longValue() == CONTENT_SIZE, "length=" + cs.getLength());
            Steps.expect("doc.bin".equals(cs.getFilename()), "filename=" + cs.getFilename());
            System.err.printf("note: getContentStream returned %d bytes as %s, sha256 matches, %.2fs%n", n,
                cs.getStream().getClass().getSimpleName(), (System.nanoTime() - t0) / 1e9);
        }, "doc");

        step("14b.getContentStream(range)", () -> {
            CmisContentStreamType cs = obj.getContentStream(repo, s("doc"), null,
                BigInteger.valueOf(RANGE_OFFSET), BigInteger.valueOf(RANGE_LENGTH), null);
            Steps.expect(cs != null && cs.getStream() != null, "no contentStream/stream");
            byte[] got;
            try (InputStream in = cs.getStream().getInputStream()) {
                got = in.readAllBytes();
            }
            byte[] want = Arrays.copyOfRange(data, RANGE_OFFSET, RANGE_OFFSET + RANGE_LENGTH);
            Steps.expect(Arrays.equals(got, want), got.length + " bytes, not bytes " + RANGE_OFFSET + ".."
                + (RANGE_OFFSET + RANGE_LENGTH - 1) + " of the content");
            Steps.expect(cs.getLength() == null || cs.getLength().longValue() == RANGE_LENGTH, "length=" + cs.getLength() + ", wanted " + RANGE_LENGTH);
        }, "doc");

        step("15.getProperties", () -> {
            CmisPropertiesType p = obj.getProperties(repo, s("doc"), null, null);
            Steps.expect(p != null, "no properties");
            Object len = one(p, "cmis:contentStreamLength");
            Steps.expect(len != null && ((BigInteger) len).longValue() == CONTENT_SIZE, "cmis:contentStreamLength=" + len);
            Steps.expect("doc.bin".equals(one(p, "cmis:name")), "cmis:name=" + one(p, "cmis:name"));
            Steps.expect(user.equals(one(p, "cmis:createdBy")), "cmis:createdBy=" + one(p, "cmis:createdBy"));
            Object tok = one(p, "cmis:changeToken");
            Steps.expect(tok != null && !tok.toString().isEmpty(), "cmis:changeToken=" + tok);
            for (String only11 : new String[] {"cmis:description", "cmis:secondaryObjectTypeIds", "cmis:isPrivateWorkingCopy"}) {
                Steps.expect(!Steps.v10 || !has(p, only11), "CMIS 1.1's " + only11 + " in a CMIS 1.0 answer");
            }
            st.put("token", tok.toString());
        }, "doc");

        step("16a.updateProperties(rename)", () -> {
            Holder<String> id = new Holder<>(s("doc"));
            Holder<String> tok = new Holder<>(s("token"));
            obj.updateProperties(repo, id, tok, props(null, "renamed.bin"), new Holder<>());
            Steps.expect(tok.value != null && !tok.value.isEmpty() && !tok.value.equals(s("token")),
                "changeToken " + tok.value + " (old " + s("token") + ")");
            Steps.expect(s("doc").equals(id.value), "objectId " + id.value + " != " + s("doc"));
            st.put("renamed", Boolean.TRUE);
        }, "token");

        step("16b.updateProperties(oldToken)", () -> expectFault(() -> obj.updateProperties(repo,
            new Holder<>(s("doc")), new Holder<>(s("token")), props(null, "renamed.bin"), new Holder<>()), "updateConflict"),
            "renamed");

        step("17a.getChildren", () -> {
            CmisObjectInFolderListType l = nav.getChildren(repo, s("folder"), null, null, null, null, null, true, null, null, null);
            Steps.expect(l != null, "no objects");
            List<String> got = new ArrayList<>();
            for (CmisObjectInFolderType o : l.getObjects()) got.add(one(o.getObject(), "cmis:objectId") + "/" + o.getPathSegment());
            Steps.expect(got.equals(List.of(s("doc") + "/renamed.bin")), "children " + got + ", wanted only " + s("doc") + "/renamed.bin");
            Steps.expect(BigInteger.ONE.equals(l.getNumItems()), "numItems=" + l.getNumItems());
            Steps.expect(!l.isHasMoreItems(), "hasMoreItems=true");
        }, "renamed");

        step("17b.getObjectByPath", () -> {
            CmisObjectType o = obj.getObjectByPath(repo, "/" + folderName + "/renamed.bin", null, null, null, null, null, null, null);
            Steps.expect(s("doc").equals(one(o, "cmis:objectId")), "objectId " + one(o, "cmis:objectId") + " != " + s("doc"));
        }, "renamed");

        // Seven children read three at a time from a server that counts at
        // most five (--max-count 5): numItems is left out (null) until the
        // last page, hasMoreItems is always there.
        step("17c.getChildren(paging,numItems past the server count)", () -> {
            Holder<String> paging = new Holder<>();
            obj.createFolder(repo, props("cmis:folder", "paging"), s("folder"), null, null, null, new Holder<>(), paging);
            List<String> want = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                want.add("p" + i);
                obj.createFolder(repo, props("cmis:folder", "p" + i), paging.value, null, null, null, new Holder<>(), new Holder<>());
            }
            List<Object> got = new ArrayList<>();
            Object[][] pages = {{0, true, null}, {3, true, null}, {6, false, BigInteger.valueOf(7)}};
            for (Object[] pg : pages) {
                CmisObjectInFolderListType l = nav.getChildren(repo, paging.value, null, "cmis:name", null, null, null, null,
                    BigInteger.valueOf(3), BigInteger.valueOf((Integer) pg[0]), null);
                for (CmisObjectInFolderType o : l.getObjects()) got.add(one(o.getObject(), "cmis:name"));
                Steps.expect(java.util.Objects.equals(pg[2], l.getNumItems()), "skip " + pg[0] + ": numItems=" + l.getNumItems() + ", wanted " + pg[2]);
                Steps.expect(l.isHasMoreItems() == (Boolean) pg[1], "skip " + pg[0] + ": hasMoreItems=" + l.isHasMoreItems());
            }
            Steps.expect(got.equals(want), "children " + got + ", wanted " + want);
        }, "folder");

        step("18a.createFolder(sub)", () -> {
            Holder<String> id = new Holder<>();
            obj.createFolder(repo, props("cmis:folder", "sub"), s("folder"), null, null, null, new Holder<>(), id);
            Steps.expect(id.value != null && !id.value.isEmpty(), "objectId=" + id.value);
            st.put("sub", id.value);
        }, "folder");

        step("18b.moveObject", () -> {
            Holder<String> id = new Holder<>(s("doc"));
            obj.moveObject(repo, id, s("sub"), s("folder"), new Holder<>());
            Steps.expect(s("doc").equals(id.value), "objectId " + id.value + " != " + s("doc"));
            st.put("moved", Boolean.TRUE);
        }, "sub", "renamed");

        step("18c.getObjectParents", () -> {
            List<CmisObjectParentsType> ps = nav.getObjectParents(repo, s("doc"), null, null, null, null, true, null);
            List<String> got = new ArrayList<>();
            for (CmisObjectParentsType p : ps) {
                got.add(one(p.getObject(), "cmis:objectId") + "/" + one(p.getObject(), "cmis:name") + "/" + p.getRelativePathSegment());
            }
            Steps.expect(got.equals(List.of(s("sub") + "/sub/renamed.bin")), "parents " + got + ", wanted only " + s("sub") + "/sub/renamed.bin");
        }, "moved");

        step("18d.getObjectByPath(moved)", () -> {
            CmisObjectType o = obj.getObjectByPath(repo, "/" + folderName + "/sub/renamed.bin", null, null, null, null, null, null, null);
            Steps.expect(s("doc").equals(one(o, "cmis:objectId")), "objectId " + one(o, "cmis:objectId") + " != " + s("doc"));
        }, "moved");

        // renamed.bin exists in sub (or, if the move failed, in the folder itself)
        step("19.createDocument(duplicateName)", () -> expectFault(() -> obj.createDocument(repo,
            props("cmis:document", "renamed.bin"), st.get("moved") != null ? s("sub") : s("folder"),
            content("dup".getBytes(StandardCharsets.US_ASCII), "text/plain", "renamed.bin"),
            null, null, null, null, new Holder<>(), new Holder<>()), "nameConstraintViolation"), "renamed");

        step("20.deleteObject(nonEmptyFolder)", () -> expectFault(() ->
            obj.deleteObject(repo, s("folder"), null, new Holder<>()), "constraint"), "doc");

        step("21a.deleteTree", () -> {
            DeleteTreeResponse.FailedToDelete f = obj.deleteTree(repo, s("folder"), null, null, null, null);
            Steps.expect(f != null, "failedToDelete missing");
            Steps.expect(f.getObjectIds().isEmpty(), "failedToDelete objectIds " + f.getObjectIds());
            st.put("treeDeleted", Boolean.TRUE);
        }, "folder");

        step("21b.getObject(deleted)", () -> expectFault(() ->
            obj.getObject(repo, s("doc"), null, null, null, null, null, null, null), "objectNotFound"), "treeDeleted", "doc");

        // Not a step: leave no folder behind when deleteTree did not run or failed.
        if (st.get("folder") != null && st.get("treeDeleted") == null) {
            try {
                obj.deleteTree(repo, s("folder"), null, null, true, null);
                System.err.println("note: cleanup: deleteTree(" + folderName + ")");
            } catch (Throwable e) {
                System.err.println("note: cleanup deleteTree(" + folderName + "): " + Steps.describe(e));
            }
        }
    }
}
