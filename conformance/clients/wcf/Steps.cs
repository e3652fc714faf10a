// What the WCF scenarios share: the CMIS 1.1 scenario (Scenario.cs) and the CMIS 1.0 one
// (Scenario10.cs) each add a Main with their Repository steps; ObjectNavigation.cs, MoreServices.cs and
// ChangeLog.cs are the same for both, compiled against the classes generated from the face's WSDL.
//
// run.sh builds the proxy (svcutil + xsd + fixup.py, see there) from the live
// <base>/services/RepositoryService?wsdl (/services10/… for CMIS 1.0); at run time this program reads the same live WSDL once
// more (System.Web.Services.Description) and takes the RepositoryService port's soap:address as
// the endpoint address, so the server's real soap:address is what gets called.
//
// Binding: BasicHttpBinding, MessageEncoding = WSMessageEncoding.Mtom ("mtom") or Text ("text").
// Its binding elements are used as they are, except that the encoder is wrapped by a pass-through
// one that keeps the raw reply (CapturingEncodingElement), for checks XmlSerializer cannot make.
//
// Authentication, and why the default is a hand-made wsse:Security header:
//  * WCF emits a UsernameToken only with message security, and BasicHttpBinding allows
//    UserName message credentials only over HTTPS (TransportWithMessageCredential); over plain HTTP
//    the binding refuses to open. The server under test speaks plain HTTP on loopback.
//  * "wsse" (default): a client message inspector adds
//      <wsse:Security s:mustUnderstand="1"><wsse:UsernameToken><wsse:Username/>
//      <wsse:Password Type="…#PasswordText"/></wsse:UsernameToken></wsse:Security>
//    to every request: the CMIS WS binding's mandated mechanism, on every request, independent of
//    the server's 401 behaviour; this is what the recorded WCF traffic (conformance/recorded/mono)
//    carries.
//  * "basic": BasicHttpSecurityMode.TransportCredentialOnly + HttpClientCredentialType.Basic.
//    WCF then sends each request anonymously first and repeats it with Authorization: Basic after
//    the server's 401 + WWW-Authenticate: Basic — it tests the server's challenge path instead.
//
// Each step prints "PASS wcf-<encoding> <step>" or "FAIL wcf-<encoding> <step>: <operation> <fault
// type or error>"; the run ends with "N passed, M failed" and exits 1 if M > 0.

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.ServiceModel;
using System.ServiceModel.Channels;
using System.ServiceModel.Description;
using System.ServiceModel.Dispatcher;
using System.Xml;
using WSD = System.Web.Services.Description;

class WsseHeader : MessageHeader
{
    public const string WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
    const string PasswordText = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText";
    readonly string user, password;

    public WsseHeader(string user, string password) { this.user = user; this.password = password; }
    public override string Name { get { return "Security"; } }
    public override string Namespace { get { return WSSE; } }
    public override bool MustUnderstand { get { return true; } }

    protected override void OnWriteStartHeader(XmlDictionaryWriter w, MessageVersion v)
    {
        w.WriteStartElement("wsse", Name, Namespace);
        WriteHeaderAttributes(w, v);
    }

    protected override void OnWriteHeaderContents(XmlDictionaryWriter w, MessageVersion v)
    {
        w.WriteStartElement("wsse", "UsernameToken", WSSE);
        w.WriteElementString("wsse", "Username", WSSE, user);
        w.WriteStartElement("wsse", "Password", WSSE);
        w.WriteAttributeString("Type", PasswordText);
        w.WriteString(password);
        w.WriteEndElement();
        w.WriteEndElement();
    }
}

// Adds the wsse header to every request (user != null). It leaves replies alone unless
// CMIS_WCF_BUFFER_REPLY=1, which makes it do what logging inspectors commonly do,
//     reply = reply.CreateBufferedCopy(int.MaxValue).CreateMessage();
// The copy is re-serialised from the Body down without the Envelope's namespace declarations, so
// an xsi:type="cmis:…" whose prefix is declared only on soap:Envelope no longer resolves
// ("Namespace prefix 'cmis' is not defined"). The switch checks that a server declares the
// prefixes it uses in xsi:type values inside the Body.
class Inspector : IClientMessageInspector, IEndpointBehavior
{
    readonly string user, password;
    static readonly bool bufferReply = Environment.GetEnvironmentVariable("CMIS_WCF_BUFFER_REPLY") == "1";

    public Inspector(string user, string password) { this.user = user; this.password = password; }

    public object BeforeSendRequest(ref Message request, IClientChannel channel)
    {
        if (user != null) request.Headers.Add(new WsseHeader(user, password));
        return null;
    }

