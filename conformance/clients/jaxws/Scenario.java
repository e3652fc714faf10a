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
// What the steps share with the CMIS 1.0 scenario (Scenario10.java) is in Steps.java.
//
// Each step prints "PASS jaxws <step>" or "FAIL jaxws <step>: <operation> <fault type or error>";
// the run ends with "N passed, M failed" and exits 1 if M > 0.

import java.math.BigInteger;
import java.util.List;
import java.util.Random;

import javax.xml.ws.Holder;

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
import org.oasis_open.docs.ns.cmis.messaging._200908.CmisTypeContainer;
import org.oasis_open.docs.ns.cmis.messaging._200908.CmisTypeDefinitionListType;
import org.oasis_open.docs.ns.cmis.ws._200908.CmisException;

public class Scenario extends Steps {
    static void checkNewProps(CmisTypeDefinitionType t) throws Check {
        CmisPropertyStringDefinitionType s = propDef(t, CmisPropertyStringDefinitionType.class, "scen:title");
        CmisPropertyIntegerDefinitionType i = propDef(t, CmisPropertyIntegerDefinitionType.class, "scen:pages");
        expect(s != null, "no propertyStringDefinition scen:title in " + propSummary(t));
        expect(i != null, "no propertyIntegerDefinition scen:pages in " + propSummary(t));
        expect(BigInteger.valueOf(100).equals(s.getMaxLength()), "scen:title maxLength=" + s.getMaxLength());
    }

    static boolean created, deleted;

    public static void main(String[] args) throws Exception {
        // 1
        start(args, "Scenario", "jaxws", "/services", false);

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

        // 10, 30a, 11-29, 30b-30c
        finish();
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
