// Steps 22-29 of the JAX-WS scenario: Versioning, MultiFiling, Relationship, Policy, ACL and
// Discovery services (see ../README.md).
//
// Every port comes from its own live WSDL URL (<base>/services/<Service>?wsdl) and is set up like the
// Object/Navigation ports (ObjectNavigation.configure: MTOMFeature(true), the UsernameToken as an
// outbound header, chunked streaming, timeouts). The 1 MiB content of checkIn goes as an XOP
// attachment: like createDocument in step 13, the call goes through a loopback relay
// (ObjectNavigation.Relay) and step 23e checks the request's Content-Type, the xop:Include in the
// root part and the byte count. The ACL steps (27) call the Object service as the second user
// (CMIS_USER2 / CMIS_PASS2 in the environment) on the same endpoint.

import java.io.InputStream;
import java.math.BigInteger;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import javax.xml.namespace.QName;
import javax.xml.ws.BindingProvider;
import javax.xml.ws.Holder;
import javax.xml.ws.soap.MTOMFeature;

import org.oasis_open.docs.ns.cmis.core._200908.CmisAccessControlEntryType;
import org.oasis_open.docs.ns.cmis.core._200908.CmisAccessControlListType;
import org.oasis_open.docs.ns.cmis.core._200908.CmisAccessControlPrincipalType;
import org.oasis_open.docs.ns.cmis.core._200908.CmisObjectType;
import org.oasis_open.docs.ns.cmis.core._200908.CmisPropertiesType;
import org.oasis_open.docs.ns.cmis.core._200908.CmisPropertyId;
import org.oasis_open.docs.ns.cmis.core._200908.CmisPropertyString;
import org.oasis_open.docs.ns.cmis.core._200908.CmisRepositoryInfoType;
import org.oasis_open.docs.ns.cmis.core._200908.EnumRelationshipDirection;
import org.oasis_open.docs.ns.cmis.messaging._200908.CmisACLType;
import org.oasis_open.docs.ns.cmis.messaging._200908.CmisContentStreamType;
import org.oasis_open.docs.ns.cmis.messaging._200908.CmisObjectInFolderListType;
import org.oasis_open.docs.ns.cmis.messaging._200908.CmisObjectInFolderType;
import org.oasis_open.docs.ns.cmis.messaging._200908.CmisObjectListType;
import org.oasis_open.docs.ns.cmis.messaging._200908.CmisObjectParentsType;
import org.oasis_open.docs.ns.cmis.messaging._200908.DeleteTreeResponse;
import org.oasis_open.docs.ns.cmis.ws._200908.ACLService;
import org.oasis_open.docs.ns.cmis.ws._200908.ACLServicePort;
import org.oasis_open.docs.ns.cmis.ws._200908.DiscoveryService;
import org.oasis_open.docs.ns.cmis.ws._200908.DiscoveryServicePort;
import org.oasis_open.docs.ns.cmis.ws._200908.MultiFilingService;
import org.oasis_open.docs.ns.cmis.ws._200908.MultiFilingServicePort;
import org.oasis_open.docs.ns.cmis.ws._200908.NavigationService;
import org.oasis_open.docs.ns.cmis.ws._200908.NavigationServicePort;
import org.oasis_open.docs.ns.cmis.ws._200908.ObjectService;
import org.oasis_open.docs.ns.cmis.ws._200908.ObjectServicePort;
import org.oasis_open.docs.ns.cmis.ws._200908.PolicyService;
import org.oasis_open.docs.ns.cmis.ws._200908.PolicyServicePort;
import org.oasis_open.docs.ns.cmis.ws._200908.RelationshipService;
import org.oasis_open.docs.ns.cmis.ws._200908.RelationshipServicePort;
import org.oasis_open.docs.ns.cmis.ws._200908.RepositoryServicePort;
import org.oasis_open.docs.ns.cmis.ws._200908.VersioningService;
import org.oasis_open.docs.ns.cmis.ws._200908.VersioningServicePort;

class MoreServices {
    static final int VERSION_SIZE = Steps.contentBytes(1024 * 1024);