    public void AfterReceiveReply(ref Message reply, object state)
    {
        if (bufferReply) reply = reply.CreateBufferedCopy(int.MaxValue).CreateMessage();
    }

    public void AddBindingParameters(ServiceEndpoint e, BindingParameterCollection p) { }
    public void ApplyClientBehavior(ServiceEndpoint e, ClientRuntime rt) { rt.MessageInspectors.Add(this); }
    public void ApplyDispatchBehavior(ServiceEndpoint e, EndpointDispatcher d) { }
    public void Validate(ServiceEndpoint e) { }
}

// Keeps the raw bytes of the last reply, so that the scenario can check elements XmlSerializer
// maps to value types (hasMoreItems, versionable, capabilityACL), whose absence it hides. It wraps
// the BasicHttpBinding's own encoder (Mtom or Text) and hands every message through unchanged, so
// WCF deserialises exactly what the server sent.
class Capture
{
    public string LastReply;
    // The last request as the encoder handed it to the HTTP transport: its Content-Type, its size
    // and its first 16 KiB (MIME headers and the start of the root part), for the MTOM check of
    // createDocument (ObjectNavigation.cs).
    public string LastRequestContentType, LastRequestHead;
    public long LastRequestBytes;

    public void Request(string contentType, byte[] b, int offset, int count)
    {
        LastRequestContentType = contentType;
        LastRequestBytes = count;
        LastRequestHead = System.Text.Encoding.GetEncoding("ISO-8859-1").GetString(b, offset, Math.Min(count, 16 * 1024));
    }
}

class CapturingEncodingElement : MessageEncodingBindingElement
{
    readonly MessageEncodingBindingElement inner;
    readonly Capture cap;
    public CapturingEncodingElement(MessageEncodingBindingElement inner, Capture cap) { this.inner = inner; this.cap = cap; }
    public override MessageVersion MessageVersion { get { return inner.MessageVersion; } set { inner.MessageVersion = value; } }
    public override BindingElement Clone() { return new CapturingEncodingElement((MessageEncodingBindingElement) inner.Clone(), cap); }
    public override MessageEncoderFactory CreateMessageEncoderFactory() { return new Factory(inner.CreateMessageEncoderFactory(), cap); }
    public override T GetProperty<T>(BindingContext context) { return inner.GetProperty<T>(context); }
    public override IChannelFactory<TChannel> BuildChannelFactory<TChannel>(BindingContext context)
    {
        context.BindingParameters.Add(this);
        return context.BuildInnerChannelFactory<TChannel>();
    }
    public override bool CanBuildChannelFactory<TChannel>(BindingContext context) { return context.CanBuildInnerChannelFactory<TChannel>(); }

    class Factory : MessageEncoderFactory
    {
        readonly MessageEncoderFactory inner;
        readonly Encoder enc;
        public Factory(MessageEncoderFactory inner, Capture cap) { this.inner = inner; enc = new Encoder(inner.Encoder, cap); }
        public override MessageEncoder Encoder { get { return enc; } }
        public override MessageVersion MessageVersion { get { return inner.MessageVersion; } }
    }

    class Encoder : MessageEncoder
    {
        readonly MessageEncoder inner;
        readonly Capture cap;
        public Encoder(MessageEncoder inner, Capture cap) { this.inner = inner; this.cap = cap; }
        public override string ContentType { get { return inner.ContentType; } }
        public override string MediaType { get { return inner.MediaType; } }
        public override MessageVersion MessageVersion { get { return inner.MessageVersion; } }
        public override bool IsContentTypeSupported(string contentType) { return inner.IsContentTypeSupported(contentType); }
        public override T GetProperty<T>() { return inner.GetProperty<T>(); }
        public override Message ReadMessage(ArraySegment<byte> buffer, BufferManager bm, string contentType)
        {
            cap.LastReply = System.Text.Encoding.UTF8.GetString(buffer.Array, buffer.Offset, buffer.Count);
            return inner.ReadMessage(buffer, bm, contentType);
        }
        public override Message ReadMessage(Stream stream, int maxSizeOfHeaders, string contentType)
        {
            var ms = new MemoryStream();
            stream.CopyTo(ms);
            cap.LastReply = System.Text.Encoding.UTF8.GetString(ms.ToArray());
            ms.Position = 0;
            return inner.ReadMessage(ms, maxSizeOfHeaders, contentType);
        }
        public override ArraySegment<byte> WriteMessage(Message m, int max, BufferManager bm, int offset)
        {
            ArraySegment<byte> seg = inner.WriteMessage(m, max, bm, offset);
            cap.Request(inner.ContentType, seg.Array, seg.Offset, seg.Count);
            return seg;
        }
        public override void WriteMessage(Message m, Stream s)
        {
            var ms = new MemoryStream();
            inner.WriteMessage(m, ms);
            byte[] b = ms.ToArray();
            cap.Request(inner.ContentType, b, 0, b.Length);
            s.Write(b, 0, b.Length);
        }
    }
}

