// CMIS 1.0 scenario on WCF on Mono 6.8: a proxy generated (svcutil, xsd, fixup.py; see run.sh) from
// the live CMIS 1.0 WSDL, <base>/services10/RepositoryService?wsdl, as .NET applications of the 1.0
// era were. XmlSerializer refuses an enumeration value its classes do not know, so a 1.1 value in a
// 1.0 answer (cmis:item in baseId or changesOnType, a 1.1 capability value) fails the step that
// reads it. The Repository steps 1-10 here check what a 1.0 client must see (cmisVersionSupported
// 1.0; the four 1.0 base types only; cmis:item and cmis:secondary are objectNotFound; no property
// CMIS 1.1 added; createType and deleteType, sent by hand since the 1.0 contract has no such
// operation, are notSupported); steps 11-30 are the CMIS 1.1 scenario's own (ObjectNavigation.cs,
// MoreServices.cs, ChangeLog.cs, with Steps.cs) on the 1.0 ports: MTOM or text content, versioning,
// filing, relationships, policies, ACLs, query and the change log.
//
//   conformance/clients/wcf/run.sh BASE_URL USER PASSWORD [mtom|text] [wsse|basic] 1.0
//
// Each step prints "PASS wcf10-<encoding> <step>" or "FAIL wcf10-<encoding> <step>: …"; the run ends
// with "N passed, M failed" and exits 1 if M > 0.

using System;
using System.IO;
using System.Linq;
using System.ServiceModel;
using System.ServiceModel.Channels;
using System.Xml;

static partial class Scenario
{
    static void Collect(cmisTypeContainer[] l, System.Collections.Generic.List<cmisTypeDefinitionType> into)
    {
        if (l == null) return;
        foreach (cmisTypeContainer c in l)
        {
            into.Add(c.type);
            Collect(c.children, into);
        }
    }

    // Texts of the elements of that name in the last raw reply.
    static string[] ReplyTexts(Capture cap, string ns, string local)
    {
        XmlDocument d = LastReplyDoc(cap);
        if (d == null) return new string[0];
        return d.GetElementsByTagName(local, ns).Cast<XmlNode>().Select(n => n.InnerText.Trim()).ToArray();
    }

    // Sends a request element the 1.0 WSDL lacks to the RepositoryService endpoint on a plain
    // request channel of the same binding and returns the cmisFault type of the answer.
    static string PostOutside10(string op)
    {
        // A plain request channel of the same binding (Mono's ChannelFactory<IRequestChannel> wants a
        // service contract, so the binding builds the factory itself).
        var parameters = new BindingParameterCollection();
        if (basic)
        {
            var cc = new System.ServiceModel.Description.ClientCredentials();
            cc.UserName.UserName = user;
            cc.UserName.Password = password;
            parameters.Add(cc);
        }
        CustomBinding binding = MakeBinding(mtom, basic, new Capture());
        IChannelFactory<IRequestChannel> f = binding.BuildChannelFactory<IRequestChannel>(parameters);
        f.Open();
        IRequestChannel ch = f.CreateChannel(new EndpointAddress(address));
        ch.Open();
        try
        {
            string body = "<m:" + op + " xmlns:m=\"" + CMISM + "\"><m:repositoryId>" + repo + "</m:repositoryId>" +
                "<m:typeId>cmis:document</m:typeId></m:" + op + ">";
            Message req = Message.CreateMessage(binding.MessageVersion, "", XmlReader.Create(new StringReader(body)));
            // A plain channel has no client runtime, so no message inspector: the header goes on here.
            if (!basic) req.Headers.Add(new WsseHeader(user, password));
            Message reply = ch.Request(req);
            if (!reply.IsFault) return "no fault";
            // Read as plain XML: Mono's MessageFault.CreateFault on a message read this way cannot
            // resolve the faultcode's prefix, which the server declares on soap:Envelope.
            var doc = new XmlDocument();
            doc.Load(reply.GetReaderAtBodyContents());
            var ns = new XmlNamespaceManager(doc.NameTable);
            ns.AddNamespace("m", CMISM);
            XmlNode t = doc.SelectSingleNode("//m:cmisFault/m:type", ns);
            return t == null ? "no cmisFault in " + doc.OuterXml : t.InnerText.Trim();
        }
        finally
        {
            ch.Close();
            f.Close();
        }
    }