    static final String[][] STEPS = {
        {"22a.createFolder(versioning)", "createFolder"},
        {"22b.createDocument(1MiB)", "createDocument"},
        {"23a.checkOut", "checkOut"},
        {"23b.getProperties(PWC)", "getProperties"},
        {"23c.getProperties(checkedOut)", "getProperties"},
        {"23d.checkOut(again)", "checkOut"},
        {"23e.checkIn(major,1MiB,MTOM)", "checkIn"},
        {"23f.getAllVersions", "getAllVersions"},
        {"23g.getObjectOfLatestVersion", "getObjectOfLatestVersion"},
        {"23h.getContentStream(newVersion)", "getContentStream"},
        {"23i.getContentStream(oldVersion)", "getContentStream"},
        {"24a.createFolder(second)", "createFolder"},
        {"24b.addObjectToFolder", "addObjectToFolder"},
        {"24c.getObjectParents(two)", "getObjectParents"},
        {"24d.getChildren(second)", "getChildren"},
        {"24e.removeObjectFromFolder", "removeObjectFromFolder"},
        {"24f.getObjectParents(one)", "getObjectParents"},
        {"25a.createDocument(target)", "createDocument"},
        {"25b.createRelationship", "createRelationship"},
        {"25c.getObjectRelationships(either)", "getObjectRelationships"},
        {"26a.createPolicy", "createPolicy"},
        {"26b.applyPolicy", "applyPolicy"},
        {"26c.getAppliedPolicies", "getAppliedPolicies"},
        {"26d.removePolicy", "removePolicy"},
        {"26e.getAppliedPolicies(none)", "getAppliedPolicies"},
        {"27a.applyACL(removeAnyone)", "applyACL"},
        {"27b.getObject(user2,denied)", "getObject"},
        {"27c.applyACL(addUser2Read)", "applyACL"},
        {"27d.getObject(user2)", "getObject"},
        {"27e.updateProperties(user2,denied)", "updateProperties"},
        {"27f.getACL", "getACL"},
        {"28a.query(IN_FOLDER)", "query"},
        {"28b.query(name=)", "query"},
        {"29a.deleteTree(folders)", "deleteTree"},
        {"29b.getObject(deleted)", "getObject"},
    };

    final Map<String, String> ops = new LinkedHashMap<>();
    final Map<String, Object> st = new LinkedHashMap<>();

    MoreServices() {
        for (String[] s : STEPS) ops.put(s[0], s[1]);
    }

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

    /** Properties from (kind, id, value) triples; kind "id" or "string". */
    static CmisPropertiesType props(String... kv) {
        CmisPropertiesType p = new CmisPropertiesType();
        for (int i = 0; i < kv.length; i += 3) {
            if (kv[i].equals("id")) {
                CmisPropertyId x = new CmisPropertyId();
                x.setPropertyDefinitionId(kv[i + 1]);
                x.getValue().add(kv[i + 2]);
                p.getProperty().add(x);
            } else {
                CmisPropertyString x = new CmisPropertyString();
                x.setPropertyDefinitionId(kv[i + 1]);
                x.getValue().add(kv[i + 2]);
                p.getProperty().add(x);
            }
        }
        return p;
    }

    static CmisAccessControlListType aceList(String principal, String permission) {
        CmisAccessControlPrincipalType pr = new CmisAccessControlPrincipalType();
        pr.setPrincipalId(principal);
        CmisAccessControlEntryType e = new CmisAccessControlEntryType();
        e.setPrincipal(pr);
        e.getPermission().add(permission);
        e.setDirect(true);
        CmisAccessControlListType l = new CmisAccessControlListType();
        l.getPermission().add(e);
        return l;
    }

    /** "principal:perm,perm:direct" for each ACE. */
    static List<String> aces(CmisACLType acl) {
        List<String> out = new ArrayList<>();
        if (acl == null || acl.getACL() == null) return out;
        for (CmisAccessControlEntryType e : acl.getACL().getPermission()) {
            out.add(e.getPrincipal().getPrincipalId() + ":" + String.join(",", e.getPermission()) + ":" + e.isDirect());
        }
        return out;
    }

    static boolean hasPrincipal(List<String> aces, String principal) {
        for (String a : aces) if (a.startsWith(principal + ":")) return true;
        return false;
    }

    static String id(CmisObjectType o) throws Exception { return (String) ObjectNavigation.one(o, "cmis:objectId"); }