class Check : Exception { public Check(string m) : base(m) { } }

static partial class Scenario
{
    const string CMIS = "http://docs.oasis-open.org/ns/cmis/core/200908/";
    const string CMISM = "http://docs.oasis-open.org/ns/cmis/messaging/200908/";
    // The framework name in every PASS/FAIL line (wcf-mtom, wcf10-text, …), where the services are
    // (/services for CMIS 1.1, /services10 for CMIS 1.0), and whether the run talks to the 1.0 face.
    static string FW = "wcf";
    static string Services = "/services";
    static bool V10;
    static int passed, failed;

    static void Expect(bool cond, string what) { if (!cond) throw new Check(what); }

    static bool Run(string step, string op, Action a)
    {
        try
        {
            a();
            passed++;
            Console.WriteLine("PASS " + FW + " " + step);
            return true;
        }
        catch (Exception e)
        {
            failed++;
            Console.WriteLine("FAIL " + FW + " " + step + ": " + op + " " + Describe(e));
            if (!(e is Check || e is FaultException)) Console.Error.WriteLine(e);
            return false;
        }
    }

    static void Skip(string step, string op, string why)
    {
        failed++;
        Console.WriteLine("FAIL " + FW + " " + step + ": " + op + " not run: " + why);
    }

    // The cmisFault/type of a fault: from the typed FaultException<cmisFaultDetail> (see fixup.py
    // for why not FaultException<cmisFaultType> on Mono), else from the raw MessageFault detail.
    static string FaultType(FaultException fe, out string how)
    {
        var typedMono = fe as FaultException<cmisFaultDetail>;
        if (typedMono != null && typedMono.Detail != null && typedMono.Detail.Fault != null)
        {
            how = "FaultException<cmisFaultDetail>";
            return typedMono.Detail.Fault.type.ToString();
        }
        var typed = fe as FaultException<cmisFaultType>;
        if (typed != null && typed.Detail != null)
        {
            how = "FaultException<cmisFaultType>";
            return typed.Detail.type.ToString();
        }
        how = "raw MessageFault detail";
        try
        {
            MessageFault mf = fe.CreateMessageFault();
            if (!mf.HasDetail) { how = "fault without detail"; return null; }
            using (XmlDictionaryReader r = mf.GetReaderAtDetailContents())
            {
                var doc = new XmlDocument();
                doc.Load(r.ReadSubtree());
                var ns = new XmlNamespaceManager(doc.NameTable);
                ns.AddNamespace("m", CMISM);
                XmlNode t = doc.SelectSingleNode("//m:type", ns);
                return t == null ? null : t.InnerText.Trim();
            }
        }
        catch (Exception e)
        {
            how = "detail unreadable: " + e.Message;
            return null;
        }
    }

    static string Describe(Exception e)
    {
        var fe = e as FaultException;
        if (fe != null)
        {
            string how;
            string t = FaultType(fe, out how);
            if (t != null) return "cmisFault type=" + t + " (" + fe.Message + ") [" + how + "]";
            return "SOAP fault without cmisFault detail (" + how + "): faultcode=" + fe.Code.Name + " faultstring=" + fe.Message;
        }
        if (e is Check) return "unexpected answer: " + e.Message;
        var inner = e.InnerException;
        return e.GetType().Name + ": " + e.Message + (inner != null ? " <- " + inner.GetType().Name + ": " + inner.Message : "");
    }

    static XmlDocument LastReplyDoc(Capture cap)
    {
        if (cap.LastReply == null) return null;
        // Text: the whole reply. MTOM: the root part sits between the MIME headers and the next boundary.
        var m = System.Text.RegularExpressions.Regex.Match(cap.LastReply,
            @"<([\w.-]+:)?Envelope\b.*</([\w.-]+:)?Envelope>", System.Text.RegularExpressions.RegexOptions.Singleline);
        if (!m.Success) return null;
        var d = new XmlDocument();
        d.LoadXml(m.Value);
        return d;
    }

    static bool ReplyHas(Capture cap, string ns, string local)
    {
        XmlDocument d = LastReplyDoc(cap);
        return d != null && d.GetElementsByTagName(local, ns).Count > 0;
    }

