// CMIS 1.1 scenario on WCF (System.ServiceModel) on Mono 6.8: the Repository steps 1-10 here
// (createType, getTypeDefinition, deleteType of a new document type among them); the Object +
// Navigation steps 11-21 in ObjectNavigation.cs, the Versioning, MultiFiling, Relationship, Policy,
// ACL and Discovery steps 22-29 in MoreServices.cs, the change log steps 30a-30c in ChangeLog.cs; the
// binding, authentication, raw-reply capture and step bookkeeping in Steps.cs (shared with the CMIS
// 1.0 scenario, Scenario10.cs).
//
//   conformance/clients/wcf/run.sh BASE_URL USER PASSWORD [mtom|text] [wsse|basic]
//
// Each step prints "PASS wcf-<encoding> <step>" or "FAIL wcf-<encoding> <step>: <operation> <fault
// type or error>"; the run ends with "N passed, M failed" and exits 1 if M > 0.

using System;
using System.Linq;
using System.ServiceModel;

static partial class Scenario
{
    static void CheckNewProps(cmisTypeDefinitionType t)
    {
        var s = PropDef<cmisPropertyStringDefinitionType>(t, "scen:title");
        var i = PropDef<cmisPropertyIntegerDefinitionType>(t, "scen:pages");
        Expect(s != null, "no propertyStringDefinition scen:title in " + PropSummary(t));
        Expect(i != null, "no propertyIntegerDefinition scen:pages in " + PropSummary(t));
        Expect(s.maxLength == "100", "scen:title maxLength=" + s.maxLength);
    }

