// What every step of the JAX-WS scenarios shares (see ../README.md): the PASS/FAIL bookkeeping,
// fault descriptions, the UsernameToken handler of the Repository steps, and which face of the
// server the run talks to. Scenario.java (CMIS 1.1) and Scenario10.java (CMIS 1.0) set FW, services
// and v10 and run the Repository steps; ObjectNavigation.java, MoreServices.java and ChangeLog.java
// are the same for both, compiled against the classes wsimport generated from the face's WSDL.

import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import javax.xml.namespace.QName;
import javax.xml.soap.SOAPElement;
import javax.xml.soap.SOAPEnvelope;
import javax.xml.soap.SOAPException;
import javax.xml.soap.SOAPHeader;
import javax.xml.soap.SOAPMessage;
import javax.xml.ws.BindingProvider;
import javax.xml.ws.WebServiceException;
import javax.xml.ws.handler.Handler;
import javax.xml.ws.handler.MessageContext;
import javax.xml.ws.handler.soap.SOAPHandler;
import javax.xml.ws.handler.soap.SOAPMessageContext;
import javax.xml.ws.soap.MTOMFeature;
import javax.xml.ws.soap.SOAPFaultException;

import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import org.oasis_open.docs.ns.cmis.core._200908.CmisPropertyDefinitionType;
import org.oasis_open.docs.ns.cmis.core._200908.CmisTypeDefinitionType;
import org.oasis_open.docs.ns.cmis.messaging._200908.CmisRepositoryEntryType;
import org.oasis_open.docs.ns.cmis.ws._200908.CmisException;
import org.oasis_open.docs.ns.cmis.ws._200908.RepositoryService;
import org.oasis_open.docs.ns.cmis.ws._200908.RepositoryServicePort;

class Steps {
    /** The framework name in every PASS/FAIL line: jaxws (CMIS 1.1) or jaxws10 (CMIS 1.0). */
    static String FW = "jaxws";
    /** Where the services are: /services (CMIS 1.1) or /services10 (CMIS 1.0). */
    static String services = "/services";
    /** The scenario talks to the CMIS 1.0 face: what 1.0 lacks is checked to be absent. */
    static boolean v10;
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


    /** First element with this namespace and local name in the last inbound envelope, or null. */
    static Element inbound(WsseHandler h, String ns, String local) {
        if (h.lastInbound == null) return null;
        NodeList nl = h.lastInbound.getElementsByTagNameNS(ns, local);
        return nl.getLength() == 0 ? null : (Element) nl.item(0);
    }

    static String base, user, password, repo;
    /** The UsernameToken handler of the Repository port, which keeps the last inbound envelope. */
    static WsseHandler h;
    static RepositoryService svc;
    static RepositoryServicePort port;

    static RepositoryServicePort port(RepositoryService svc, WsseHandler h) {
        RepositoryServicePort p = svc.getRepositoryServicePort(new MTOMFeature(true));
        BindingProvider bp = (BindingProvider) p;
        @SuppressWarnings("rawtypes")
        List<Handler> chain = new ArrayList<>(bp.getBinding().getHandlerChain());
        chain.add(h);
        bp.getBinding().setHandlerChain(chain);
        return p;
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

    /** Takes the arguments, loads the face's RepositoryService WSDL and runs step 1. */
    static void start(String[] args, String main, String fw, String path, boolean cmis10) throws Exception {
        FW = fw;
        services = path;
        v10 = cmis10;
        if (args.length != 3) {
            System.err.println("usage: " + main + " BASE_URL USER PASSWORD");
            System.exit(2);
        }
        base = args[0].replaceAll("/+$", "");
        user = args[1];
        password = args[2];
        URL wsdl = new URL(base + services + "/RepositoryService?wsdl");
        h = new WsseHandler(user, password);
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
    }

    /** Step 10, then the change log's start (30a), the Object and Navigation steps (11-21), the other
     *  services (22-29) and what the change log says of them (30b-30c); prints the summary and exits. */
    static void finish() throws Exception {
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
}