    static string Ids(cmisTypeDefinitionType[] types)
    {
        return "[" + string.Join(", ", (types ?? new cmisTypeDefinitionType[0]).Select(t => t.id)) + "]";
    }

    static T PropDef<T>(cmisTypeDefinitionType t, string id) where T : cmisPropertyDefinitionType
    {
        return (t.Items ?? new cmisPropertyDefinitionType[0]).OfType<T>().FirstOrDefault(p => p.id == id);
    }

    static string PropSummary(cmisTypeDefinitionType t)
    {
        return "[" + string.Join(", ", (t.Items ?? new cmisPropertyDefinitionType[0]).Select(p => p.GetType().Name + " " + p.id)) + "]";
    }

    static string EndpointFromWsdl(string wsdlUrl, string user, string password, string service = "RepositoryService")
    {
        var wc = new WebClient();
        byte[] bytes;
        try
        {
            bytes = wc.DownloadData(wsdlUrl);
        }
        catch (WebException e)
        {
            var hr = e.Response as HttpWebResponse;
            if (hr == null || hr.StatusCode != HttpStatusCode.Unauthorized) throw;
            Console.Error.WriteLine("note: GET " + wsdlUrl + " answered 401; reading it with HTTP Basic");
            wc.Credentials = new NetworkCredential(user, password);
            bytes = wc.DownloadData(wsdlUrl);
        }
        WSD.ServiceDescription sd = WSD.ServiceDescription.Read(new MemoryStream(bytes));
        WSD.Service svc = sd.Services[service];
        if (svc == null) throw new Exception("WSDL has no service " + service);
        foreach (WSD.Port p in svc.Ports)
            foreach (object ext in p.Extensions)
            {
                var a = ext as WSD.SoapAddressBinding;
                if (a != null) return a.Location;
            }
        throw new Exception(service + " has no soap:address");
    }

    static RepositoryServicePortClient MakeClient(string address, bool mtom, bool basic, string user, string password, out Capture cap)
    {
        cap = new Capture();
        var c = new RepositoryServicePortClient(MakeBinding(mtom, basic, cap), new EndpointAddress(address));
        Authenticate(c, basic, user, password);
        return c;
    }

    // The BasicHttpBinding (MTOM or text encoder) with its encoder wrapped by the capturing one.
    static CustomBinding MakeBinding(bool mtom, bool basic, Capture cap)
    {
        var b = new BasicHttpBinding();
        b.MessageEncoding = mtom ? WSMessageEncoding.Mtom : WSMessageEncoding.Text;
        // Room for the 5 MiB content of the Object steps (7 MB as base64 with the text encoder). .NET
        // enforces these (defaults: 65536-byte messages, 8192-char strings, 16384-element arrays,
        // and in Buffered mode MaxBufferSize must equal MaxReceivedMessageSize); Mono 6.8 checks
        // none of them, so the run would pass on Mono without them (see README).
        b.MaxReceivedMessageSize = 64L * 1024 * 1024;
        b.MaxBufferSize = 64 * 1024 * 1024;
        b.ReaderQuotas.MaxStringContentLength = 64 * 1024 * 1024;
        b.ReaderQuotas.MaxArrayLength = 64 * 1024 * 1024;
        b.SendTimeout = b.ReceiveTimeout = TimeSpan.FromSeconds(60);
        if (basic)
        {
            b.Security.Mode = BasicHttpSecurityMode.TransportCredentialOnly;
            b.Security.Transport.ClientCredentialType = HttpClientCredentialType.Basic;
        }
        // The BasicHttpBinding's own elements, with its encoder wrapped by the capturing one.
        BindingElementCollection elems = b.CreateBindingElements();
        for (int i = 0; i < elems.Count; i++)
        {
            var enc = elems[i] as MessageEncodingBindingElement;
            if (enc != null) elems[i] = new CapturingEncodingElement(enc, cap);
        }
        var binding = new CustomBinding(elems);
        binding.SendTimeout = binding.ReceiveTimeout = b.SendTimeout;
        return binding;
    }

    static void Authenticate<T>(ClientBase<T> c, bool basic, string user, string password) where T : class
    {
        if (basic)
        {
            c.ClientCredentials.UserName.UserName = user;
            c.ClientCredentials.UserName.Password = password;
        }
        c.Endpoint.Behaviors.Add(basic ? new Inspector(null, null) : new Inspector(user, password));
    }

    static string baseUrl, user, password, address, repo;
    static bool mtom, basic;
    // The Repository port, and the capture of its raw replies.
    static RepositoryServicePortClient client;
    static Capture insp;