    static int Main(string[] args)
    {
        // 1
        int code = Start(args, "wcf", "/services", false);
        if (code >= 0) return code;

        if (repo == null) Skip("2.getRepositoryInfo", "getRepositoryInfo", "no repositoryId");
        else Run("2.getRepositoryInfo", "getRepositoryInfo", () =>
        {
            cmisRepositoryInfoType info = client.getRepositoryInfo(new getRepositoryInfo { repositoryId = repo }).repositoryInfo;
            Expect(info != null, "no repositoryInfo");
            Expect(info.cmisVersionSupported == "1.1", "cmisVersionSupported=" + info.cmisVersionSupported);
            Expect(!string.IsNullOrEmpty(info.rootFolderId), "rootFolderId=" + info.rootFolderId);
            Expect(info.capabilities != null, "capabilities missing");
            Expect(ReplyHas(insp, CMIS, "capabilityACL"), "capabilityACL missing from the answer");
            Expect(ReplyHas(insp, CMIS, "capabilityQuery"), "capabilityQuery missing from the answer");
            Console.Error.WriteLine("note: capabilityACL=" + info.capabilities.capabilityACL + " capabilityQuery=" + info.capabilities.capabilityQuery);
        });

        if (repo == null) Skip("3.getTypeChildren", "getTypeChildren", "no repositoryId");
        else Run("3.getTypeChildren", "getTypeChildren", () =>
        {
            cmisTypeDefinitionListType l = client.getTypeChildren(new getTypeChildren
            {
                repositoryId = repo, includePropertyDefinitions = false, includePropertyDefinitionsSpecified = true
            }).types;
            Expect(l != null, "no types");
            string ids = Ids(l.types);
            Expect(l.types != null && l.types.Any(t => t.id == "cmis:document") && l.types.Any(t => t.id == "cmis:folder"), "type ids " + ids);
            Expect(ReplyHas(insp, CMISM, "hasMoreItems"), "hasMoreItems missing from the answer");
        });

        if (repo == null) Skip("4.getTypeDescendants", "getTypeDescendants", "no repositoryId");
        else Run("4.getTypeDescendants", "getTypeDescendants", () =>
        {
            getTypeDescendantsResponse r = client.getTypeDescendants(new getTypeDescendants
            {
                repositoryId = repo, typeId = "cmis:folder", depth = "-1"
            });
            Expect(r != null, "no response");
            Console.Error.WriteLine("note: getTypeDescendants(cmis:folder) gave " + (r.types == null ? "no" : r.types.Length.ToString()) + " containers");
        });

        if (repo == null) Skip("5.getTypeDefinition", "getTypeDefinition", "no repositoryId");
        else Run("5.getTypeDefinition", "getTypeDefinition", () =>
        {
            cmisTypeDefinitionType t = client.getTypeDefinition(new getTypeDefinition { repositoryId = repo, typeId = "cmis:document" }).type;
            Expect(t != null, "no type");
            Expect(t.id == "cmis:document", "id=" + t.id);
            Expect(t.baseId == enumBaseObjectTypeIds.cmisdocument, "baseId=" + t.baseId);
            var d = t as cmisTypeDocumentDefinitionType;
            Expect(d != null, "XmlSerializer made a " + t.GetType().Name + " (xsi:type missing or wrong?)");
            Expect(ReplyHas(insp, CMIS, "versionable"), "versionable missing from the answer");
            Expect(ReplyHas(insp, CMIS, "contentStreamAllowed"), "contentStreamAllowed missing from the answer");
            Expect(PropDef<cmisPropertyIdDefinitionType>(t, "cmis:objectId") != null, "no propertyIdDefinition cmis:objectId in " + PropSummary(t));
            Console.Error.WriteLine("note: cmis:document versionable=" + d.versionable + " contentStreamAllowed=" + d.contentStreamAllowed);
        });

        string newId = "scen:doc" + new Random().Next().ToString("x8");
        bool created = false, deleted = false;
        if (repo == null) Skip("6.createType", "createType", "no repositoryId");
        else Run("6.createType", "createType", () =>
        {
            var title = new cmisPropertyStringDefinitionType { maxLength = "100" };
            Fill(title, "scen:title", "title", "Title", enumPropertyType.@string);
            var pages = new cmisPropertyIntegerDefinitionType();
            Fill(pages, "scen:pages", "pages", "Pages", enumPropertyType.integer);
            // The element is declared cmisTypeDefinitionType; XmlSerializer writes
            // xsi:type="cmisTypeDocumentDefinitionType" for the subclass.
            var d = new cmisTypeDocumentDefinitionType
            {
                id = newId, localName = newId.Substring(5), localNamespace = "http://example.org/scenario",
                displayName = "Scenario document", queryName = newId, description = "created by the WCF scenario",
                baseId = enumBaseObjectTypeIds.cmisdocument, parentId = "cmis:document",
                creatable = true, fileable = true, queryable = true, fulltextIndexed = false,
                includedInSupertypeQuery = true, controllablePolicy = false, controllableACL = true,
                Items = new cmisPropertyDefinitionType[] { title, pages },
                versionable = false, contentStreamAllowed = enumContentStreamAllowed.allowed
            };
            cmisTypeDefinitionType t = client.createType(new createType { repositoryId = repo, type = d }).type;
            Expect(t != null, "no type returned");
            Expect(t.id == newId, "id=" + t.id);
            CheckNewProps(t);
            created = true;
        });

        if (!created) Skip("7.getTypeDefinition(new)", "getTypeDefinition", "createType failed");
        else Run("7.getTypeDefinition(new)", "getTypeDefinition", () =>
        {
            cmisTypeDefinitionType t = client.getTypeDefinition(new getTypeDefinition { repositoryId = repo, typeId = newId }).type;
            Expect(t != null && t.id == newId, "id=" + (t == null ? null : t.id));
            Expect(t.parentId == "cmis:document", "parentId=" + t.parentId);
            Expect(t is cmisTypeDocumentDefinitionType, "XmlSerializer made a " + t.GetType().Name);
            CheckNewProps(t);
        });

        if (!created) Skip("8.getTypeChildren(cmis:document)", "getTypeChildren", "createType failed");
        else Run("8.getTypeChildren(cmis:document)", "getTypeChildren", () =>
        {
            cmisTypeDefinitionListType l = client.getTypeChildren(new getTypeChildren
            {
                repositoryId = repo, typeId = "cmis:document", includePropertyDefinitions = false, includePropertyDefinitionsSpecified = true
            }).types;
            Expect(l != null && l.types != null && l.types.Any(t => t.id == newId), newId + " not among " + Ids(l == null ? null : l.types));
        });

        if (!created) Skip("9a.deleteType", "deleteType", "createType failed");
        else Run("9a.deleteType", "deleteType", () =>
        {
            client.deleteType(new deleteType { repositoryId = repo, typeId = newId });
            deleted = true;
        });
        if (!deleted) Skip("9b.getTypeDefinition(deleted)", "getTypeDefinition", "deleteType failed");
        else Run("9b.getTypeDefinition(deleted)", "getTypeDefinition", () =>
        {
            cmisTypeDefinitionType t;
            try
            {
                t = client.getTypeDefinition(new getTypeDefinition { repositoryId = repo, typeId = newId }).type;
            }
            catch (FaultException fe)
            {
                string how;
                string ft = FaultType(fe, out how);
                Expect(ft == "objectNotFound", Describe(fe) + ", wanted cmisFault type objectNotFound");
                Console.Error.WriteLine("note: objectNotFound read from " + how);
                return;
            }
            throw new Check("no fault; got type " + (t == null ? null : t.id));
        });

        // Not a step: a type the server created but a failed step did not delete would block the
        // next run (its property ids are taken), so try to remove it.
        if (repo != null && !deleted)
        {
            try
            {
                client.deleteType(new deleteType { repositoryId = repo, typeId = newId });
                Console.Error.WriteLine("note: cleanup: deleted " + newId);
            }
            catch (Exception e)
            {
                Console.Error.WriteLine("note: cleanup deleteType(" + newId + "): " + Describe(e));
            }
        }

        // 10, 30a, 11-29, 30b-30c
        return Finish();
    }

    static void Fill(cmisPropertyDefinitionType p, string id, string local, string display, enumPropertyType type)
    {
        p.id = id;
        p.localName = local;
        p.displayName = display;
        p.queryName = id;
        p.propertyType = type;
        p.cardinality = enumCardinality.single;
        p.updatability = enumUpdatability.readwrite;
        p.inherited = false;
        p.inheritedSpecified = true;
        p.required = false;
        p.queryable = true;
        p.orderable = true;
    }
}
