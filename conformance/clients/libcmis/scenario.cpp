/*
 * CMIS 1.1 object scenario driven by libcmis 0.5.2 (Debian libcmis-dev), the C++ CMIS client of
 * LibreOffice, through its Web Services binding.
 *
 *     conformance/clients/libcmis/run.sh http://127.0.0.1:18080 admin PASSWORD
 *     (builds build/scenario with g++ and `pkg-config libcmis-0.5`, then runs it)
 *
 * libcmis generates nothing from the WSDL: its SOAP requests and response parsers are written by
 * hand against the CMIS 1.1 schema. What it does take from the live server is the endpoints:
 * libcmis::SessionFactory::createSession(<base>/services/RepositoryService?wsdl, ...) first GETs
 * that URL (libcmis 0.5.2 tries every binding with that one response: AtomPub, which fails on a
 * WSDL, then Web Services, then SharePoint), WSSession sees a wsdl:definitions root (had it not,
 * it would GET the URL again with "?wsdl" / "&wsdl" appended) and reads the soap:address of every
 * wsdl:service into its service table. So the URL may be the ?wsdl URL itself (used here) or any
 * service URL whose "?wsdl" answers the WSDL. Every later request goes to those addresses.
 *
 * On the wire (libcmis 0.5.2): every request is an MTOM package (multipart/related,
 * type="application/xop+xml", a start= without angle brackets), no SOAPAction, a wsse:Security
 * header with a PasswordText UsernameToken (and a Timestamp in the wsse namespace) built from the
 * session's user and password. The HTTP layer is libcurl with CURLAUTH_ANY: it sends HTTP Basic only
 * in answer to a 401 with WWW-Authenticate. Content goes out as an XOP attachment.
 *
 * libcmis API notes that shape the steps:
 *   - there is no createType/deleteType in libcmis 0.5: that part of the scenario is not run
 *     (said on stderr; it is not counted as a failure);
 *   - there is no getProperties call either: "9.getProperties" reads cmis:contentStreamLength with
 *     Session::getObject (the CMIS getObject operation);
 *   - after every object it reads, libcmis calls getTypeDefinition for the object's type;
 *   - SessionFactory::createSession catches every libcmis::Exception of the binding attempts and
 *     returns NULL, so a wrong password cannot surface as a permissionDenied Exception through
 *     the public API; see step 14.
 *
 * Steps 15-21 (after step 14) cover versioning (checkOut, checkIn with 1 MiB of new content,
 * getAllVersions), getObjectParents, a second, ordinary user (CMIS_USER2 / CMIS_PASS2 in the
 * environment) reading a document and failing to rename it, and deleteTree. libcmis 0.5.2 has no API
 * for multi-filing, relationships, policies, ACLs or query: those steps are not run (said on stderr,
 * not counted), and the numbering follows the node client's so that the same number is the same check.
 *
 * Each step prints "PASS libcmis <step>" or "FAIL libcmis <step>: <operation> <fault type or
 * error>"; the run ends with "N passed, M failed" and the exit status is 1 if M > 0. Faults are
 * classified by libcmis::Exception::getType(), which libcmis fills from the cmisFault detail's
 * <type>. Diagnostics ("note: ...") go to stderr.
 */
#include <libcmis/libcmis.hxx>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

using std::string;
using std::vector;

static const char *FW = "libcmis";
/* The size of a random content: CMIS_CONTENT_BYTES when set (e.g. 2048, to keep recordings of a
 * session small), else the scenario's own size; 0 for a value that is not a number >= 16 (main
 * refuses it). */
static size_t contentBytes(size_t dflt)
{
    const char *v = getenv("CMIS_CONTENT_BYTES");
    if (v == nullptr || *v == '\0')
        return dflt;
    char *end = nullptr;
    unsigned long long n = strtoull(v, &end, 10);
    return *end == '\0' && n >= 16 ? static_cast<size_t>(n) : 0;
}
static const size_t CONTENT_SIZE = contentBytes(3 * 1024 * 1024);
static const size_t VERSION_SIZE = contentBytes(1024 * 1024); // steps 15: each version's content
static int g_passed = 0;
static int g_failed = 0;

/* An answer arrived but did not say what the step expects. */
struct Check : std::runtime_error {
    explicit Check(const string &what) : std::runtime_error(what) {}
};

static void expect(bool cond, const string &what)
{
    if (!cond)
        throw Check(what);
}

static void note(const string &msg)
{
    std::cerr << "note: " << msg << std::endl;
}

static void pass(const string &step)
{
    ++g_passed;
    std::cout << "PASS " << FW << " " << step << std::endl;
}