    // Takes the arguments, reads the face's RepositoryService WSDL for the endpoint and runs step 1.
    // fw is the framework name ("wcf" or "wcf10"; the encoding and auth mode are added), services the
    // face's path. Returns -1 to go on, else the exit code.
    static int Start(string[] args, string fw, string services, bool v10)
    {
        Services = services;
        V10 = v10;
        if (args.Length != 5)
        {
            Console.Error.WriteLine("usage: Scenario.exe BASE_URL USER PASSWORD mtom|text wsse|basic");
            return 2;
        }
        if (!ContentBytesValid())
        {
            Console.Error.WriteLine("CMIS_CONTENT_BYTES=" + Environment.GetEnvironmentVariable("CMIS_CONTENT_BYTES") + ": wanted a number of bytes, at least 16");
            return 2;
        }
        baseUrl = args[0].TrimEnd('/');
        user = args[1];
        password = args[2];
        mtom = args[3] == "mtom";
        basic = args[4] == "basic";
        FW = fw + "-" + args[3] + (basic ? "-basic" : "");
        string wsdl = baseUrl + Services + "/RepositoryService?wsdl";

        try
        {
            address = EndpointFromWsdl(wsdl, user, password);
            client = MakeClient(address, mtom, basic, user, password, out insp);
        }
        catch (Exception e)
        {
            failed++;
            Console.WriteLine("FAIL " + FW + " 0.loadWSDL: GET ?wsdl " + Describe(e));
            Console.Error.WriteLine(e);
            Console.WriteLine(passed + " passed, " + failed + " failed");
            return 1;
        }
        Console.Error.WriteLine("note: RepositoryService endpoint from WSDL: " + address);

        Run("1.getRepositories", "getRepositories", () =>
        {
            getRepositoriesResponse r = client.getRepositories(new getRepositories());
            Expect(r != null && r.repositories != null && r.repositories.Length > 0, "no repositories");
            cmisRepositoryEntryType e = r.repositories[0];
            Expect(!string.IsNullOrEmpty(e.repositoryId) && !string.IsNullOrEmpty(e.repositoryName),
                "entry lacks id or name: " + e.repositoryId + "/" + e.repositoryName);
            repo = e.repositoryId;
        });
        return -1;
    }

    // Step 10, then the change log's start (30a), the Object and Navigation steps (11-21), the other
    // services (22-29) and what the change log says of them (30b-30c); prints the summary and
    // returns the exit code.
    static int Finish()
    {
        Run("10.wrongPassword", "getRepositories", () =>
        {
            Capture badInsp;
            RepositoryServicePortClient bad = MakeClient(address, mtom, basic, user, password + "-wrong", out badInsp);
            getRepositoriesResponse r;
            try
            {
                r = bad.getRepositories(new getRepositories());
            }
            catch (FaultException fe)
            {
                string how;
                string ft = FaultType(fe, out how);
                Expect(ft == "permissionDenied", Describe(fe) + ", wanted cmisFault type permissionDenied");
                Console.Error.WriteLine("note: wrong password answered with a permissionDenied fault");
                return;
            }
            catch (CommunicationException ce)
            {
                // With HTTP Basic after a challenge, a 401 for the wrong password is acceptable too.
                var we = ce.InnerException as WebException;
                var hr = we == null ? null : we.Response as HttpWebResponse;
                if (basic && hr != null && hr.StatusCode == HttpStatusCode.Unauthorized)
                {
                    Console.Error.WriteLine("note: wrong Basic password answered with HTTP 401 (" + ce.GetType().Name + ")");
                    return;
                }
                throw new Check("transport error instead of a permissionDenied fault: " + Describe(ce));
            }
            throw new Check("no fault with a wrong password; got " + (r.repositories == null ? 0 : r.repositories.Length) + " repositories");
        });

        // 30a: the change log's position before the object steps (ChangeLog.cs)
        ChangeLogStart(repo, client, insp);

        // 11-21: Object + Navigation services (ObjectNavigation.cs)
        ObjectNavigation(baseUrl, user, password, mtom, basic, repo, client, insp);

        // 22-29: Versioning, MultiFiling, Relationship, Policy, ACL, Discovery (MoreServices.cs)
        MoreServices(baseUrl, user, password, mtom, basic, repo, client);

        // 30b-30c: what the change log says steps 12-29 did (ChangeLog.cs)
        ChangeLogEnd(baseUrl, user, password, mtom, basic, repo);

        Console.WriteLine(passed + " passed, " + failed + " failed");
        return failed > 0 ? 1 : 0;
    }
}