    static List<String> idsNames(List<CmisObjectType> objs) throws Exception {
        List<String> out = new ArrayList<>();
        if (objs != null) for (CmisObjectType o : objs) out.add(id(o) + "/" + ObjectNavigation.one(o, "cmis:name"));
        return out;
    }

    static String sha(byte[] b) throws Exception { return ObjectNavigation.hex(MessageDigest.getInstance("SHA-256").digest(b)); }

    static String streamSha(CmisContentStreamType cs, long[] n) throws Exception {
        Steps.expect(cs != null && cs.getStream() != null, "no contentStream/stream");
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = cs.getStream().getInputStream()) {
            byte[] buf = new byte[64 * 1024];
            int k;
            while ((k = in.read(buf)) > 0) { md.update(buf, 0, k); n[0] += k; }
        }
        return ObjectNavigation.hex(md.digest());
    }

    static <T> T port(String base, String service, String user, String password, Class<T> cls) throws Exception {
        URL wsdl = new URL(base + Steps.services + "/" + service + "?wsdl");
        QName q = new QName(Steps.CMISW, service);
        T p;
        switch (service) {
            case "ObjectService": p = cls.cast(new ObjectService(wsdl, q).getObjectServicePort(new MTOMFeature(true))); break;
            case "NavigationService": p = cls.cast(new NavigationService(wsdl, q).getNavigationServicePort(new MTOMFeature(true))); break;
            case "VersioningService": p = cls.cast(new VersioningService(wsdl, q).getVersioningServicePort(new MTOMFeature(true))); break;
            case "MultiFilingService": p = cls.cast(new MultiFilingService(wsdl, q).getMultiFilingServicePort(new MTOMFeature(true))); break;
            case "RelationshipService": p = cls.cast(new RelationshipService(wsdl, q).getRelationshipServicePort(new MTOMFeature(true))); break;
            case "PolicyService": p = cls.cast(new PolicyService(wsdl, q).getPolicyServicePort(new MTOMFeature(true))); break;
            case "ACLService": p = cls.cast(new ACLService(wsdl, q).getACLServicePort(new MTOMFeature(true))); break;
            case "DiscoveryService": p = cls.cast(new DiscoveryService(wsdl, q).getDiscoveryServicePort(new MTOMFeature(true))); break;
            default: throw new IllegalArgumentException(service);
        }
        ObjectNavigation.configure(p, user, password);
        System.err.println("note: " + service + " endpoint (" + user + ") from " + service + "?wsdl: "
            + ((BindingProvider) p).getRequestContext().get(BindingProvider.ENDPOINT_ADDRESS_PROPERTY));
        return p;
    }

    void run(String base, String user, String password, String repo, RepositoryServicePort repoPort) {
        if (repo == null) {
            for (String[] s : STEPS) Steps.skip(s[0], s[1], "no repositoryId");
            return;
        }
        final String user2 = System.getenv("CMIS_USER2"), pass2 = System.getenv("CMIS_PASS2");
        final ObjectServicePort obj, obj2;
        final NavigationServicePort nav;
        final VersioningServicePort ver;
        final MultiFilingServicePort mf;
        final RelationshipServicePort rel;
        final PolicyServicePort pol;
        final ACLServicePort acl;
        final DiscoveryServicePort disc;
        try {
            obj = port(base, "ObjectService", user, password, ObjectServicePort.class);
            nav = port(base, "NavigationService", user, password, NavigationServicePort.class);
            ver = port(base, "VersioningService", user, password, VersioningServicePort.class);
            mf = port(base, "MultiFilingService", user, password, MultiFilingServicePort.class);
            rel = port(base, "RelationshipService", user, password, RelationshipServicePort.class);
            pol = port(base, "PolicyService", user, password, PolicyServicePort.class);
            acl = port(base, "ACLService", user, password, ACLServicePort.class);
            disc = port(base, "DiscoveryService", user, password, DiscoveryServicePort.class);
            obj2 = user2 != null && pass2 != null ? port(base, "ObjectService", user2, pass2, ObjectServicePort.class) : null;
        } catch (Throwable e) {
            Steps.failed++;
            System.out.println("FAIL " + Steps.FW + " 22.loadWSDL(services): GET ?wsdl " + Steps.describe(e));
            e.printStackTrace();
            for (String[] s : STEPS) Steps.skip(s[0], s[1], "WSDL not loaded");
            return;
        }
        if (obj2 == null) System.err.println("note: CMIS_USER2 / CMIS_PASS2 not set: the second-user steps of 27 cannot run");
        else st.put("user2", user2);

        final String suffix = String.format("%08x", new Random().nextInt() & 0xffffffffL);
        final String folderName = "scen-" + suffix + "-v", folder2Name = "scen-" + suffix + "-m";
        final String docName = "v-" + suffix + ".bin", targetName = "t-" + suffix + ".bin";
        final String comment = "second version, " + suffix;
        final byte[] v1 = new byte[VERSION_SIZE], v2 = new byte[VERSION_SIZE];
        new Random().nextBytes(v1);
        new Random().nextBytes(v2);
        final String sha1, sha2;
        try {
            sha1 = sha(v1);
            sha2 = sha(v2);
        } catch (Exception e) {
            throw new RuntimeException(e);
        }

        try {
            CmisRepositoryInfoType info = repoPort.getRepositoryInfo(repo, null);
            st.put("root", info.getRootFolderId());
        } catch (Throwable e) {
            System.err.println("note: getRepositoryInfo for rootFolderId: " + Steps.describe(e));
        }

        // 22
        step("22a.createFolder(versioning)", () -> {
            Holder<String> id = new Holder<>();
            obj.createFolder(repo, props("id", "cmis:objectTypeId", "cmis:folder", "string", "cmis:name", folderName), s("root"),
                null, null, null, new Holder<>(), id);
            Steps.expect(id.value != null && !id.value.isEmpty(), "objectId=" + id.value);
            st.put("folder", id.value);
        }, "root");

        step("22b.createDocument(1MiB)", () -> {
            Holder<String> id = new Holder<>();
            obj.createDocument(repo, props("id", "cmis:objectTypeId", "cmis:document", "string", "cmis:name", docName), s("folder"),
                ObjectNavigation.content(v1, "application/octet-stream", docName), null, null, null, null, new Holder<>(), id);
            Steps.expect(id.value != null && !id.value.isEmpty(), "objectId=" + id.value);
            st.put("doc", id.value);
        }, "folder");

        // 23
        step("23a.checkOut", () -> {
            Holder<String> id = new Holder<>(s("doc"));
            Holder<Boolean> copied = new Holder<>();
            ver.checkOut(repo, id, new Holder<>(), copied);
            Steps.expect(id.value != null && !id.value.isEmpty() && !id.value.equals(s("doc")), "PWC id " + id.value + " (document " + s("doc") + ")");
            Steps.expect(Boolean.TRUE.equals(copied.value), "contentCopied=" + copied.value + " (the document has content)");
            st.put("pwc", id.value);
        }, "doc");

        step("23b.getProperties(PWC)", () -> {
            CmisPropertiesType p = obj.getProperties(repo, s("pwc"), null, null);
            Object pwc = ObjectNavigation.one(p, "cmis:isPrivateWorkingCopy");
            if (Steps.v10) {
                // CMIS 1.0 has no cmis:isPrivateWorkingCopy: the PWC is its series' checked-out copy.
                Steps.expect(!ObjectNavigation.has(p, "cmis:isPrivateWorkingCopy"), "CMIS 1.1's cmis:isPrivateWorkingCopy in a 1.0 answer");
                Object coid = ObjectNavigation.one(p, "cmis:versionSeriesCheckedOutId");
                Steps.expect(s("pwc").equals(coid), "cmis:versionSeriesCheckedOutId=" + coid);
            } else {
                Steps.expect(Boolean.TRUE.equals(pwc), "cmis:isPrivateWorkingCopy=" + pwc);
            }
            Steps.expect(s("pwc").equals(ObjectNavigation.one(p, "cmis:objectId")), "cmis:objectId=" + ObjectNavigation.one(p, "cmis:objectId"));
        }, "pwc");

        step("23c.getProperties(checkedOut)", () -> {
            CmisPropertiesType p = obj.getProperties(repo, s("doc"), null, null);
            Object co = ObjectNavigation.one(p, "cmis:isVersionSeriesCheckedOut");
            Object by = ObjectNavigation.one(p, "cmis:versionSeriesCheckedOutBy");
            Object coid = ObjectNavigation.one(p, "cmis:versionSeriesCheckedOutId");
            String got = "isVersionSeriesCheckedOut=" + co + " versionSeriesCheckedOutBy=" + by + " versionSeriesCheckedOutId=" + coid;
            Steps.expect(Boolean.TRUE.equals(co), got);
            Steps.expect(user.equals(by), got + ", wanted checked out by " + user);
            Steps.expect(coid == null || s("pwc").equals(coid), got + ", wanted PWC " + s("pwc"));
        }, "pwc");

        step("23d.checkOut(again)", () -> ObjectNavigation.expectFault(() ->
            ver.checkOut(repo, new Holder<>(s("doc")), new Holder<>(), new Holder<>()), "versioning"), "pwc");

        step("23e.checkIn(major,1MiB,MTOM)", () -> {
            // A Versioning port of its own, whose endpoint is a relay in front of the server (see step 13).
            String addr = (String) ((BindingProvider) ver).getRequestContext().get(BindingProvider.ENDPOINT_ADDRESS_PROPERTY);
            URL u = new URL(addr);
            ObjectNavigation.Relay relay = new ObjectNavigation.Relay(u.getHost(), u.getPort() < 0 ? u.getDefaultPort() : u.getPort());
            try {
                VersioningServicePort up = port(base, "VersioningService", user, password, VersioningServicePort.class);
                ((BindingProvider) up).getRequestContext().put(BindingProvider.ENDPOINT_ADDRESS_PROPERTY,
                    new URL(u.getProtocol(), "127.0.0.1", relay.port(), u.getFile()).toString());
                long t0 = System.nanoTime();
                Holder<String> id = new Holder<>(s("pwc"));
                up.checkIn(repo, id, true, null, ObjectNavigation.content(v2, "application/octet-stream", docName), comment,
                    null, null, null, new Holder<>());
                Steps.expect(id.value != null && !id.value.isEmpty(), "objectId=" + id.value);
                st.put("latest", id.value);
                String head = relay.headText();
                String ct = ObjectNavigation.header(head, "Content-Type");
                int body = head.indexOf("\r\n\r\n");
                String bodyStart = body < 0 ? "" : head.substring(body + 4);
                System.err.printf("note: checkIn request: Content-Type %s; %d bytes on the wire for %d content bytes; %.2fs%n",
                    ct, relay.up.get(), v2.length, (System.nanoTime() - t0) / 1e9);
                Steps.expect(ct != null && ct.toLowerCase().startsWith("multipart/related")
                    && ct.toLowerCase().contains("application/xop+xml"), "request Content-Type " + ct + ", not an XOP package");
                Steps.expect(bodyStart.contains("Include") && bodyStart.contains("cid:"), "the root part has no xop:Include (content inline?)");
                Steps.expect(relay.up.get() < v2.length + 64 * 1024, relay.up.get() + " bytes sent for " + v2.length + " content bytes: not a binary attachment");
            } finally {
                relay.close();
            }
        }, "pwc");

        step("23f.getAllVersions", () -> {
            List<String> got = new ArrayList<>();
            for (CmisObjectType o : ver.getAllVersions(repo, s("doc"), null, null, null)) {
                got.add(id(o) + "/" + ObjectNavigation.one(o, "cmis:versionLabel"));
            }
            List<String> want = List.of(s("latest") + "/2.0", s("doc") + "/1.0");
            Steps.expect(got.equals(want), "versions " + got + ", wanted newest first " + want);
        }, "latest");

        step("23g.getObjectOfLatestVersion", () -> {
            CmisObjectType o = ver.getObjectOfLatestVersion(repo, s("doc"), null, null, null, null, null, null, null, null);
            Steps.expect(s("latest").equals(id(o)), "objectId " + id(o) + ", wanted " + s("latest"));
            Object latest = ObjectNavigation.one(o, "cmis:isLatestVersion");
            Steps.expect(Boolean.TRUE.equals(latest), "cmis:isLatestVersion=" + latest);
            Steps.expect(comment.equals(ObjectNavigation.one(o, "cmis:checkinComment")), "cmis:checkinComment=" + ObjectNavigation.one(o, "cmis:checkinComment"));
            Object co = ObjectNavigation.one(o, "cmis:isVersionSeriesCheckedOut");
            Steps.expect(Boolean.FALSE.equals(co), "cmis:isVersionSeriesCheckedOut " + (co == null ? "has no value" : "= " + co)
                + " after checkIn, wanted false");
        }, "latest");

        step("23h.getContentStream(newVersion)", () -> {
            long[] n = {0};
            String got = streamSha(obj.getContentStream(repo, s("latest"), null, null, null, null), n);
            Steps.expect(got.equals(sha2), "sha256 " + got + " (" + n[0] + " bytes) != checked-in " + sha2);
        }, "latest");

        step("23i.getContentStream(oldVersion)", () -> {
            long[] n = {0};
            String got = streamSha(obj.getContentStream(repo, s("doc"), null, null, null, null), n);
            Steps.expect(got.equals(sha1), "sha256 " + got + " (" + n[0] + " bytes) != first version " + sha1);
        }, "latest");

        // 24: filing belongs to the version series; the steps file the latest version.
        step("24a.createFolder(second)", () -> {
            Holder<String> id = new Holder<>();
            obj.createFolder(repo, props("id", "cmis:objectTypeId", "cmis:folder", "string", "cmis:name", folder2Name), s("root"),
                null, null, null, new Holder<>(), id);
            Steps.expect(id.value != null && !id.value.isEmpty(), "objectId=" + id.value);
            st.put("folder2", id.value);
        }, "root");

        step("24b.addObjectToFolder", () -> {
            mf.addObjectToFolder(repo, s("latest"), s("folder2"), null, new Holder<>());
            st.put("filed2", Boolean.TRUE);
        }, "latest", "folder2");

        Steps.Step twoParents = () -> {
            List<String> got = parents(nav, repo, s("latest"));
            List<String> want = new ArrayList<>(List.of(s("folder"), s("folder2")));
            Collections.sort(want);
            Steps.expect(got.equals(want), "parents " + got + ", wanted " + want);
        };
        step("24c.getObjectParents(two)", twoParents, "filed2");

        step("24d.getChildren(second)", () -> {
            CmisObjectInFolderListType l = nav.getChildren(repo, s("folder2"), null, null, null, null, null, null, null, null, null);
            List<CmisObjectType> objs = new ArrayList<>();
            if (l != null) for (CmisObjectInFolderType o : l.getObjects()) objs.add(o.getObject());
            List<String> got = idsNames(objs);
            Steps.expect(got.equals(List.of(s("latest") + "/" + docName)), "children " + got + ", wanted only " + s("latest") + "/" + docName);
        }, "filed2");

        step("24e.removeObjectFromFolder", () -> {
            mf.removeObjectFromFolder(repo, s("latest"), s("folder2"), new Holder<>());
            st.put("unfiled2", Boolean.TRUE);
        }, "filed2");

        step("24f.getObjectParents(one)", () -> {
            List<String> got = parents(nav, repo, s("latest"));
            Steps.expect(got.equals(List.of(s("folder"))), "parents " + got + ", wanted only " + s("folder"));
        }, "unfiled2");

        // 25
        step("25a.createDocument(target)", () -> {
            Holder<String> id = new Holder<>();
            obj.createDocument(repo, props("id", "cmis:objectTypeId", "cmis:document", "string", "cmis:name", targetName), s("folder"),
                ObjectNavigation.content("target".getBytes(StandardCharsets.US_ASCII), "text/plain", targetName),
                null, null, null, null, new Holder<>(), id);
            Steps.expect(id.value != null && !id.value.isEmpty(), "objectId=" + id.value);
            st.put("target", id.value);
        }, "folder");

        step("25b.createRelationship", () -> {
            Holder<String> id = new Holder<>();
            obj.createRelationship(repo, props("id", "cmis:objectTypeId", "cmis:relationship", "string", "cmis:name", "rel-" + suffix,
                "id", "cmis:sourceId", s("latest"), "id", "cmis:targetId", s("target")), null, null, null, new Holder<>(), id);
            Steps.expect(id.value != null && !id.value.isEmpty(), "objectId=" + id.value);
            st.put("rel", id.value);
        }, "latest", "target");

        step("25c.getObjectRelationships(either)", () -> {
            CmisObjectListType l = rel.getObjectRelationships(repo, s("latest"), null, EnumRelationshipDirection.EITHER,
                null, null, null, null, null, null);
            List<String> got = new ArrayList<>();
            if (l != null) for (CmisObjectType o : l.getObjects()) {
                got.add(id(o) + " " + ObjectNavigation.one(o, "cmis:sourceId") + "->" + ObjectNavigation.one(o, "cmis:targetId"));
            }
            List<String> want = List.of(s("rel") + " " + s("latest") + "->" + s("target"));
            Steps.expect(got.equals(want), "relationships " + got + ", wanted " + want);
            Steps.expect(l.getNumItems() == null || l.getNumItems().intValue() == 1, "numItems=" + l.getNumItems());
            // From the target's side too: only direction either (not the default source) finds it there.
            List<String> fromTarget = new ArrayList<>();
            for (CmisObjectType o : rel.getObjectRelationships(repo, s("target"), null, EnumRelationshipDirection.EITHER,
                    null, null, null, null, null, null).getObjects()) fromTarget.add(id(o));
            Steps.expect(fromTarget.equals(List.of(s("rel"))), "relationships of the target " + fromTarget + ", wanted [" + s("rel") + "]");
        }, "rel");

        // 26
        step("26a.createPolicy", () -> {
            Holder<String> id = new Holder<>();
            obj.createPolicy(repo, props("id", "cmis:objectTypeId", "cmis:policy", "string", "cmis:name", "policy-" + suffix,
                "string", "cmis:policyText", "scenario policy"), s("folder"), null, null, null, new Holder<>(), id);
            Steps.expect(id.value != null && !id.value.isEmpty(), "objectId=" + id.value);
            st.put("policy", id.value);
        }, "folder");

        step("26b.applyPolicy", () -> {
            pol.applyPolicy(repo, s("policy"), s("latest"), new Holder<>());
            st.put("applied", Boolean.TRUE);
        }, "policy", "latest");

        step("26c.getAppliedPolicies", () -> {
            List<String> got = new ArrayList<>();
            for (CmisObjectType o : pol.getAppliedPolicies(repo, s("latest"), null, null)) got.add(id(o));
            Steps.expect(got.equals(List.of(s("policy"))), "applied policies " + got + ", wanted [" + s("policy") + "]");
        }, "applied");

        step("26d.removePolicy", () -> {
            pol.removePolicy(repo, s("policy"), s("latest"), new Holder<>());
            st.remove("applied");
            st.put("removed", Boolean.TRUE);
        }, "applied");

        step("26e.getAppliedPolicies(none)", () -> {
            List<String> got = new ArrayList<>();
            for (CmisObjectType o : pol.getAppliedPolicies(repo, s("latest"), null, null)) got.add(id(o));
            Steps.expect(got.isEmpty(), "applied policies " + got + ", wanted none");
        }, "removed");

        // 27: the target document inherited `anyone` cmis:read from its folder (and that from the root).
        step("27a.applyACL(removeAnyone)", () -> {
            List<String> got = aces(acl.applyACL(repo, s("target"), null, aceList("anyone", "cmis:read"), null, null));
            Steps.expect(!hasPrincipal(got, "anyone"), "ACL after removing anyone: " + got);
            st.put("closed", Boolean.TRUE);
        }, "target");

        step("27b.getObject(user2,denied)", () -> ObjectNavigation.expectFault(() ->
            obj2.getObject(repo, s("target"), null, null, null, null, null, null, null), "permissionDenied"), "closed", "user2");

        step("27c.applyACL(addUser2Read)", () -> {
            List<String> got = aces(acl.applyACL(repo, s("target"), aceList(user2, "cmis:read"), null, null, null));
            Steps.expect(got.contains(user2 + ":cmis:read:true"), "ACL " + got + " lacks " + user2 + " cmis:read direct");
            st.put("opened", Boolean.TRUE);
        }, "closed", "user2");

        step("27d.getObject(user2)", () -> {
            CmisObjectType o = obj2.getObject(repo, s("target"), null, null, null, null, null, null, null);
            Steps.expect(s("target").equals(id(o)), "objectId " + id(o));
        }, "opened");

        step("27e.updateProperties(user2,denied)", () -> ObjectNavigation.expectFault(() -> obj2.updateProperties(repo,
            new Holder<>(s("target")), new Holder<>(), props("string", "cmis:name", "x-" + suffix + ".bin"), new Holder<>()),
            "permissionDenied"), "opened");

        step("27f.getACL", () -> {
            List<String> got = aces(acl.getACL(repo, s("target"), null, null));
            Steps.expect(got.contains(user2 + ":cmis:read:true"), "ACL " + got + " lacks " + user2 + " cmis:read direct=true");
            Steps.expect(!hasPrincipal(got, "anyone"), "ACL " + got + " has anyone again");
        }, "opened");

        // 28
        step("28a.query(IN_FOLDER)", () -> {
            String q = "SELECT cmis:objectId, cmis:name FROM cmis:document WHERE IN_FOLDER('" + s("folder") + "') ORDER BY cmis:name";
            CmisObjectListType l = disc.query(repo, q, null, null, null, null, null, null, null);
            List<String> got = new ArrayList<>();
            for (CmisObjectType o : l.getObjects()) got.add((String) ObjectNavigation.one(o, "cmis:name"));
            List<String> want = new ArrayList<>(List.of(docName, targetName));
            Collections.sort(want);
            Steps.expect(got.equals(want), "names " + got + ", wanted " + want);
            Steps.expect(BigInteger.valueOf(want.size()).equals(l.getNumItems()), "numItems=" + l.getNumItems() + ", wanted " + want.size());
        }, "latest", "target");

        step("28b.query(name=)", () -> {
            String q = "SELECT cmis:objectId, cmis:name FROM cmis:document WHERE cmis:name = '" + docName + "'";
            List<String> got = idsNames(disc.query(repo, q, null, null, null, null, null, null, null).getObjects());
            Steps.expect(got.equals(List.of(s("latest") + "/" + docName)), "rows " + got + ", wanted only the latest version " + s("latest") + "/" + docName);
        }, "latest");

        // 29
        step("29a.deleteTree(folders)", () -> {
            for (String f : new String[] {"folder", "folder2"}) {
                if (s(f) == null) continue;
                DeleteTreeResponse.FailedToDelete r = obj.deleteTree(repo, s(f), null, null, null, null);
                Steps.expect(r != null, "failedToDelete missing (" + f + ")");
                Steps.expect(r.getObjectIds().isEmpty(), "failedToDelete objectIds " + r.getObjectIds() + " (" + f + ")");
                st.put(f + "Deleted", Boolean.TRUE);
            }
            st.put("treeDeleted", Boolean.TRUE);
        }, "folder");

        step("29b.getObject(deleted)", () -> {
            for (String k : new String[] {"latest", "doc"}) {
                if (s(k) == null) continue;
                ObjectNavigation.expectFault(() -> obj.getObject(repo, s(k), null, null, null, null, null, null, null), "objectNotFound");
            }
        }, "treeDeleted", "doc");

        // Not a step: leave nothing behind when a step failed.
        if (st.get("applied") != null) {
            try {
                pol.removePolicy(repo, s("policy"), s("latest"), new Holder<>());
            } catch (Throwable e) {
                System.err.println("note: cleanup removePolicy: " + Steps.describe(e));
            }
        }
        for (String f : new String[] {"folder", "folder2"}) {
            if (s(f) != null && st.get(f + "Deleted") == null) {
                try {
                    obj.deleteTree(repo, s(f), null, null, true, null);
                    System.err.println("note: cleanup: deleteTree(" + s(f) + ")");
                } catch (Throwable e) {
                    System.err.println("note: cleanup deleteTree(" + s(f) + "): " + Steps.describe(e));
                }
            }
        }
    }

    static List<String> parents(NavigationServicePort nav, String repo, String id) throws Exception {
        List<String> got = new ArrayList<>();
        for (CmisObjectParentsType p : nav.getObjectParents(repo, id, null, null, null, null, null, null)) got.add(id(p.getObject()));
        Collections.sort(got);
        return got;
    }
}