static void fail(const string &step, const string &op, const string &why)
{
    ++g_failed;
    std::cout << "FAIL " << FW << " " << step << ": " << op << " " << why << std::endl;
}

static void skip(const string &step, const string &op, const string &why)
{
    fail(step, op, "not run: " + why);
}

/* Runs one step; true when it passed. */
static bool run(const string &step, const string &op, const std::function<void()> &fn)
{
    try {
        fn();
        pass(step);
        return true;
    } catch (const libcmis::Exception &e) {
        fail(step, op, "libcmis::Exception type=" + e.getType() + " (" + e.what() + ")");
    } catch (const Check &e) {
        fail(step, op, string("unexpected answer: ") + e.what());
    } catch (const std::exception &e) {
        fail(step, op, string("std::exception: ") + e.what());
    }
    return false;
}

/* ---- SHA-256 (FIPS 180-4), to compare the content without another library ---------------- */
static string sha256_hex(const string &data)
{
    static const uint32_t k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    string msg = data;
    uint64_t bits = static_cast<uint64_t>(data.size()) * 8;
    msg.push_back(static_cast<char>(0x80));
    while (msg.size() % 64 != 56)
        msg.push_back('\0');
    for (int i = 7; i >= 0; --i)
        msg.push_back(static_cast<char>((bits >> (i * 8)) & 0xff));
    auto rotr = [](uint32_t x, int n) { return (x >> n) | (x << (32 - n)); };
    for (size_t off = 0; off < msg.size(); off += 64) {
        uint32_t w[64];
        for (int i = 0; i < 16; ++i) {
            const unsigned char *p = reinterpret_cast<const unsigned char *>(msg.data() + off + i * 4);
            w[i] = (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
        }
        for (int i = 16; i < 64; ++i) {
            uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
            uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
        for (int i = 0; i < 64; ++i) {
            uint32_t S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
            uint32_t ch = (e & f) ^ (~e & g);
            uint32_t t1 = hh + S1 + ch + k[i] + w[i];
            uint32_t S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
            uint32_t mj = (a & b) ^ (a & c) ^ (b & c);
            uint32_t t2 = S0 + mj;
            hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
        }
        h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
    }
    char out[65];
    for (int i = 0; i < 8; ++i)
        snprintf(out + i * 8, 9, "%08x", h[i]);
    return string(out, 64);
}

/* ---- helpers ------------------------------------------------------------------------------ */
static string randomHex(std::mt19937_64 &rng, int n)
{
    static const char *digits = "0123456789abcdef";
    string s;
    for (int i = 0; i < n; ++i)
        s.push_back(digits[rng() % 16]);
    return s;
}

/* n random bytes, never starting with a line feed: libcmis 0.5's MTOM reader
 * (RelatedMultipart) splits a part into lines and drops an empty first line, so a
 * stream whose first byte is LF comes back one byte short whatever the server sends
 * (a client bug, about one run in 256 per stream; see conformance/README.md). */
static string randomBytes(std::mt19937_64 &rng, size_t n)
{
    string s(n, '\0');
    for (size_t i = 0; i < n; i += 8) {
        uint64_t r = rng();
        memcpy(&s[i], &r, std::min<size_t>(8, n - i));
    }
    if (n > 0 && s[0] == '\n')
        s[0] = 'L';
    return s;
}

/* The first value of a property as libcmis keeps it (as a string, whatever its type), or "" when
 * the object has no such property or no value. */
static string propString(libcmis::ObjectPtr o, const string &id)
{
    if (!o)
        return string();
    libcmis::PropertyPtrMap &props = o->getProperties();
    libcmis::PropertyPtrMap::iterator it = props.find(id);
    if (it == props.end() || !it->second || it->second->getStrings().empty())
        return string();
    return it->second->getStrings().front();
}

/* A property value for messages: "(no value)" when the element had no <value>. */
static string shown(const string &v)
{
    return v.empty() ? string("(no value)") : v;
}

/* A property value for create/update calls, typed by the server's own type definition (the way
 * libcmis users do it: Property needs a PropertyType to know its XML element). */
static libcmis::PropertyPtr makeProperty(libcmis::ObjectTypePtr type, const string &id, const string &value)
{
    std::map<string, libcmis::PropertyTypePtr> &types = type->getPropertiesTypes();
    std::map<string, libcmis::PropertyTypePtr>::iterator it = types.find(id);
    if (it == types.end())
        throw Check("type " + type->getId() + " has no property definition " + id);
    vector<string> values(1, value);
    return libcmis::PropertyPtr(new libcmis::Property(it->second, values));
}

/* Runs fn with stderr sent to a temporary file; returns what was written there. */
static string captureStderr(const std::function<void()> &fn)
{
    fflush(stderr);
    std::cerr.flush();
    char path[] = "/tmp/libcmis-scenario-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        fn();
        return string();
    }
    int saved = dup(2);
    dup2(fd, 2);
    try {
        fn();
    } catch (...) {
        fflush(stderr);
        dup2(saved, 2);
        close(saved);
        close(fd);
        unlink(path);
        throw;
    }
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    string out;
    lseek(fd, 0, SEEK_SET);
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        out.append(buf, static_cast<size_t>(n));
    close(fd);
    unlink(path);
    return out;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        std::cerr << "usage: " << argv[0] << " BASE_URL USER PASSWORD" << std::endl;
        return 2;
    }
    if (CONTENT_SIZE == 0 || VERSION_SIZE == 0) {
        std::cerr << "CMIS_CONTENT_BYTES=" << getenv("CMIS_CONTENT_BYTES") << ": wanted a number of bytes, at least 16" << std::endl;
        return 2;
    }
    string base = argv[1];
    while (!base.empty() && base[base.size() - 1] == '/')
        base.erase(base.size() - 1);
    const string user = argv[2];
    const string password = argv[3];
    const string bindingUrl = base + "/services/RepositoryService?wsdl";

    std::random_device rd;
    std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd());

    std::unique_ptr<libcmis::Session> session;
    string repoId, rootId, folderId, docId;
    libcmis::FolderPtr folder;
    libcmis::DocumentPtr doc;

    // repository ---------------------------------------------------------------------------------
    run("1.getRepositories", "getRepositories", [&] {
        // No repository id yet: libcmis calls getRepositories, then getRepositoryInfo for each.
        session.reset(libcmis::SessionFactory::createSession(bindingUrl, user, password));
        expect(session.get() != NULL,
               "SessionFactory::createSession(" + bindingUrl + ") gave no session (no binding accepted the URL)");
        vector<libcmis::RepositoryPtr> repos = session->getRepositories();
        expect(!repos.empty(), "no repositories");
        expect(!repos[0]->getId().empty() && !repos[0]->getName().empty(), "first repository lacks id or name");
        repoId = repos[0]->getId();
    });

    if (!repoId.empty()) {
        run("2.getRepositoryInfo", "getRepositoryInfo", [&] {
            // setRepository calls getRepositoryInfo(repoId) (and swallows its errors).
            expect(session->setRepository(repoId), "setRepository(" + repoId + ") failed");
            libcmis::RepositoryPtr info = session->getRepository();
            expect(bool(info), "no repository info");
            expect(info->getCmisVersionSupported() == "1.1",
                   "cmisVersionSupported=" + info->getCmisVersionSupported());
            expect(!info->getRootId().empty(), "rootFolderId empty");
            rootId = info->getRootId();
        });
    } else {
        skip("2.getRepositoryInfo", "getRepositoryInfo", "no repositoryId");
    }

    if (!repoId.empty()) {
        run("3.getTypeDefinition", "getTypeDefinition", [&] {
            libcmis::ObjectTypePtr t = session->getType("cmis:document");
            expect(bool(t), "no type");
            expect(t->getId() == "cmis:document", "id=" + t->getId());
            expect(t->getBaseTypeId() == "cmis:document", "baseId=" + t->getBaseTypeId());
            std::map<string, libcmis::PropertyTypePtr> &props = t->getPropertiesTypes();
            expect(props.count("cmis:objectId") == 1, "no property definition cmis:objectId");
            expect(props.count("cmis:contentStreamLength") == 1, "no property definition cmis:contentStreamLength");
            expect(props["cmis:objectId"]->getXmlType() == "Id",
                   "cmis:objectId definition has type " + props["cmis:objectId"]->getXmlType());
        });
    } else {
        skip("3.getTypeDefinition", "getTypeDefinition", "no repositoryId");
    }

    note("4a.createType / 4b.deleteType not run: libcmis 0.5 has no createType or deleteType "
         "(Session offers getType and getBaseTypes only)");

    if (!rootId.empty()) {
        run("5.getChildren(root)", "getChildren", [&] {
            libcmis::FolderPtr root = session->getRootFolder();
            expect(bool(root), "getRootFolder gave nothing");
            expect(root->getId() == rootId, "root folder id " + root->getId() + ", wanted " + rootId);
            vector<libcmis::ObjectPtr> kids = root->getChildren();
            for (size_t i = 0; i < kids.size(); ++i)
                expect(!kids[i]->getId().empty(), "child without cmis:objectId");
            note("root has " + std::to_string(kids.size()) + " children");
        });
    } else {
        skip("5.getChildren(root)", "getChildren", "no rootFolderId");
    }

    // objects ------------------------------------------------------------------------------------
    const string folderName = "scen-" + randomHex(rng, 8);
    if (!rootId.empty()) {
        run("6.createFolder", "createFolder", [&] {
            libcmis::FolderPtr root = session->getRootFolder();
            libcmis::ObjectTypePtr ft = session->getType("cmis:folder");
            libcmis::PropertyPtrMap props;
            props["cmis:objectTypeId"] = makeProperty(ft, "cmis:objectTypeId", "cmis:folder");
            props["cmis:name"] = makeProperty(ft, "cmis:name", folderName);
            folder = root->createFolder(props);
            expect(bool(folder), "no folder returned");
            expect(folder->getName() == folderName, "cmis:name=" + folder->getName());
            folderId = folder->getId();
        });
    } else {
        skip("6.createFolder", "createFolder", "no rootFolderId");
    }

    const string content = randomBytes(rng, CONTENT_SIZE);
    const string sha = sha256_hex(content);
    if (folder) {
        run("7.createDocument", "createDocument", [&] {
            libcmis::ObjectTypePtr dt = session->getType("cmis:document");
            libcmis::PropertyPtrMap props;
            props["cmis:objectTypeId"] = makeProperty(dt, "cmis:objectTypeId", "cmis:document");
            props["cmis:name"] = makeProperty(dt, "cmis:name", "doc.bin");
            boost::shared_ptr<std::ostream> os(new std::stringstream(content, std::ios::in | std::ios::out | std::ios::binary));
            doc = folder->createDocument(props, os, "application/octet-stream", "doc.bin");
            expect(bool(doc), "no document returned");
            expect(doc->getName() == "doc.bin", "cmis:name=" + doc->getName());
            docId = doc->getId();
        });
    } else {
        skip("7.createDocument", "createDocument", "createFolder failed");
    }

    if (doc) {
        run("8.getContentStream", "getContentStream", [&] {
            boost::shared_ptr<std::istream> in = doc->getContentStream();
            expect(bool(in), "no stream");
            string got((std::istreambuf_iterator<char>(*in)), std::istreambuf_iterator<char>());
            string gotSha = sha256_hex(got);
            expect(got.size() == CONTENT_SIZE && gotSha == sha,
                   "content differs: " + std::to_string(got.size()) + " bytes sha256 " + gotSha + ", sent " +
                       std::to_string(CONTENT_SIZE) + " bytes sha256 " + sha);
        });
    } else {
        skip("8.getContentStream", "getContentStream", "createDocument failed");
    }

    if (doc) {
        // libcmis has no getProperties: it reads properties with getObject.
        run("9.getProperties", "getObject", [&] {
            libcmis::ObjectPtr obj = session->getObject(docId);
            libcmis::DocumentPtr d = boost::dynamic_pointer_cast<libcmis::Document>(obj);
            expect(bool(d), "getObject(" + docId + ") is not a document (baseType " + obj->getBaseType() + ")");
            libcmis::PropertyPtrMap &props = d->getProperties();
            libcmis::PropertyPtrMap::iterator it = props.find("cmis:contentStreamLength");
            expect(it != props.end() && it->second && !it->second->getLongs().empty(),
                   "no cmis:contentStreamLength");
            long len = it->second->getLongs().front();
            expect(len == static_cast<long>(CONTENT_SIZE),
                   "cmis:contentStreamLength=" + std::to_string(len) + ", wanted " + std::to_string(CONTENT_SIZE));
            doc = d;
        });
    } else {
        skip("9.getProperties", "getObject", "createDocument failed");
    }

    const string newName = "doc-renamed.bin";
    bool renamed = false;
    if (doc) {
        renamed = run("10.updateProperties", "updateProperties", [&] {
            libcmis::PropertyPtrMap props;
            props["cmis:name"] = makeProperty(doc->getTypeDescription(), "cmis:name", newName);
            libcmis::ObjectPtr updated = doc->updateProperties(props);
            expect(bool(updated), "no object returned");
            expect(updated->getName() == newName, "cmis:name after update=" + updated->getName());
            if (updated->getId() != docId)
                note("updateProperties returned a new id " + updated->getId());
            docId = updated->getId();
        });
    } else {
        skip("10.updateProperties", "updateProperties", "createDocument failed");
    }

    if (renamed) {
        run("11.getObjectByPath", "getObjectByPath", [&] {
            const string path = "/" + folderName + "/" + newName;
            libcmis::ObjectPtr obj = session->getObjectByPath(path);
            expect(bool(obj), "nothing at " + path);
            expect(obj->getId() == docId, "cmis:objectId=" + obj->getId() + ", wanted " + docId);
            expect(obj->getName() == newName, "cmis:name=" + obj->getName());
        });
    } else {
        skip("11.getObjectByPath", "getObjectByPath", "updateProperties failed");
    }

    bool deleted = false;
    if (folder) {
        deleted = run("12.deleteTree", "deleteTree", [&] {
            vector<string> failedIds = folder->removeTree(true, libcmis::UnfileObjects::Delete, false);
            string ids;
            for (size_t i = 0; i < failedIds.size(); ++i)
                ids += (i ? "," : "") + failedIds[i];
            expect(failedIds.empty(), "failedToDelete " + ids);
        });
    } else {
        skip("12.deleteTree", "deleteTree", "createFolder failed");
    }

    if (deleted && !docId.empty()) {
        run("13.getObject(deleted)", "getObject", [&] {
            libcmis::ObjectPtr obj;
            try {
                obj = session->getObject(docId);
            } catch (const libcmis::Exception &e) {
                expect(e.getType() == "objectNotFound",
                       "libcmis::Exception type=" + e.getType() + " (" + e.what() + "), wanted objectNotFound");
                return;
            }
            throw Check("no exception; got object " + (obj ? obj->getId() : string("(null)")));
        });
    } else {
        skip("13.getObject(deleted)", "getObject", "deleteTree or createDocument failed");
    }

    run("14.wrongPassword", "createSession", [&] {
        // libcmis 0.5.2's SessionFactory::createSession catches every libcmis::Exception of its
        // binding attempts (AtomPub, Web Services, SharePoint) and returns NULL, so the server's
        // permissionDenied fault cannot come back as an Exception type. What can be checked through
        // libcmis: no session results. With verbose=true libcurl traces the exchange on stderr
        // (captured here): that shows whether the server answered the SOAP call with a fault
        // (HTTP 500, the UsernameToken carried the wrong password) or with a 401 challenge that
        // libcurl answered with HTTP Basic.
        libcmis::Session *bad = NULL;
        string trace = captureStderr([&] {
            bad = libcmis::SessionFactory::createSession(bindingUrl, user, password + "-wrong", repoId,
                                                         false, libcmis::OAuth2DataPtr(), true);
        });
        std::unique_ptr<libcmis::Session> guard(bad);
        // The status lines libcurl received: "< HTTP/1.1 200 OK", ...
        vector<string> statuses;
        bool basicSent = false;
        std::istringstream lines(trace);
        string line;
        while (std::getline(lines, line)) {
            if (!line.empty() && line[line.size() - 1] == '\r')
                line.erase(line.size() - 1);
            if (line.compare(0, 7, "< HTTP/") == 0)
                statuses.push_back(line.substr(2));
            if (line.find("> Authorization: Basic") != string::npos || line.find("Authorization: Basic") == 0)
                basicSent = true;
        }
        string seen;
        for (size_t i = 0; i < statuses.size(); ++i)
            seen += (i ? "; " : "") + statuses[i];
        note("wrong password: HTTP answers seen by libcurl: " + (seen.empty() ? string("(none traced)") : seen) +
             (basicSent ? "; libcurl sent HTTP Basic after a challenge" : "; no HTTP Basic sent"));
        expect(bad == NULL, "createSession with a wrong password gave a session");
        bool fault500 = false, challenged = false;
        for (size_t i = 0; i < statuses.size(); ++i) {
            if (statuses[i].find(" 500") != string::npos)
                fault500 = true;
            if (statuses[i].find(" 401") != string::npos)
                challenged = true;
        }
        expect(fault500 || challenged,
               "no HTTP 500 fault or 401 challenge in libcurl's trace (" + seen + ")");
        note(string("wrong password rejected with ") +
             (fault500 ? "a SOAP fault (HTTP 500; libcmis hides its cmisFault type)" : "HTTP 401"));
    });

    // Steps 15-21: Versioning, (MultiFiling), ACL with the second user, delete; in a fresh folder.
    // libcmis 0.5.2's API has no addToFolder/removeFromFolder, relationships, policies, ACLs or
    // query: those steps are not run and stderr says so (they are not counted as failures).
    const string hex = randomHex(rng, 8);
    const string folderAName = "scen-" + hex;
    const string docName = "versioned.bin";
    const string comment = "checked in by libcmis " + hex;
    const string v1Bytes = randomBytes(rng, VERSION_SIZE);
    const string v2Bytes = randomBytes(rng, VERSION_SIZE);
    libcmis::FolderPtr folderA;
    string folderAId, v1Id, v2Id, pwcId;
    libcmis::DocumentPtr v1, pwc, v2;

    // 15 versioning --------------------------------------------------------------------------------
    if (!rootId.empty()) {
        run("15a.createFolder", "createFolder", [&] {
            libcmis::FolderPtr root = session->getRootFolder();
            libcmis::ObjectTypePtr ft = session->getType("cmis:folder");
            libcmis::PropertyPtrMap props;
            props["cmis:objectTypeId"] = makeProperty(ft, "cmis:objectTypeId", "cmis:folder");
            props["cmis:name"] = makeProperty(ft, "cmis:name", folderAName);
            folderA = root->createFolder(props);
            expect(bool(folderA), "no folder returned");
            folderAId = folderA->getId();
        });
    } else {
        skip("15a.createFolder", "createFolder", "no rootFolderId");
    }

    if (folderA) {
        run("15b.createDocument", "createDocument", [&] {
            libcmis::ObjectTypePtr dt = session->getType("cmis:document");
            libcmis::PropertyPtrMap props;
            props["cmis:objectTypeId"] = makeProperty(dt, "cmis:objectTypeId", "cmis:document");
            props["cmis:name"] = makeProperty(dt, "cmis:name", docName);
            boost::shared_ptr<std::ostream> os(new std::stringstream(v1Bytes, std::ios::in | std::ios::out | std::ios::binary));
            v1 = folderA->createDocument(props, os, "application/octet-stream", docName);
            expect(bool(v1), "no document returned");
            v1Id = v1->getId();
            expect(propString(v1, "cmis:versionLabel") == "1.0", "cmis:versionLabel=" + shown(propString(v1, "cmis:versionLabel")) + ", wanted 1.0");
            expect(propString(v1, "cmis:isLatestVersion") == "true", "cmis:isLatestVersion=" + shown(propString(v1, "cmis:isLatestVersion")));
        });
    } else {
        skip("15b.createDocument", "createDocument", "createFolder failed");
    }

    if (v1) {
        run("15c.checkOut", "checkOut", [&] {
            // libcmis: checkOut, then getObject of the PWC id the answer names.
            pwc = v1->checkOut();
            expect(bool(pwc), "checkOut returned no document");
            pwcId = pwc->getId();
            expect(pwcId != v1Id, "the PWC has the document's id " + pwcId);
            expect(propString(pwc, "cmis:isPrivateWorkingCopy") == "true",
                   "PWC cmis:isPrivateWorkingCopy=" + shown(propString(pwc, "cmis:isPrivateWorkingCopy")));
            v1->refresh();
            expect(propString(v1, "cmis:isVersionSeriesCheckedOut") == "true",
                   "document cmis:isVersionSeriesCheckedOut=" + shown(propString(v1, "cmis:isVersionSeriesCheckedOut")));
            expect(propString(v1, "cmis:versionSeriesCheckedOutId") == pwcId,
                   "cmis:versionSeriesCheckedOutId=" + shown(propString(v1, "cmis:versionSeriesCheckedOutId")) + ", wanted " + pwcId);
        });
    } else {
        skip("15c.checkOut", "checkOut", "createDocument failed");
    }

    if (pwc) {
        run("15d.checkIn", "checkIn", [&] {
            // libcmis 0.5.2 writes <cmism:properties> only when the map is EMPTY (an inverted test
            // in CheckIn::toXml), so properties given here would be dropped; none are given.
            libcmis::PropertyPtrMap none;
            boost::shared_ptr<std::ostream> os(new std::stringstream(v2Bytes, std::ios::in | std::ios::out | std::ios::binary));
            v2 = pwc->checkIn(true, comment, none, os, "application/octet-stream", docName);
            expect(bool(v2), "checkIn returned no document");
            v2Id = v2->getId();
        });
    } else {
        skip("15d.checkIn", "checkIn", "checkOut failed");
    }

    if (v2) {
        run("15e.getAllVersions", "getAllVersions", [&] {
            // libcmis sends the cmis:versionSeriesId, not the object id.
            vector<libcmis::DocumentPtr> versions = v2->getAllVersions();
            string seen;
            for (size_t i = 0; i < versions.size(); ++i)
                seen += (i ? ", " : "") + versions[i]->getId() + " " + propString(versions[i], "cmis:versionLabel");
            expect(versions.size() == 2, std::to_string(versions.size()) + " versions, wanted 2: [" + seen + "]");
            expect(propString(versions[0], "cmis:versionLabel") == "2.0" && propString(versions[1], "cmis:versionLabel") == "1.0",
                   "labels not 2.0, 1.0 (newest first): [" + seen + "]");
            expect(versions[0]->getId() == v2Id && versions[1]->getId() == v1Id,
                   "ids not [" + v2Id + ", " + v1Id + "]: [" + seen + "]");
            // false, not absent: a property element without <value> says "not set".
            expect(propString(versions[0], "cmis:isLatestVersion") == "true" &&
                       propString(versions[1], "cmis:isLatestVersion") == "false",
                   "cmis:isLatestVersion [" + shown(propString(versions[0], "cmis:isLatestVersion")) + ", " +
                       shown(propString(versions[1], "cmis:isLatestVersion")) + "], wanted [true, false]");
        });
    } else {
        skip("15e.getAllVersions", "getAllVersions", "checkIn failed");
    }

    if (v2) {
        // libcmis has no getObjectOfLatestVersion: Document::checkIn answers with getObject of the
        // id checkIn returned; the step reads that object, and version 1.0 again by its id.
        run("15f.getObject(latest)", "getObject", [&] {
            libcmis::ObjectPtr o = session->getObject(v2Id);
            expect(propString(o, "cmis:versionLabel") == "2.0", "cmis:versionLabel=" + shown(propString(o, "cmis:versionLabel")));
            expect(propString(o, "cmis:checkinComment") == comment,
                   "cmis:checkinComment=" + shown(propString(o, "cmis:checkinComment")) + ", wanted " + comment);
            expect(propString(o, "cmis:isLatestVersion") == "true", "cmis:isLatestVersion=" + shown(propString(o, "cmis:isLatestVersion")));
            expect(propString(o, "cmis:isMajorVersion") == "true", "cmis:isMajorVersion=" + shown(propString(o, "cmis:isMajorVersion")));
            expect(propString(o, "cmis:isVersionSeriesCheckedOut") == "false",
                   "cmis:isVersionSeriesCheckedOut=" + shown(propString(o, "cmis:isVersionSeriesCheckedOut")) + ", wanted false");
            libcmis::ObjectPtr old = session->getObject(v1Id);
            expect(propString(old, "cmis:isLatestVersion") == "false",
                   "version 1.0 cmis:isLatestVersion=" + shown(propString(old, "cmis:isLatestVersion")) + ", wanted false");
        });
    } else {
        skip("15f.getObject(latest)", "getObject", "checkIn failed");
    }

    if (v2) {
        run("15g.getContentStream(latest)", "getContentStream", [&] {
            boost::shared_ptr<std::istream> in = v2->getContentStream();
            expect(bool(in), "no stream");
            string got((std::istreambuf_iterator<char>(*in)), std::istreambuf_iterator<char>());
            string gotSha = sha256_hex(got), wantSha = sha256_hex(v2Bytes);
            expect(gotSha == wantSha, "content differs: " + std::to_string(got.size()) + " bytes sha256 " + gotSha +
                                          ", checked in " + std::to_string(v2Bytes.size()) + " bytes sha256 " + wantSha +
                                          (gotSha == sha256_hex(v1Bytes) ? " (that is version 1.0)" : ""));
        });
    } else {
        skip("15g.getContentStream(latest)", "getContentStream", "checkIn failed");
    }

    // 16 multi-filing ------------------------------------------------------------------------------
    note("16a-16d not run: libcmis 0.5.2 has no addObjectToFolder / removeObjectFromFolder "
         "(no Document::addToFolder / removeFromFolder, no MultiFiling service); 16e reads the parents it has");
    if (v2) {
        run("16e.getObjectParents(one)", "getObjectParents", [&] {
            vector<libcmis::FolderPtr> ps = v2->getParents();
            string seen;
            for (size_t i = 0; i < ps.size(); ++i)
                seen += (i ? ", " : "") + ps[i]->getId();
            expect(ps.size() == 1 && ps[0]->getId() == folderAId, "parents [" + seen + "], wanted only " + folderAId);
        });
    } else {
        skip("16e.getObjectParents(one)", "getObjectParents", "checkIn failed");
    }

    note("17 (relationships), 18 (policies) not run: libcmis 0.5.2 has no API for them");
    note("19a-19d not run: libcmis 0.5.2 has no ACL API (no getACL / applyACL); 19e/19f use the "
         "read access the second user inherits from the root folder's ACE for anyone");

    // 19 the second user ---------------------------------------------------------------------------
    const char *user2 = getenv("CMIS_USER2");
    const char *pass2 = getenv("CMIS_PASS2");
    std::unique_ptr<libcmis::Session> session2;
    libcmis::DocumentPtr asUser2;
    if (!user2 || !pass2 || !*user2) {
        skip("19e.getObject(user2)", "getObject", "CMIS_USER2 / CMIS_PASS2 not set");
    } else if (!v2) {
        skip("19e.getObject(user2)", "getObject", "checkIn failed");
    } else {
        run("19e.getObject(user2)", "createSession/getObject", [&] {
            session2.reset(libcmis::SessionFactory::createSession(bindingUrl, user2, pass2, repoId));
            expect(session2.get() != NULL, string("createSession as ") + user2 + " gave no session");
            libcmis::ObjectPtr o = session2->getObject(v2Id);
            asUser2 = boost::dynamic_pointer_cast<libcmis::Document>(o);
            expect(bool(asUser2), "getObject(" + v2Id + ") as " + user2 + " is not a document");
            expect(asUser2->getName() == docName, "cmis:name=" + asUser2->getName());
            boost::shared_ptr<std::istream> in = asUser2->getContentStream();
            string got((std::istreambuf_iterator<char>(*in)), std::istreambuf_iterator<char>());
            expect(sha256_hex(got) == sha256_hex(v2Bytes), "content read as " + string(user2) + " differs");
        });
    }

    if (asUser2) {
        run("19f.updateProperties(user2, denied)", "updateProperties", [&] {
            libcmis::PropertyPtrMap props;
            props["cmis:name"] = makeProperty(asUser2->getTypeDescription(), "cmis:name", "stolen.bin");
            libcmis::ObjectPtr updated;
            try {
                updated = asUser2->updateProperties(props);
            } catch (const libcmis::Exception &e) {
                expect(e.getType() == "permissionDenied",
                       "libcmis::Exception type=" + e.getType() + " (" + e.what() + "), wanted permissionDenied");
                libcmis::ObjectPtr o = session->getObject(v2Id);
                expect(o->getName() == docName, "the name changed anyway: " + o->getName());
                return;
            }
            throw Check("no exception; renamed to " + (updated ? updated->getName() : string("(null)")));
        });
    } else {
        skip("19f.updateProperties(user2, denied)", "updateProperties", "no document read as the second user");
    }

    note("20 (query) not run: libcmis 0.5.2 has no query API");

    // 21 delete ------------------------------------------------------------------------------------
    bool deletedA = false;
    if (folderA) {
        deletedA = run("21a.deleteTree", "deleteTree", [&] {
            vector<string> failedIds = folderA->removeTree(true, libcmis::UnfileObjects::Delete, false);
            string ids;
            for (size_t i = 0; i < failedIds.size(); ++i)
                ids += (i ? "," : "") + failedIds[i];
            expect(failedIds.empty(), "failedToDelete " + ids);
        });
    } else {
        skip("21a.deleteTree", "deleteTree", "createFolder failed");
    }
    note("21b not run: no second folder (16a is not run)");

    if (deletedA && !v1Id.empty()) {
        run("21c.getObject(deleted)", "getObject", [&] {
            vector<string> ids;
            if (!v2Id.empty())
                ids.push_back(v2Id);
            ids.push_back(v1Id);
            for (size_t i = 0; i < ids.size(); ++i) {
                libcmis::ObjectPtr obj;
                try {
                    obj = session->getObject(ids[i]);
                } catch (const libcmis::Exception &e) {
                    expect(e.getType() == "objectNotFound",
                           "getObject(" + ids[i] + "): libcmis::Exception type=" + e.getType() + " (" + e.what() +
                               "), wanted objectNotFound");
                    continue;
                }
                throw Check("no exception for " + ids[i] + "; got object " + (obj ? obj->getId() : string("(null)")));
            }
        });
    } else {
        skip("21c.getObject(deleted)", "getObject", "deleteTree or createDocument failed");
    }

    if (folderA && !deletedA) {
        try {
            vector<string> left = folderA->removeTree(true, libcmis::UnfileObjects::Delete, true);
            note("cleanup: deleteTree(continueOnFailure) " + folderAId + ": " + std::to_string(left.size()) + " left");
        } catch (const libcmis::Exception &e) {
            note("cleanup: deleteTree " + folderAId + ": " + e.getType() + " " + e.what());
        }
    }

    // The node client's steps 22a-22c (the change log): libcmis 0.5.2 has no getContentChanges and
    // no accessor for repositoryInfo's latestChangeLogToken (Repository::getCapability(Changes) is all).
    note("22a-22c (change log) not run: libcmis 0.5.2 has no getContentChanges and no latestChangeLogToken accessor");

    std::cout << g_passed << " passed, " << g_failed << " failed" << std::endl;
    return g_failed ? 1 : 0;
}
