// CMIS 1.1 scenario on JAX-WS RI 2.3 (Debian jaxws / libjaxws-java), OpenJDK 17: the Repository
// steps 1-10 here, the Object + Navigation steps 11-21 in ObjectNavigation.java, the Versioning,
// MultiFiling, Relationship, Policy, ACL and Discovery steps 22-29 in MoreServices.java, the change
// log steps 30a-30c in ChangeLog.java.
//
//   conformance/clients/jaxws/run.sh http://127.0.0.1:18080 admin PASSWORD
//
// run.sh generates the port classes with `wsimport` from the live <base>/services/RepositoryService?wsdl
// and compiles this file against them. At run time the Service is built from the same live WSDL URL,
// so the endpoint address is the WSDL's soap:address. MTOM is on (MTOMFeature): every request is a
// multipart/related XOP package. The WS-Security UsernameToken (PasswordText, S:mustUnderstand="1")
// is added by a SOAPHandler, which also keeps the last inbound envelope so that the scenario can
// check elements that JAXB maps to primitives (hasMoreItems, versionable), whose absence JAXB hides.
//
// Each step prints "PASS jaxws <step>" or "FAIL jaxws <step>: <operation> <fault type or error>";
// the run ends with "N passed, M failed" and exits 1 if M > 0.

import java.math.BigInteger;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import javax.xml.namespace.QName;
import javax.xml.soap.SOAPElement;
import javax.xml.soap.SOAPEnvelope;
import javax.xml.soap.SOAPException;
import javax.xml.soap.SOAPHeader;
import javax.xml.soap.SOAPMessage;
import javax.xml.ws.BindingProvider;
import javax.xml.ws.Holder;
import javax.xml.ws.WebServiceException;
import javax.xml.ws.handler.Handler;
import javax.xml.ws.handler.MessageContext;
import javax.xml.ws.handler.soap.SOAPHandler;
import javax.xml.ws.handler.soap.SOAPMessageContext;
import javax.xml.ws.soap.MTOMFeature;
import javax.xml.ws.soap.SOAPFaultException;

import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import org.oasis_open.docs.ns.cmis.core._200908.CmisPropertyDefinitionType;
import org.oasis_open.docs.ns.cmis.core._200908.CmisPropertyIdDefinitionType;
import org.oasis_open.docs.ns.cmis.core._200908.CmisPropertyIntegerDefinitionType;
import org.oasis_open.docs.ns.cmis.core._200908.CmisPropertyStringDefinitionType;
import org.oasis_open.docs.ns.cmis.core._200908.CmisRepositoryCapabilitiesType;
import org.oasis_open.docs.ns.cmis.core._200908.CmisRepositoryInfoType;
import org.oasis_open.docs.ns.cmis.core._200908.CmisTypeDefinitionType;
import org.oasis_open.docs.ns.cmis.core._200908.CmisTypeDocumentDefinitionType;
import org.oasis_open.docs.ns.cmis.core._200908.EnumBaseObjectTypeIds;
import org.oasis_open.docs.ns.cmis.core._200908.EnumCardinality;
import org.oasis_open.docs.ns.cmis.core._200908.EnumContentStreamAllowed;
import org.oasis_open.docs.ns.cmis.core._200908.EnumPropertyType;
import org.oasis_open.docs.ns.cmis.core._200908.EnumUpdatability;
import org.oasis_open.docs.ns.cmis.messaging._200908.CmisRepositoryEntryType;
import org.oasis_open.docs.ns.cmis.messaging._200908.CmisTypeContainer;
import org.oasis_open.docs.ns.cmis.messaging._200908.CmisTypeDefinitionListType;
import org.oasis_open.docs.ns.cmis.ws._200908.CmisException;
import org.oasis_open.docs.ns.cmis.ws._200908.RepositoryService;
import org.oasis_open.docs.ns.cmis.ws._200908.RepositoryServicePort;