    static int Main(string[] args)
    {
        // 1
        int code = Start(args, "wcf10", "/services10", true);
        if (code >= 0) return code;

        if (repo == null) Skip("2.getRepositoryInfo(1.0)", "getRepositoryInfo", "no repositoryId");
        else Run("2.getRepositoryInfo(1.0)", "getRepositoryInfo", () =>
        {
            cmisRepositoryInfoType info = client.getRepositoryInfo(new getRepositoryInfo { repositoryId = repo }).repositoryInfo;
            Expect(info != null, "no repositoryInfo");
            Expect(info.cmisVersionSupported == "1.0", "cmisVersionSupported=" + info.cmisVersionSupported);
            Expect(!string.IsNullOrEmpty(info.rootFolderId), "rootFolderId=" + info.rootFolderId);
            Expect(info.capabilities != null && ReplyHas(insp, CMIS, "capabilityACL") && ReplyHas(insp, CMIS, "capabilityChanges"),
                "capabilities missing from the answer");
            string[] raw = ReplyTexts(insp, CMIS, "changesOnType");
            Expect(!raw.Contains("cmis:item"), "changesOnType " + string.Join(",", raw));
            Expect(!ReplyHas(insp, CMIS, "capabilityOrderBy"), "CMIS 1.1's capabilityOrderBy in a 1.0 answer");
            Console.Error.WriteLine("note: changesOnType " + string.Join(",", info.changesOnType ?? new enumBaseObjectTypeIds[0]));
        });

        if (repo == null) Skip("3.getTypeChildren(1.0 base types)", "getTypeChildren", "no repositoryId");
        else Run("3.getTypeChildren(1.0 base types)", "getTypeChildren", () =>
        {
            cmisTypeDefinitionListType l = client.getTypeChildren(new getTypeChildren
            {
                repositoryId = repo, includePropertyDefinitions = true, includePropertyDefinitionsSpecified = true
            }).types;
            string got = Ids(l.types), want = "[cmis:document, cmis:folder, cmis:relationship, cmis:policy]";
            Expect(got == want, "base types " + got + ", wanted the four of CMIS 1.0 " + want);
            Expect(l.numItems == "4", "numItems=" + l.numItems);
            Expect(ReplyHas(insp, CMISM, "hasMoreItems") && !l.hasMoreItems, "hasMoreItems missing or true");
        });

        if (repo == null) Skip("4.getTypeDescendants(all)", "getTypeDescendants", "no repositoryId");
        else Run("4.getTypeDescendants(all)", "getTypeDescendants", () =>
        {
            var all = new System.Collections.Generic.List<cmisTypeDefinitionType>();
            Collect(client.getTypeDescendants(new getTypeDescendants
            {
                repositoryId = repo, depth = "-1", includePropertyDefinitions = true, includePropertyDefinitionsSpecified = true
            }).types, all);
            Expect(all.Count >= 4, all.Count + " types");
            foreach (cmisTypeDefinitionType t in all)
                foreach (string only11 in Only11)
                    Expect(PropDef<cmisPropertyDefinitionType>(t, only11) == null, t.id + " defines " + only11);
            foreach (string b in ReplyTexts(insp, CMIS, "baseId")) Expect(b != "cmis:item" && b != "cmis:secondary", "baseId " + b);
        });

        if (repo == null) Skip("5.getTypeDefinition(cmis:document)", "getTypeDefinition", "no repositoryId");
        else Run("5.getTypeDefinition(cmis:document)", "getTypeDefinition", () =>
        {
            cmisTypeDefinitionType t = client.getTypeDefinition(new getTypeDefinition { repositoryId = repo, typeId = "cmis:document" }).type;
            var d = t as cmisTypeDocumentDefinitionType;
            Expect(d != null, "XmlSerializer made a " + (t == null ? "null" : t.GetType().Name));
            Expect(t.baseId == enumBaseObjectTypeIds.cmisdocument, "baseId=" + t.baseId);
            Expect(ReplyHas(insp, CMIS, "versionable"), "versionable missing from the answer");
            Expect(PropDef<cmisPropertyIdDefinitionType>(t, "cmis:objectId") != null, "no cmis:objectId in " + PropSummary(t));
            foreach (string only11 in Only11)
                Expect(PropDef<cmisPropertyDefinitionType>(t, only11) == null, "CMIS 1.1's " + only11 + " in " + PropSummary(t));
            Expect(!ReplyHas(insp, CMIS, "typeMutability"), "CMIS 1.1's typeMutability in a 1.0 answer");
        });

        // 6-7: what CMIS 1.0 does not have does not exist
        foreach (string id in new[] { "cmis:item", "cmis:secondary" })
        {
            string step = (id == "cmis:item" ? "6" : "7") + ".getTypeDefinition(" + id + ")";
            if (repo == null) Skip(step, "getTypeDefinition", "no repositoryId");
            else Run(step, "getTypeDefinition", () => ExpectFault(() =>
                client.getTypeDefinition(new getTypeDefinition { repositoryId = repo, typeId = id }), "objectNotFound"));
        }

        // 8-9: operations CMIS 1.1 added, sent anyway
        foreach (string op in new[] { "createType", "deleteType" })
        {
            string step = (op == "createType" ? "8" : "9") + "." + op + "(1.1 only)";
            if (repo == null) Skip(step, op, "no repositoryId");
            else Run(step, op, () =>
            {
                string got = PostOutside10(op);
                Expect(got == "notSupported", "cmisFault type " + got + ", wanted notSupported");
            });
        }

        // 10, 30a, 11-29, 30b-30c
        return Finish();
    }
}