public class Scenario {
    static final String FW = "jaxws";
    static final String CMIS = "http://docs.oasis-open.org/ns/cmis/core/200908/";
    static final String CMISM = "http://docs.oasis-open.org/ns/cmis/messaging/200908/";
    static final String CMISW = "http://docs.oasis-open.org/ns/cmis/ws/200908/";
    static final String WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
    static final String PASSWORD_TEXT =
        "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText";

    static int passed, failed;

    /** An answer arrived but did not say what the step expects. */
    static class Check extends Exception {
        Check(String m) { super(m); }
    }

    interface Step { void run() throws Exception; }

    static void expect(boolean cond, String what) throws Check {
        if (!cond) throw new Check(what);
    }

    static boolean run(String step, String op, Step s) {
        try {
            s.run();
            passed++;
            System.out.println("PASS " + FW + " " + step);
            return true;
        } catch (Throwable e) {
            failed++;
            System.out.println("FAIL " + FW + " " + step + ": " + op + " " + describe(e));
            if (!(e instanceof Check || e instanceof CmisException || e instanceof SOAPFaultException)) {
                e.printStackTrace();
            }
            return false;
        }
    }

    /** The size of a random content: CMIS_CONTENT_BYTES when set (e.g. 2048, to keep recordings of a
     *  session small), else the scenario's own size. */
    static int contentBytes(int dflt) {
        String v = System.getenv("CMIS_CONTENT_BYTES");
        if (v == null || v.isEmpty()) return dflt;
        int n = -1;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            // reported below
        }
        if (n < 16) {
            System.err.println("CMIS_CONTENT_BYTES=" + v + ": wanted a number of bytes, at least 16");
            System.exit(2);
        }
        return n;
    }

    static void skip(String step, String op, String why) {
        failed++;
        System.out.println("FAIL " + FW + " " + step + ": " + op + " not run: " + why);
    }

    static String describe(Throwable e) {
        if (e instanceof CmisException) {
            CmisException ce = (CmisException) e;
            if (ce.getFaultInfo() != null && ce.getFaultInfo().getType() != null) {
                return "cmisFault type=" + ce.getFaultInfo().getType().value() + " (" + ce.getFaultInfo().getMessage() + ")";
            }
            return "CmisException without fault type: " + ce.getMessage();
        }
        if (e instanceof SOAPFaultException) {
            javax.xml.soap.SOAPFault f = ((SOAPFaultException) e).getFault();
            return "SOAP fault without a cmisFault JAX-WS could map: faultcode=" + f.getFaultCode()
                + " faultstring=" + f.getFaultString();
        }
        if (e instanceof Check) return "unexpected answer: " + e.getMessage();
        if (e instanceof WebServiceException) {
            return e.getClass().getName() + ": " + e.getMessage();
        }
        return e.getClass().getName() + ": " + e.getMessage();
    }

    static String faultType(CmisException e) {
        return e.getFaultInfo() == null || e.getFaultInfo().getType() == null ? null : e.getFaultInfo().getType().value();
    }

    /** Adds wsse:Security/UsernameToken to every outbound message; remembers the last inbound envelope. */
    static class WsseHandler implements SOAPHandler<SOAPMessageContext> {
        final String user, password;
        volatile SOAPEnvelope lastInbound;

        WsseHandler(String user, String password) { this.user = user; this.password = password; }

        public Set<QName> getHeaders() {
            // Declares wsse:Security understood, should a response carry it with mustUnderstand.
            return new HashSet<>(Collections.singleton(new QName(WSSE, "Security")));
        }

        public boolean handleMessage(SOAPMessageContext ctx) {
            boolean outbound = (Boolean) ctx.get(MessageContext.MESSAGE_OUTBOUND_PROPERTY);
            try {
                SOAPMessage msg = ctx.getMessage();
                if (outbound) {
                    SOAPEnvelope env = msg.getSOAPPart().getEnvelope();
                    SOAPHeader h = env.getHeader() != null ? env.getHeader() : env.addHeader();
                    SOAPElement sec = h.addChildElement("Security", "wsse", WSSE);
                    sec.addAttribute(env.createQName("mustUnderstand", env.getPrefix()), "1");
                    SOAPElement tok = sec.addChildElement("UsernameToken", "wsse");
                    tok.addChildElement("Username", "wsse").addTextNode(user);
                    SOAPElement pw = tok.addChildElement("Password", "wsse");
                    pw.setAttribute("Type", PASSWORD_TEXT);
                    pw.addTextNode(password);
                    msg.saveChanges();
                } else {
                    lastInbound = msg.getSOAPPart().getEnvelope();
                }
            } catch (SOAPException e) {
                throw new WebServiceException(e);
            }
            return true;
        }

        public boolean handleFault(SOAPMessageContext ctx) {
            try {
                lastInbound = ctx.getMessage().getSOAPPart().getEnvelope();
            } catch (SOAPException e) {
                // ignore: only used for diagnostics
            }
            return true;
        }

        public void close(MessageContext ctx) { }
    }

    static RepositoryServicePort port(RepositoryService svc, WsseHandler h) {
        RepositoryServicePort p = svc.getRepositoryServicePort(new MTOMFeature(true));
        BindingProvider bp = (BindingProvider) p;
        @SuppressWarnings("rawtypes")
        List<Handler> chain = new ArrayList<>(bp.getBinding().getHandlerChain());
        chain.add(h);
        bp.getBinding().setHandlerChain(chain);
        return p;
    }

    /** First element with this namespace and local name in the last inbound envelope, or null. */
    static Element inbound(WsseHandler h, String ns, String local) {
        if (h.lastInbound == null) return null;
        NodeList nl = h.lastInbound.getElementsByTagNameNS(ns, local);
        return nl.getLength() == 0 ? null : (Element) nl.item(0);
    }

    static List<String> ids(List<CmisTypeDefinitionType> types) {
        List<String> out = new ArrayList<>();
        if (types != null) for (CmisTypeDefinitionType t : types) out.add(t.getId());
        return out;
    }

    static <T extends CmisPropertyDefinitionType> T propDef(CmisTypeDefinitionType t, Class<T> cls, String id) {
        for (CmisPropertyDefinitionType p : t.getPropertyDefinition()) {
            if (cls.isInstance(p) && id.equals(p.getId())) return cls.cast(p);
        }
        return null;
    }

    static String propSummary(CmisTypeDefinitionType t) {
        StringBuilder sb = new StringBuilder("[");
        for (CmisPropertyDefinitionType p : t.getPropertyDefinition()) {
            sb.append(p.getClass().getSimpleName()).append(' ').append(p.getId()).append(", ");
        }
        return sb.append(']').toString();
    }

    static void checkNewProps(CmisTypeDefinitionType t) throws Check {
        CmisPropertyStringDefinitionType s = propDef(t, CmisPropertyStringDefinitionType.class, "scen:title");
        CmisPropertyIntegerDefinitionType i = propDef(t, CmisPropertyIntegerDefinitionType.class, "scen:pages");
        expect(s != null, "no propertyStringDefinition scen:title in " + propSummary(t));
        expect(i != null, "no propertyIntegerDefinition scen:pages in " + propSummary(t));
        expect(BigInteger.valueOf(100).equals(s.getMaxLength()), "scen:title maxLength=" + s.getMaxLength());
    }

    static String repo;
    static boolean created, deleted;

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: Scenario BASE_URL USER PASSWORD");
            System.exit(2);
        }
        String base = args[0].replaceAll("/+$", "");
        String user = args[1], password = args[2];
        URL wsdl = new URL(base + "/services/RepositoryService?wsdl");
        final WsseHandler h = new WsseHandler(user, password);
        final RepositoryService svc;
        final RepositoryServicePort port;
        try {
            // The WSDL should be readable anonymously (SPEC-DIGEST 1.4). If the server wants
            // credentials for it, answer that one GET with HTTP Basic through a default
            // Authenticator, and remove the Authenticator again before any SOAP call (it would
            // otherwise answer 401 challenges with the good password, e.g. in step 10).
            java.net.HttpURLConnection probe = (java.net.HttpURLConnection) wsdl.openConnection();
            int code = probe.getResponseCode();
            probe.disconnect();
            if (code == 401) {
                System.err.println("note: GET " + wsdl + " answered 401; loading the WSDL with HTTP Basic");
                java.net.Authenticator.setDefault(new java.net.Authenticator() {
                    protected java.net.PasswordAuthentication getPasswordAuthentication() {
                        return new java.net.PasswordAuthentication(user, password.toCharArray());
                    }
                });
            }
            try {
                svc = new RepositoryService(wsdl, new QName(CMISW, "RepositoryService"));
                port = port(svc, h);
            } finally {
                java.net.Authenticator.setDefault(null);
            }
        } catch (Throwable e) {
            failed++;
            System.out.println("FAIL " + FW + " 0.loadWSDL: GET ?wsdl " + describe(e));
            e.printStackTrace();
            System.out.println(passed + " passed, " + failed + " failed");
            System.exit(1);
            return;
        }
        System.err.println("note: RepositoryService endpoint from WSDL: "
            + ((BindingProvider) port).getRequestContext().get(BindingProvider.ENDPOINT_ADDRESS_PROPERTY));

        // 1
        run("1.getRepositories", "getRepositories", () -> {
            List<CmisRepositoryEntryType> repos = port.getRepositories(null);
            expect(repos != null && !repos.isEmpty(), "no repositories");
            CmisRepositoryEntryType r = repos.get(0);
            expect(r.getRepositoryId() != null && !r.getRepositoryId().isEmpty()
                && r.getRepositoryName() != null && !r.getRepositoryName().isEmpty(),
                "entry lacks id or name: " + r.getRepositoryId() + "/" + r.getRepositoryName());
            repo = r.getRepositoryId();
        });

        // 2
        if (repo == null) skip("2.getRepositoryInfo", "getRepositoryInfo", "no repositoryId");
        else run("2.getRepositoryInfo", "getRepositoryInfo", () -> {
            CmisRepositoryInfoType info = port.getRepositoryInfo(repo, null);
            expect(info != null, "no repositoryInfo");
            expect("1.1".equals(info.getCmisVersionSupported()), "cmisVersionSupported=" + info.getCmisVersionSupported());
            expect(info.getRootFolderId() != null && !info.getRootFolderId().isEmpty(), "rootFolderId=" + info.getRootFolderId());
            CmisRepositoryCapabilitiesType caps = info.getCapabilities();
            expect(caps != null, "capabilities missing");
            expect(caps.getCapabilityACL() != null, "capabilityACL missing");
            expect(caps.getCapabilityQuery() != null, "capabilityQuery missing");
            System.err.println("note: capabilityACL=" + caps.getCapabilityACL().value()
                + " capabilityQuery=" + caps.getCapabilityQuery().value());
        });

        // 3
        if (repo == null) skip("3.getTypeChildren", "getTypeChildren", "no repositoryId");
        else run("3.getTypeChildren", "getTypeChildren", () -> {
            CmisTypeDefinitionListType l = port.getTypeChildren(repo, null, false, null, null, null);
            expect(l != null, "no types");
            List<String> ids = ids(l.getTypes());
            expect(ids.contains("cmis:document") && ids.contains("cmis:folder"), "type ids " + ids);
            expect(inbound(h, CMISM, "hasMoreItems") != null, "hasMoreItems missing from the answer");
        });

        // 4
        if (repo == null) skip("4.getTypeDescendants", "getTypeDescendants", "no repositoryId");
        else run("4.getTypeDescendants", "getTypeDescendants", () -> {
            List<CmisTypeContainer> l = port.getTypeDescendants(repo, "cmis:folder", BigInteger.valueOf(-1), false, null);
            System.err.println("note: getTypeDescendants(cmis:folder) gave " + (l == null ? "null" : l.size() + " containers"));
        });

        // 5
        if (repo == null) skip("5.getTypeDefinition", "getTypeDefinition", "no repositoryId");
        else run("5.getTypeDefinition", "getTypeDefinition", () -> {
            CmisTypeDefinitionType t = port.getTypeDefinition(repo, "cmis:document", null);
            expect(t != null, "no type");
            expect("cmis:document".equals(t.getId()), "id=" + t.getId());
            expect(t.getBaseId() == EnumBaseObjectTypeIds.CMIS_DOCUMENT, "baseId=" + t.getBaseId());
            expect(t instanceof CmisTypeDocumentDefinitionType,
                "JAXB made a " + t.getClass().getSimpleName() + " (xsi:type missing or wrong?)");
            CmisTypeDocumentDefinitionType d = (CmisTypeDocumentDefinitionType) t;
            expect(d.getContentStreamAllowed() != null, "contentStreamAllowed missing");
            expect(inbound(h, CMIS, "versionable") != null, "versionable missing from the answer");
            expect(propDef(t, CmisPropertyIdDefinitionType.class, "cmis:objectId") != null,
                "no propertyIdDefinition cmis:objectId in " + propSummary(t));
            System.err.println("note: cmis:document versionable=" + d.isVersionable()
                + " contentStreamAllowed=" + d.getContentStreamAllowed().value());
        });

        // 6
        final String newId = String.format("scen:doc%08x", new Random().nextInt() & 0xffffffffL);
        if (repo == null) skip("6.createType", "createType", "no repositoryId");
        else run("6.createType", "createType", () -> {
            CmisTypeDocumentDefinitionType d = new CmisTypeDocumentDefinitionType();
            d.setId(newId);
            d.setLocalName(newId.substring(5));
            d.setLocalNamespace("http://example.org/scenario");
            d.setDisplayName("Scenario document");
            d.setQueryName(newId);
            d.setDescription("created by the JAX-WS scenario");
            d.setBaseId(EnumBaseObjectTypeIds.CMIS_DOCUMENT);
            d.setParentId("cmis:document");
            d.setCreatable(true);
            d.setFileable(true);
            d.setQueryable(true);
            d.setFulltextIndexed(false);
            d.setIncludedInSupertypeQuery(true);
            d.setControllablePolicy(false);
            d.setControllableACL(true);
            d.setVersionable(false);
            d.setContentStreamAllowed(EnumContentStreamAllowed.ALLOWED);

            CmisPropertyStringDefinitionType title = new CmisPropertyStringDefinitionType();
            fill(title, "scen:title", "title", "Title", EnumPropertyType.STRING);
            title.setMaxLength(BigInteger.valueOf(100));
            CmisPropertyIntegerDefinitionType pages = new CmisPropertyIntegerDefinitionType();
            fill(pages, "scen:pages", "pages", "Pages", EnumPropertyType.INTEGER);
            d.getPropertyDefinition().add(title);
            d.getPropertyDefinition().add(pages);

            // The element is declared cmisTypeDefinitionType: JAXB writes xsi:type for the subclass.
            Holder<CmisTypeDefinitionType> holder = new Holder<>(d);
            port.createType(repo, holder, null);
            CmisTypeDefinitionType t = holder.value;
            expect(t != null, "no type returned");
            expect(newId.equals(t.getId()), "id=" + t.getId());
            checkNewProps(t);
            created = true;
        });

        // 7
        if (!created) skip("7.getTypeDefinition(new)", "getTypeDefinition", "createType failed");
        else run("7.getTypeDefinition(new)", "getTypeDefinition", () -> {
            CmisTypeDefinitionType t = port.getTypeDefinition(repo, newId, null);
            expect(t != null && newId.equals(t.getId()), "id=" + (t == null ? null : t.getId()));
            expect("cmis:document".equals(t.getParentId()), "parentId=" + t.getParentId());
            expect(t instanceof CmisTypeDocumentDefinitionType, "JAXB made a " + t.getClass().getSimpleName());
            checkNewProps(t);
        });

        // 8
        if (!created) skip("8.getTypeChildren(cmis:document)", "getTypeChildren", "createType failed");
        else run("8.getTypeChildren(cmis:document)", "getTypeChildren", () -> {
            CmisTypeDefinitionListType l = port.getTypeChildren(repo, "cmis:document", false, null, null, null);
            List<String> ids = ids(l == null ? null : l.getTypes());
            expect(ids.contains(newId), newId + " not among " + ids);
        });

        // 9
        if (!created) skip("9a.deleteType", "deleteType", "createType failed");
        else run("9a.deleteType", "deleteType", () -> {
            port.deleteType(repo, newId, new Holder<>());
            deleted = true;
        });
        if (!deleted) skip("9b.getTypeDefinition(deleted)", "getTypeDefinition", "deleteType failed");
        else run("9b.getTypeDefinition(deleted)", "getTypeDefinition", () -> {
            CmisTypeDefinitionType t;
            try {
                t = port.getTypeDefinition(repo, newId, null);
            } catch (CmisException e) {
                expect("objectNotFound".equals(faultType(e)), describe(e) + ", wanted cmisFault type objectNotFound");
                return;
            }
            throw new Check("no fault; got type " + (t == null ? null : t.getId()));
        });

        // Not a step: a type the server created but a failed step did not delete would block the
        // next run (its property ids are taken), so try to remove it.
        if (repo != null && !deleted) {
            try {
                port.deleteType(repo, newId, new Holder<>());
                System.err.println("note: cleanup: deleted " + newId);
            } catch (Throwable e) {
                System.err.println("note: cleanup deleteType(" + newId + "): " + describe(e));
            }
        }

        // 10
        run("10.wrongPassword", "getRepositories", () -> {
            RepositoryServicePort bad = port(svc, new WsseHandler(user, password + "-wrong"));
            List<CmisRepositoryEntryType> r;
            try {
                r = bad.getRepositories(null);
            } catch (CmisException e) {
                expect("permissionDenied".equals(faultType(e)), describe(e) + ", wanted cmisFault type permissionDenied");
                return;
            } catch (WebServiceException e) {
                if (e instanceof SOAPFaultException) throw e;
                throw new Check("transport error instead of a permissionDenied fault: " + e.getMessage());
            }
            throw new Check("no fault with a wrong password; got " + (r == null ? null : r.size()) + " repositories");
        });

        // 30a: the change log's position before the object steps (ChangeLog.java)
        ChangeLog log = new ChangeLog();
        log.start(repo, port);

        // 11-21: Object + Navigation services (ObjectNavigation.java)
        ObjectNavigation on = new ObjectNavigation();
        on.run(base, user, password, repo, port);

        // 22-29: Versioning, MultiFiling, Relationship, Policy, ACL, Discovery (MoreServices.java)
        MoreServices ms = new MoreServices();
        ms.run(base, user, password, repo, port);

        // 30b-30c: what the change log says steps 12-29 did (ChangeLog.java)
        log.end(base, user, password, repo, on.st, ms.st);

        System.out.println(passed + " passed, " + failed + " failed");
        System.exit(failed > 0 ? 1 : 0);
    }

    static void fill(CmisPropertyDefinitionType p, String id, String local, String display, EnumPropertyType type) {
        p.setId(id);
        p.setLocalName(local);
        p.setDisplayName(display);
        p.setQueryName(id);
        p.setPropertyType(type);
        p.setCardinality(EnumCardinality.SINGLE);
        p.setUpdatability(EnumUpdatability.READWRITE);
        p.setInherited(false);
        p.setRequired(false);
        p.setQueryable(true);
        p.setOrderable(true);
    }
}
