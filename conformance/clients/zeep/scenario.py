#!/usr/bin/python3
"""CMIS 1.1 scenario, driven by zeep (Debian python3-zeep 4.2.1): Repository service (steps 1-10),
then Object + Navigation services with 5 MiB of content sent inline as base64 (steps 11-21,
object_navigation(); the ports come from <base>/services/ObjectService?wsdl and
.../NavigationService?wsdl), then Versioning, MultiFiling, Relationship, Policy, ACL and Discovery
(steps 22-29, more_services(); each port from its own <base>/services/<Service>?wsdl; the ACL steps
also act as the second user named by CMIS_USER2 / CMIS_PASS2 in the environment), then the change
log (step 30: 30a reads latestChangeLogToken before step 11, 30b-30c call getContentChanges after
step 29; change_log_start() / change_log_end()).

    /usr/bin/python3 conformance/clients/zeep/scenario.py http://127.0.0.1:18080 admin PASSWORD

CMIS_CONTENT_BYTES=N in the environment makes every random content N bytes (at least 16) instead of
5 MiB and 1 MiB, e.g. to record a small session (see ../record-sessions.sh).

The client is built from the live WSDL at <base>/services/RepositoryService?wsdl (zeep follows the
xsd:import schemaLocations itself).  Authentication is a WS-Security UsernameToken with a
PasswordText password (zeep.wsse.username.UsernameToken); zeep sends no HTTP Basic header.
Requests are text/xml (zeep does not send MTOM).

Each step prints "PASS zeep <step>" or "FAIL zeep <step>: <operation> <fault type or error>";
the run ends with "N passed, M failed" and exits 1 if M > 0.

Known zeep limitation (WIRE-NOTES 14): zeep 4.2.1 does honour xsi:type (a type definition comes
back as a cmisTypeDocumentDefinitionType value), but its xs:any namespace="##other" wildcard at the
end of the base types swallows the subtype-only elements that follow it (versionable and
contentStreamAllowed of cmisTypeDocumentDefinitionType, maxLength of
cmisPropertyStringDefinitionType): zeep leaves those attributes None and puts the raw elements in
the _value_N wildcard lists.  field() below reads them from there, and says so on stderr.
"""
import copy
import hashlib
import os
import random
import sys
import time
import traceback

import requests
import zeep
from lxml import etree
from zeep.exceptions import Fault, TransportError
from zeep.plugins import HistoryPlugin
from zeep.transports import Transport
from zeep.wsse.username import UsernameToken

FW = 'zeep'
CMIS = 'http://docs.oasis-open.org/ns/cmis/core/200908/'
CMISM = 'http://docs.oasis-open.org/ns/cmis/messaging/200908/'
XSI = 'http://www.w3.org/2001/XMLSchema-instance'

passed = 0
failed = 0


def ok(step):
    global passed
    passed += 1
    print(f'PASS {FW} {step}', flush=True)


def fail(step, op, why):
    global failed
    failed += 1
    print(f'FAIL {FW} {step}: {op} {why}', flush=True)


class Check(Exception):
    """An answer arrived but did not say what the step expects."""


def expect(cond, what):
    if not cond:
        raise Check(what)


def cmis_fault_type(f):
    """The cmisFault/type of a zeep Fault, or None when the detail carries no cmisFault."""
    detail = f.detail
    if detail is None:
        return None
    t = detail.find(f'.//{{{CMISM}}}cmisFault/{{{CMISM}}}type')
    return t.text.strip() if t is not None and t.text else None


def describe(exc):
    if isinstance(exc, Fault):
        ft = cmis_fault_type(exc)
        if ft:
            return f'cmisFault type={ft} ({exc.message})'
        return f'SOAP fault without cmisFault detail: faultcode={exc.code} faultstring={exc.message!r}'
    if isinstance(exc, TransportError):
        # A 200 here is an answer zeep could not parse: its message says
        # why and where, and the end of the body shows a cut or garbage.
        body = exc.content or b''
        tail = f' ... {body[-300:]!r} ({len(body)} bytes)' if len(body) > 200 else ''
        return f'HTTP {exc.status_code}: {exc.message.splitlines()[0] if exc.message else ""}: {body[:200]!r}{tail}'
    if isinstance(exc, Check):
        return f'unexpected answer: {exc}'
    return f'{type(exc).__name__}: {exc}'


def run(step, op, fn):
    """Run one step; returns fn's result or None on failure."""
    try:
        r = fn()
        ok(step)
        return r
    except Exception as e:  # noqa: BLE001 - every failure is reported, the run goes on
        fail(step, op, describe(e))
        if not isinstance(e, (Fault, TransportError, Check)):
            traceback.print_exc(file=sys.stderr)
        return None


def skip(step, op, why):
    fail(step, op, f'not run: {why}')


# The last HTTP exchange of any client (request Content-Type and size, response Content-Type and
# size), for the content steps' notes: they show that zeep really sent and got inline base64.
last_http = {}


def remember_http(resp, *args, **kwargs):
    body = resp.request.body
    last_http.update(req_type=resp.request.headers.get('Content-Type'), req_bytes=len(body) if body else 0,
                     resp_type=resp.headers.get('Content-Type'), resp_bytes=len(resp.content))


def make_client(wsdl, user, password, history=None, service='RepositoryService'):
    session = requests.Session()
    session.hooks['response'].append(remember_http)
    transport = Transport(session=session, timeout=30, operation_timeout=60)
    try:
        client = zeep.Client(wsdl, wsse=UsernameToken(user, password), transport=transport,
                             plugins=[history] if history else [])
    except requests.HTTPError as e:
        # The WSDL should be readable anonymously (SPEC-DIGEST 1.4); if the server wants
        # credentials for it, fetch it with HTTP Basic, then drop Basic again so that every SOAP
        # call authenticates with the UsernameToken only.
        if e.response is None or e.response.status_code != 401:
            raise
        print(f'note: GET {wsdl} answered 401; loading the WSDL with HTTP Basic', file=sys.stderr)
        session.auth = (user, password)
        client = zeep.Client(wsdl, wsse=UsernameToken(user, password), transport=transport,
                             plugins=[history] if history else [])
        session.auth = None
    # The first service in the WSDL is DiscoveryService: bind the wanted port explicitly.
    return client, client.bind(service, service + 'Port')


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    base, user, password = sys.argv[1].rstrip('/'), sys.argv[2], sys.argv[3]
    wsdl = f'{base}/services/RepositoryService?wsdl'
    history = HistoryPlugin()
    try:
        client, svc = make_client(wsdl, user, password, history)
    except Exception as e:  # noqa: BLE001
        fail('0.loadWSDL', 'GET ?wsdl', describe(e))
        traceback.print_exc(file=sys.stderr)
        print(f'{passed} passed, {failed} failed')
        sys.exit(1)
    print(f'note: RepositoryService endpoint from WSDL: {svc._binding_options["address"]}', file=sys.stderr)

    state = {}

    # 1 -------------------------------------------------------------------------------------------
    def s1():
        repos = svc.getRepositories()
        expect(repos, f'no repositories: {repos!r}')
        r = repos[0]
        expect(r.repositoryId and r.repositoryName, f'entry lacks id or name: {r!r}')
        state['repo'] = r.repositoryId
    run('1.getRepositories', 'getRepositories', s1)
    repo = state.get('repo')

    # 2 -------------------------------------------------------------------------------------------
    def s2():
        info = svc.getRepositoryInfo(repositoryId=repo)
        expect(info is not None, 'no repositoryInfo')
        expect(info.cmisVersionSupported == '1.1', f'cmisVersionSupported={info.cmisVersionSupported!r}')
        expect(info.rootFolderId, f'rootFolderId={info.rootFolderId!r}')
        caps = info.capabilities
        expect(caps is not None, 'capabilities missing')
        expect(caps.capabilityACL is not None, 'capabilityACL missing')
        expect(caps.capabilityQuery is not None, 'capabilityQuery missing')
        print(f'note: capabilityACL={caps.capabilityACL} capabilityQuery={caps.capabilityQuery}', file=sys.stderr)
    if repo:
        run('2.getRepositoryInfo', 'getRepositoryInfo', s2)
    else:
        skip('2.getRepositoryInfo', 'getRepositoryInfo', 'no repositoryId')

    # 3 -------------------------------------------------------------------------------------------
    def s3():
        lst = svc.getTypeChildren(repositoryId=repo, includePropertyDefinitions=False)
        ids = [t.id for t in (lst.types or [])]
        expect('cmis:document' in ids and 'cmis:folder' in ids, f'type ids {ids}')
        expect(lst.hasMoreItems is not None, 'hasMoreItems missing')
    if repo:
        run('3.getTypeChildren', 'getTypeChildren', s3)
    else:
        skip('3.getTypeChildren', 'getTypeChildren', 'no repositoryId')

    # 4 -------------------------------------------------------------------------------------------
    def s4():
        res = svc.getTypeDescendants(repositoryId=repo, typeId='cmis:folder', depth=-1)
        expect(res is None or isinstance(res, list), f'not a list: {type(res)}')
    if repo:
        run('4.getTypeDescendants', 'getTypeDescendants', s4)
    else:
        skip('4.getTypeDescendants', 'getTypeDescendants', 'no repositoryId')

    # 5 -------------------------------------------------------------------------------------------
    def s5():
        t = svc.getTypeDefinition(repositoryId=repo, typeId='cmis:document')
        expect(t is not None, 'no type')
        expect(t.id == 'cmis:document', f'id={t.id!r}')
        expect(t.baseId == 'cmis:document', f'baseId={t.baseId!r}')
        have = [(k, v.id) for item in (t._value_1 or []) for k, v in item.items() if v is not None]
        expect(any(p.id == 'cmis:objectId' for p in item_defs(t, 'propertyIdDefinition')),
               f'no propertyIdDefinition cmis:objectId (have {have})')
        expect(t._xsd_type.name == 'cmisTypeDocumentDefinitionType',
               f'zeep parsed the type as {t._xsd_type.name} (xsi:type missing?)')
        v, csa = field(t, 'versionable'), field(t, 'contentStreamAllowed')
        expect(v in (True, False, 'true', 'false'), f'versionable={v!r}')
        expect(csa in ('notallowed', 'allowed', 'required'), f'contentStreamAllowed={csa!r}')
    if repo:
        run('5.getTypeDefinition', 'getTypeDefinition', s5)
    else:
        skip('5.getTypeDefinition', 'getTypeDefinition', 'no repositoryId')

    # 6 -------------------------------------------------------------------------------------------
    new_id = f'scen:doc{random.randrange(16**8):08x}'

    def s6():
        DocDef = client.get_type(f'{{{CMIS}}}cmisTypeDocumentDefinitionType')
        StrDef = client.get_type(f'{{{CMIS}}}cmisPropertyStringDefinitionType')
        IntDef = client.get_type(f'{{{CMIS}}}cmisPropertyIntegerDefinitionType')
        title = StrDef(id='scen:title', localName='title', displayName='Title', queryName='scen:title',
                       propertyType='string', cardinality='single', updatability='readwrite',
                       inherited=False, required=False, queryable=True, orderable=True, maxLength=100)
        pages = IntDef(id='scen:pages', localName='pages', displayName='Pages', queryName='scen:pages',
                       propertyType='integer', cardinality='single', updatability='readwrite',
                       inherited=False, required=False, queryable=True, orderable=True)
        # A value of the derived type makes zeep write xsi:type="…:cmisTypeDocumentDefinitionType".
        td = DocDef(id=new_id, localName=new_id[5:], localNamespace='http://example.org/scenario',
                    displayName='Scenario document', queryName=new_id, description='created by the zeep scenario',
                    baseId='cmis:document', parentId='cmis:document', creatable=True, fileable=True,
                    queryable=True, fulltextIndexed=False, includedInSupertypeQuery=True,
                    controllablePolicy=False, controllableACL=True,
                    _value_1=[{'propertyStringDefinition': title}, {'propertyIntegerDefinition': pages}],
                    versionable=False, contentStreamAllowed='allowed')
        t = svc.createType(repositoryId=repo, type=td)
        req = history.last_sent['envelope'].find(f'.//{{{CMISM}}}type')
        print(f'note: createType sent xsi:type={req.get(f"{{{XSI}}}type")!r}', file=sys.stderr)
        expect(t is not None, 'no type returned')
        expect(t.id == new_id, f'id={t.id!r}')
        check_props(t)
        state['created'] = True
    if repo:
        run('6.createType', 'createType', s6)
    else:
        skip('6.createType', 'createType', 'no repositoryId')
    created = state.get('created')

    # 7 -------------------------------------------------------------------------------------------
    def s7():
        t = svc.getTypeDefinition(repositoryId=repo, typeId=new_id)
        expect(t is not None and t.id == new_id, f'id={getattr(t, "id", None)!r}')
        expect(t.parentId == 'cmis:document', f'parentId={t.parentId!r}')
        check_props(t)
    if created:
        run('7.getTypeDefinition(new)', 'getTypeDefinition', s7)
    else:
        skip('7.getTypeDefinition(new)', 'getTypeDefinition', 'createType failed')

    # 8 -------------------------------------------------------------------------------------------
    def s8():
        lst = svc.getTypeChildren(repositoryId=repo, typeId='cmis:document', includePropertyDefinitions=False)
        ids = [t.id for t in (lst.types or [])]
        expect(new_id in ids, f'{new_id} not among {ids}')
    if created:
        run('8.getTypeChildren(cmis:document)', 'getTypeChildren', s8)
    else:
        skip('8.getTypeChildren(cmis:document)', 'getTypeChildren', 'createType failed')

    # 9 -------------------------------------------------------------------------------------------
    def s9a():
        svc.deleteType(repositoryId=repo, typeId=new_id)
        state['deleted'] = True

    def s9b():
        try:
            t = svc.getTypeDefinition(repositoryId=repo, typeId=new_id)
        except Fault as f:
            ft = cmis_fault_type(f)
            expect(ft == 'objectNotFound', f'fault {describe(f)}, wanted cmisFault type objectNotFound')
            return
        raise Check(f'no fault; got type {getattr(t, "id", t)!r}')
    if created:
        run('9a.deleteType', 'deleteType', s9a)
    else:
        skip('9a.deleteType', 'deleteType', 'createType failed')
    if state.get('deleted'):
        run('9b.getTypeDefinition(deleted)', 'getTypeDefinition', s9b)
    else:
        skip('9b.getTypeDefinition(deleted)', 'getTypeDefinition', 'deleteType failed')

    # Not a step: a type the server created but a failed step did not delete would block the next
    # run (its property ids are taken), so try to remove it.
    if repo and not state.get('deleted'):
        try:
            svc.deleteType(repositoryId=repo, typeId=new_id)
            print(f'note: cleanup: deleted {new_id}', file=sys.stderr)
        except Exception as e:  # noqa: BLE001
            print(f'note: cleanup deleteType({new_id}): {describe(e)}', file=sys.stderr)

    # 10 ------------------------------------------------------------------------------------------
    def s10():
        # Same client (WSDL already loaded), another UsernameToken: zeep reads client.wsse per call.
        bad_client = copy.copy(client)
        bad_client.wsse = UsernameToken(user, password + '-wrong')
        bad = bad_client.bind('RepositoryService', 'RepositoryServicePort')
        try:
            r = bad.getRepositories()
        except Fault as f:
            ft = cmis_fault_type(f)
            expect(ft == 'permissionDenied', f'{describe(f)}, wanted cmisFault type permissionDenied')
            return
        except TransportError as e:
            raise Check(f'HTTP {e.status_code} instead of a permissionDenied fault') from e
        raise Check(f'no fault with a wrong password; got {r!r}')
    run('10.wrongPassword', 'getRepositories', s10)

    # 30a reads the change log's position before the object steps; 30b-30c read the log after them.
    log = change_log_start(svc, repo)
    on = object_navigation(base, user, password, repo)
    ms = more_services(base, user, password, repo)
    change_log_end(base, user, password, repo, log, on, ms)

    print(f'{passed} passed, {failed} failed')
    sys.exit(1 if failed else 0)


# -------------------------------------------------------------------------------------------------
# Steps 11-21: Object + Navigation services. The ports come from their own live WSDL URLs
# (<base>/services/ObjectService?wsdl, .../NavigationService?wsdl; the same WSDL). Content goes
# inline as base64 (zeep sends text/xml only) and comes back inline too (the server answers
# text with text).

def content_bytes(default):
    """The size of a random content: CMIS_CONTENT_BYTES when set (e.g. 2048, to keep recordings of a
    session small), else the scenario's own size."""
    v = os.environ.get('CMIS_CONTENT_BYTES')
    if not v:
        return default
    if not v.isdigit() or int(v) < 16:
        print(f'CMIS_CONTENT_BYTES={v!r}: wanted a number of bytes, at least 16', file=sys.stderr)
        sys.exit(2)
    return int(v)


CONTENT_SIZE = content_bytes(5 * 1024 * 1024)
# Bytes 1000..5999; for a content smaller than that (CMIS_CONTENT_BYTES), its second quarter and third.
RANGE_OFFSET, RANGE_LENGTH = (1000, 5000) if CONTENT_SIZE >= 6000 else (CONTENT_SIZE // 4, CONTENT_SIZE // 2)

ON_STEPS = [
    ('11.getRepositoryInfo(rootFolderId)', 'getRepositoryInfo'),
    ('12.createFolder', 'createFolder'),
    ('13.createDocument(5MiB,base64)', 'createDocument'),
    ('14a.getContentStream(sha256)', 'getContentStream'),
    ('14b.getContentStream(range)', 'getContentStream'),
    ('15.getProperties', 'getProperties'),
    ('16a.updateProperties(rename)', 'updateProperties'),
    ('16b.updateProperties(oldToken)', 'updateProperties'),
    ('17a.getChildren', 'getChildren'),
    ('17b.getObjectByPath', 'getObjectByPath'),
    ('17c.getChildren(paging,numItems past the server count)', 'getChildren'),
    ('18a.createFolder(sub)', 'createFolder'),
    ('18b.moveObject', 'moveObject'),
    ('18c.getObjectParents', 'getObjectParents'),
    ('18d.getObjectByPath(moved)', 'getObjectByPath'),
    ('19.createDocument(duplicateName)', 'createDocument'),
    ('20.deleteObject(nonEmptyFolder)', 'deleteObject'),
    ('21a.deleteTree', 'deleteTree'),
    ('21b.getObject(deleted)', 'getObject'),
]


def prop_values(props):
    """{propertyDefinitionId: [values]} of a zeep cmisPropertiesType value."""
    out = {}
    for item in (getattr(props, '_value_1', None) or []):
        for _kind, p in item.items():
            if p is not None:
                out[p.propertyDefinitionId] = list(p.value or [])
    return out


def one(props, pid):
    vs = prop_values(props).get(pid)
    return vs[0] if vs else None


def expect_fault(fn, want):
    """Runs fn, which must fail with a cmisFault of type want."""
    try:
        r = fn()
    except Fault as f:
        ft = cmis_fault_type(f)
        expect(ft == want, f'{describe(f)}, wanted cmisFault type {want}')
        return
    raise Check(f'no fault (wanted {want}); got {r!r}'[:300])


def object_navigation(base, user, password, repo):
    steps = dict(ON_STEPS)
    st = {}

    def step(name, fn, needs=()):
        """Runs a step, or reports it not run when an earlier step did not give what it needs."""
        missing = [k for k in needs if st.get(k) is None]
        if missing:
            skip(name, steps[name], f'no {", ".join(missing)} (an earlier step failed)')
            return None
        return run(name, steps[name], fn)

    if not repo:
        for name, op in ON_STEPS:
            skip(name, op, 'no repositoryId')
        return {}
    try:
        ohist = HistoryPlugin()
        oc, obj = make_client(f'{base}/services/ObjectService?wsdl', user, password, ohist, service='ObjectService')
        _, nav = make_client(f'{base}/services/NavigationService?wsdl', user, password, service='NavigationService')
        _, rsvc = make_client(f'{base}/services/RepositoryService?wsdl', user, password)
    except Exception as e:  # noqa: BLE001
        fail('11.loadWSDL(Object,Navigation)', 'GET ?wsdl', describe(e))
        traceback.print_exc(file=sys.stderr)
        for name, op in ON_STEPS:
            skip(name, op, 'WSDL not loaded')
        return {}
    print(f'note: ObjectService endpoint from WSDL: {obj._binding_options["address"]}; '
          f'NavigationService: {nav._binding_options["address"]}', file=sys.stderr)

    Props = oc.get_type(f'{{{CMIS}}}cmisPropertiesType')

    def props(*triples):
        return Props(_value_1=[{kind: {'propertyDefinitionId': pid, 'value': [v]}} for kind, pid, v in triples])

    suffix = f'{random.randrange(16**8):08x}'
    folder_name = f'scen-{suffix}'
    data = os.urandom(CONTENT_SIZE)
    sha = hashlib.sha256(data).hexdigest()

    # 11
    def s11():
        info = rsvc.getRepositoryInfo(repositoryId=repo)
        expect(info is not None and info.rootFolderId, f'rootFolderId={getattr(info, "rootFolderId", None)!r}')
        st['root'] = info.rootFolderId
        return True
    step('11.getRepositoryInfo(rootFolderId)', s11)

    # 12
    def s12():
        # createFolderResponse has objectId and extension: zeep returns the wrapper.
        fid = obj.createFolder(repositoryId=repo, folderId=st['root'],
                               properties=props(('propertyId', 'cmis:objectTypeId', 'cmis:folder'),
                                                ('propertyString', 'cmis:name', folder_name))).objectId
        expect(fid, f'objectId={fid!r}')
        st['folder'] = fid
        return True
    step('12.createFolder', s12, ['root'])

    # 13
    def s13():
        t0 = time.time()
        did = obj.createDocument(
            repositoryId=repo, folderId=st['folder'],
            properties=props(('propertyId', 'cmis:objectTypeId', 'cmis:document'),
                             ('propertyString', 'cmis:name', 'doc.bin')),
            contentStream={'length': len(data), 'mimeType': 'application/octet-stream',
                           'filename': 'doc.bin', 'stream': data}).objectId
        expect(did, f'objectId={did!r}')
        st['doc'] = did
        print(f'note: createDocument sent {len(data)} content bytes inline as base64: request '
              f'Content-Type {last_http.get("req_type")!r}, {last_http.get("req_bytes")} bytes, '
              f'{time.time() - t0:.2f}s', file=sys.stderr)
        expect((last_http.get('req_type') or '').startswith('text/xml'),
               f'request Content-Type {last_http.get("req_type")!r}')
        return True
    step('13.createDocument(5MiB,base64)', s13, ['folder'])

    # 14
    def s14a():
        t0 = time.time()
        cs = obj.getContentStream(repositoryId=repo, objectId=st['doc'])
        expect(cs is not None and cs.stream is not None, 'no contentStream/stream')
        got = hashlib.sha256(cs.stream).hexdigest()
        expect(got == sha, f'sha256 {got} (len {len(cs.stream)}) != uploaded {sha} (len {len(data)})')
        expect(cs.mimeType == 'application/octet-stream', f'mimeType={cs.mimeType!r}')
        expect(cs.length is None or int(cs.length) == CONTENT_SIZE, f'length={cs.length!r}')
        expect(cs.filename == 'doc.bin', f'filename={cs.filename!r}')
        print(f'note: getContentStream returned {len(cs.stream)} bytes, sha256 matches; response '
              f'Content-Type {last_http.get("resp_type")!r}, {last_http.get("resp_bytes")} bytes, '
              f'{time.time() - t0:.2f}s', file=sys.stderr)
        return True

    def s14b():
        cs = obj.getContentStream(repositoryId=repo, objectId=st['doc'], offset=RANGE_OFFSET, length=RANGE_LENGTH)
        want = data[RANGE_OFFSET:RANGE_OFFSET + RANGE_LENGTH]
        expect(cs is not None and cs.stream is not None, 'no contentStream/stream')
        expect(cs.stream == want, f'{len(cs.stream)} bytes, sha256 {hashlib.sha256(cs.stream).hexdigest()}; '
                                  f'wanted bytes {RANGE_OFFSET}..{RANGE_OFFSET + RANGE_LENGTH - 1}')
        expect(cs.length is None or int(cs.length) == RANGE_LENGTH, f'length={cs.length!r}, wanted {RANGE_LENGTH}')
        return True
    step('14a.getContentStream(sha256)', s14a, ['doc'])
    step('14b.getContentStream(range)', s14b, ['doc'])

    # 15
    def s15():
        p = obj.getProperties(repositoryId=repo, objectId=st['doc'])
        expect(p is not None, 'no properties')
        v = prop_values(p)
        length = one(p, 'cmis:contentStreamLength')
        expect(length is not None and int(length) == CONTENT_SIZE, f'cmis:contentStreamLength={length!r}')
        expect(one(p, 'cmis:name') == 'doc.bin', f'cmis:name={one(p, "cmis:name")!r}')
        expect(one(p, 'cmis:createdBy') == user, f'cmis:createdBy={one(p, "cmis:createdBy")!r}')
        expect(one(p, 'cmis:changeToken'), f'cmis:changeToken={v.get("cmis:changeToken")!r}')
        st['token'] = one(p, 'cmis:changeToken')
        return True
    step('15.getProperties', s15, ['doc'])

    # 16
    def rename(token):
        return obj.updateProperties(repositoryId=repo, objectId=st['doc'], changeToken=token,
                                    properties=props(('propertyString', 'cmis:name', 'renamed.bin')))

    def s16a():
        r = rename(st['token'])
        expect(r is not None and r.changeToken, f'no new changeToken: {r!r}')
        expect(r.changeToken != st['token'], f'changeToken unchanged: {r.changeToken!r}')
        expect(r.objectId == st['doc'], f'objectId {r.objectId!r} != {st["doc"]!r}')
        st['renamed'] = True
        return True

    def s16b():
        expect_fault(lambda: rename(st['token']), 'updateConflict')
        return True
    step('16a.updateProperties(rename)', s16a, ['token'])
    step('16b.updateProperties(oldToken)', s16b, ['renamed'])

    # 17
    def s17a():
        l = nav.getChildren(repositoryId=repo, folderId=st['folder'], includePathSegment=True)
        objs = l.objects or []
        names = [(one(o.object.properties, 'cmis:objectId'), o.pathSegment) for o in objs]
        expect(len(objs) == 1 and names[0][0] == st['doc'], f'children {names}, wanted only {st["doc"]}')
        expect(names[0][1] == 'renamed.bin', f'pathSegment={names[0][1]!r}')
        expect(l.numItems is not None and int(l.numItems) == 1, f'numItems={l.numItems!r}')
        expect(l.hasMoreItems is False, f'hasMoreItems={l.hasMoreItems!r}')
        return True

    def s17b():
        o = obj.getObjectByPath(repositoryId=repo, path=f'/{folder_name}/renamed.bin')
        oid = one(o.properties, 'cmis:objectId')
        expect(oid == st['doc'], f'objectId {oid!r} != {st["doc"]!r}')
        return True
    step('17a.getChildren', s17a, ['renamed'])
    step('17b.getObjectByPath', s17b, ['renamed'])

    # 17c: seven children read three at a time from a server that counts
    # at most five (--max-count 5): numItems is left out until the last
    # page, hasMoreItems is always there.
    def s17c():
        def mkdir(parent, name):
            return obj.createFolder(repositoryId=repo, folderId=parent,
                                    properties=props(('propertyId', 'cmis:objectTypeId', 'cmis:folder'),
                                                     ('propertyString', 'cmis:name', name))).objectId
        paging = mkdir(st['folder'], 'paging')
        want = [f'p{i}' for i in range(7)]
        for n in want:
            mkdir(paging, n)
        got = []
        for skip, more, num in ((0, True, None), (3, True, None), (6, False, 7)):
            l = nav.getChildren(repositoryId=repo, folderId=paging, orderBy='cmis:name', maxItems=3, skipCount=skip)
            got += [one(o.object.properties, 'cmis:name') for o in (l.objects or [])]
            n = None if l.numItems is None else int(l.numItems)
            expect(n == num, f'skip {skip}: numItems={l.numItems!r}, wanted {num!r}')
            expect(l.hasMoreItems is more, f'skip {skip}: hasMoreItems={l.hasMoreItems!r}')
        expect(got == want, f'children {got}, wanted {want}')
        return True
    step('17c.getChildren(paging,numItems past the server count)', s17c, ['folder'])

    # 18
    def s18a():
        sid = obj.createFolder(repositoryId=repo, folderId=st['folder'],
                               properties=props(('propertyId', 'cmis:objectTypeId', 'cmis:folder'),
                                                ('propertyString', 'cmis:name', 'sub'))).objectId
        expect(sid, f'objectId={sid!r}')
        st['sub'] = sid
        return True

    def s18b():
        r = obj.moveObject(repositoryId=repo, objectId=st['doc'], targetFolderId=st['sub'],
                           sourceFolderId=st['folder']).objectId
        expect(r == st['doc'], f'objectId {r!r} != {st["doc"]!r}')
        st['moved'] = True
        return True

    def s18c():
        ps = nav.getObjectParents(repositoryId=repo, objectId=st['doc'], includeRelativePathSegment=True)
        got = [(one(p.object.properties, 'cmis:objectId'), one(p.object.properties, 'cmis:name'), p.relativePathSegment)
               for p in (ps or [])]
        expect(len(got) == 1 and got[0][0] == st['sub'] and got[0][1] == 'sub', f'parents {got}, wanted only sub {st["sub"]}')
        expect(got[0][2] == 'renamed.bin', f'relativePathSegment={got[0][2]!r}')
        return True

    def s18d():
        o = obj.getObjectByPath(repositoryId=repo, path=f'/{folder_name}/sub/renamed.bin')
        oid = one(o.properties, 'cmis:objectId')
        expect(oid == st['doc'], f'objectId {oid!r} != {st["doc"]!r}')
        return True
    step('18a.createFolder(sub)', s18a, ['folder'])
    step('18b.moveObject', s18b, ['sub', 'renamed'])
    step('18c.getObjectParents', s18c, ['moved'])
    step('18d.getObjectByPath(moved)', s18d, ['moved'])

    # 19: renamed.bin already exists in sub (st['moved']) - or in the folder itself if the move failed
    def s19():
        target = st['sub'] if st.get('moved') else st['folder']
        expect_fault(lambda: obj.createDocument(
            repositoryId=repo, folderId=target,
            properties=props(('propertyId', 'cmis:objectTypeId', 'cmis:document'),
                             ('propertyString', 'cmis:name', 'renamed.bin')),
            contentStream={'length': 3, 'mimeType': 'text/plain', 'filename': 'renamed.bin', 'stream': b'dup'}),
            'nameConstraintViolation')
        return True
    step('19.createDocument(duplicateName)', s19, ['renamed'])

    # 20
    def s20():
        expect_fault(lambda: obj.deleteObject(repositoryId=repo, objectId=st['folder']), 'constraint')
        return True
    step('20.deleteObject(nonEmptyFolder)', s20, ['doc'])

    # 21
    def s21a():
        r = obj.deleteTree(repositoryId=repo, folderId=st['folder'])
        # zeep gives None for an empty <failedToDelete/>: look for the (required) element itself.
        expect(ohist.last_received['envelope'].find(f'.//{{{CMISM}}}deleteTreeResponse/{{{CMISM}}}failedToDelete')
               is not None, 'failedToDelete missing from the answer')
        ids = list(getattr(r, 'objectIds', None) or []) if r is not None else []
        expect(not ids, f'failedToDelete objectIds {ids}')
        st['treeDeleted'] = True
        return True

    def s21b():
        expect_fault(lambda: obj.getObject(repositoryId=repo, objectId=st['doc']), 'objectNotFound')
        return True
    step('21a.deleteTree', s21a, ['folder'])
    step('21b.getObject(deleted)', s21b, ['treeDeleted', 'doc'])

    # Not a step: leave no folder behind when deleteTree did not run or failed.
    if st.get('folder') and not st.get('treeDeleted'):
        try:
            obj.deleteTree(repositoryId=repo, folderId=st['folder'], continueOnFailure=True)
            print(f'note: cleanup: deleteTree({folder_name})', file=sys.stderr)
        except Exception as e:  # noqa: BLE001
            print(f'note: cleanup deleteTree({folder_name}): {describe(e)}', file=sys.stderr)
    return st


# -------------------------------------------------------------------------------------------------
# Steps 22-29: Versioning, MultiFiling, Relationship, Policy, ACL and Discovery services, each port
# from its own live WSDL URL (<base>/services/<Service>?wsdl), in two folders scen-<rand>-v and
# scen-<rand>-m of their own. Step 27 needs the second user (CMIS_USER2 / CMIS_PASS2 in the
# environment): the ACL steps act as that user on the same endpoints.

VERSION_SIZE = content_bytes(1024 * 1024)

MS_STEPS = [
    ('22a.createFolder(versioning)', 'createFolder'),
    ('22b.createDocument(1MiB)', 'createDocument'),
    ('23a.checkOut', 'checkOut'),
    ('23b.getProperties(PWC)', 'getProperties'),
    ('23c.getProperties(checkedOut)', 'getProperties'),
    ('23d.checkOut(again)', 'checkOut'),
    ('23e.checkIn(major,1MiB)', 'checkIn'),
    ('23f.getAllVersions', 'getAllVersions'),
    ('23g.getObjectOfLatestVersion', 'getObjectOfLatestVersion'),
    ('23h.getContentStream(newVersion)', 'getContentStream'),
    ('23i.getContentStream(oldVersion)', 'getContentStream'),
    ('24a.createFolder(second)', 'createFolder'),
    ('24b.addObjectToFolder', 'addObjectToFolder'),
    ('24c.getObjectParents(two)', 'getObjectParents'),
    ('24d.getChildren(second)', 'getChildren'),
    ('24e.removeObjectFromFolder', 'removeObjectFromFolder'),
    ('24f.getObjectParents(one)', 'getObjectParents'),
    ('25a.createDocument(target)', 'createDocument'),
    ('25b.createRelationship', 'createRelationship'),
    ('25c.getObjectRelationships(either)', 'getObjectRelationships'),
    ('26a.createPolicy', 'createPolicy'),
    ('26b.applyPolicy', 'applyPolicy'),
    ('26c.getAppliedPolicies', 'getAppliedPolicies'),
    ('26d.removePolicy', 'removePolicy'),
    ('26e.getAppliedPolicies(none)', 'getAppliedPolicies'),
    ('27a.applyACL(removeAnyone)', 'applyACL'),
    ('27b.getObject(user2,denied)', 'getObject'),
    ('27c.applyACL(addUser2Read)', 'applyACL'),
    ('27d.getObject(user2)', 'getObject'),
    ('27e.updateProperties(user2,denied)', 'updateProperties'),
    ('27f.getACL', 'getACL'),
    ('28a.query(IN_FOLDER)', 'query'),
    ('28b.query(name=)', 'query'),
    ('29a.deleteTree(folders)', 'deleteTree'),
    ('29b.getObject(deleted)', 'getObject'),
]


def ace_list(client, principal, permission):
    """A cmisAccessControlListType with one ACE (direct is required by the schema; ignored in requests)."""
    ACL = client.get_type(f'{{{CMIS}}}cmisAccessControlListType')
    return ACL(permission=[{'principal': {'principalId': principal}, 'permission': [permission], 'direct': True}])


def aces(acl):
    """[(principalId, [permissions], direct)] of a zeep cmisACLType (or cmisAccessControlListType)."""
    lst = getattr(acl, 'ACL', acl)
    return [(a.principal.principalId, list(a.permission or []), a.direct) for a in (getattr(lst, 'permission', None) or [])]


def more_services(base, user, password, repo):
    steps = dict(MS_STEPS)
    st = {}
    user2, pass2 = os.environ.get('CMIS_USER2'), os.environ.get('CMIS_PASS2')

    def step(name, fn, needs=()):
        missing = [k for k in needs if st.get(k) is None]
        if missing:
            skip(name, steps[name], f'no {", ".join(missing)} (an earlier step failed)')
            return None
        return run(name, steps[name], fn)

    if not repo:
        for name, op in MS_STEPS:
            skip(name, op, 'no repositoryId')
        return {}
    try:
        def port(service, u=user, p=password, history=None):
            c, b = make_client(f'{base}/services/{service}?wsdl', u, p, history, service=service)
            print(f'note: {service} endpoint from {service}?wsdl: {b._binding_options["address"]}', file=sys.stderr)
            return c, b
        ohist = HistoryPlugin()
        oc, obj = port('ObjectService', history=ohist)
        _, nav = port('NavigationService')
        _, ver = port('VersioningService')
        _, mf = port('MultiFilingService')
        _, rel = port('RelationshipService')
        _, pol = port('PolicyService')
        ac, acl = port('ACLService')
        _, disc = port('DiscoveryService')
        obj2 = port('ObjectService', user2, pass2)[1] if user2 and pass2 else None
    except Exception as e:  # noqa: BLE001
        fail('22.loadWSDL(services)', 'GET ?wsdl', describe(e))
        traceback.print_exc(file=sys.stderr)
        for name, op in MS_STEPS:
            skip(name, op, 'WSDL not loaded')
        return {}
    if obj2 is None:
        print('note: CMIS_USER2 / CMIS_PASS2 not set: the second-user steps of 27 cannot run', file=sys.stderr)
    else:
        st['user2'] = user2

    Props = oc.get_type(f'{{{CMIS}}}cmisPropertiesType')

    def props(*triples):
        return Props(_value_1=[{kind: {'propertyDefinitionId': pid, 'value': [v]}} for kind, pid, v in triples])

    def ids_names(objs):
        return [(one(o.properties, 'cmis:objectId'), one(o.properties, 'cmis:name')) for o in (objs or [])]

    def sha_of(oid):
        cs = obj.getContentStream(repositoryId=repo, objectId=oid)
        expect(cs is not None and cs.stream is not None, 'no contentStream/stream')
        return hashlib.sha256(cs.stream).hexdigest(), len(cs.stream)

    suffix = f'{random.randrange(16**8):08x}'
    folder_name, folder2_name = f'scen-{suffix}-v', f'scen-{suffix}-m'
    doc_name, target_name = f'v-{suffix}.bin', f't-{suffix}.bin'
    v1, v2 = os.urandom(VERSION_SIZE), os.urandom(VERSION_SIZE)
    sha1, sha2 = hashlib.sha256(v1).hexdigest(), hashlib.sha256(v2).hexdigest()
    comment = f'second version, {suffix}'

    # 22 ------------------------------------------------------------------------------------------
    def s22a():
        st['folder'] = create_folder(obj, props, repo, st['root'], folder_name)
        return True
    try:
        st['root'] = svc_root(repo, base, user, password)
    except Exception as e:  # noqa: BLE001
        print(f'note: getRepositoryInfo for rootFolderId: {describe(e)}', file=sys.stderr)
    step('22a.createFolder(versioning)', s22a, ['root'])

    def s22b():
        did = obj.createDocument(
            repositoryId=repo, folderId=st['folder'],
            properties=props(('propertyId', 'cmis:objectTypeId', 'cmis:document'),
                             ('propertyString', 'cmis:name', doc_name)),
            contentStream={'length': len(v1), 'mimeType': 'application/octet-stream', 'filename': doc_name,
                           'stream': v1}).objectId
        expect(did, f'objectId={did!r}')
        st['doc'] = did
        return True
    step('22b.createDocument(1MiB)', s22b, ['folder'])

    # 23 ------------------------------------------------------------------------------------------
    def s23a():
        r = ver.checkOut(repositoryId=repo, objectId=st['doc'])
        expect(r is not None and r.objectId, f'no PWC id: {r!r}')
        expect(r.objectId != st['doc'], f'PWC id {r.objectId!r} is the document id')
        expect(r.contentCopied is True, f'contentCopied={r.contentCopied!r} (the document has content)')
        st['pwc'] = r.objectId
        return True
    step('23a.checkOut', s23a, ['doc'])

    def s23b():
        p = obj.getProperties(repositoryId=repo, objectId=st['pwc'])
        expect(one(p, 'cmis:isPrivateWorkingCopy') is True, f'cmis:isPrivateWorkingCopy={one(p, "cmis:isPrivateWorkingCopy")!r}')
        expect(one(p, 'cmis:objectId') == st['pwc'], f'cmis:objectId={one(p, "cmis:objectId")!r}')
        return True
    step('23b.getProperties(PWC)', s23b, ['pwc'])

    def s23c():
        p = obj.getProperties(repositoryId=repo, objectId=st['doc'])
        got = {k: one(p, k) for k in ('cmis:isVersionSeriesCheckedOut', 'cmis:versionSeriesCheckedOutBy',
                                      'cmis:versionSeriesCheckedOutId')}
        expect(got['cmis:isVersionSeriesCheckedOut'] is True, f'{got}')
        expect(got['cmis:versionSeriesCheckedOutBy'] == user, f'{got}, wanted checked out by {user}')
        expect(got['cmis:versionSeriesCheckedOutId'] in (None, st['pwc']), f'{got}, wanted PWC {st["pwc"]}')
        return True
    step('23c.getProperties(checkedOut)', s23c, ['pwc'])

    def s23d():
        expect_fault(lambda: ver.checkOut(repositoryId=repo, objectId=st['doc']), 'versioning')
        return True
    step('23d.checkOut(again)', s23d, ['pwc'])

    def s23e():
        t0 = time.time()
        r = ver.checkIn(repositoryId=repo, objectId=st['pwc'], major=True, checkinComment=comment,
                        contentStream={'length': len(v2), 'mimeType': 'application/octet-stream',
                                       'filename': doc_name, 'stream': v2})
        nid = r.objectId if r is not None else None
        expect(nid, f'no objectId: {r!r}')
        print(f'note: checkIn sent {len(v2)} content bytes inline as base64: request Content-Type '
              f'{last_http.get("req_type")!r}, {last_http.get("req_bytes")} bytes, {time.time() - t0:.2f}s', file=sys.stderr)
        st['latest'] = nid
        return True
    step('23e.checkIn(major,1MiB)', s23e, ['pwc'])

    def s23f():
        vs = ver.getAllVersions(repositoryId=repo, objectId=st['doc'])
        got = [(one(o.properties, 'cmis:objectId'), one(o.properties, 'cmis:versionLabel')) for o in (vs or [])]
        want = [(st['latest'], '2.0'), (st['doc'], '1.0')]
        expect(got == want, f'versions {got}, wanted newest first {want}')
        return True
    step('23f.getAllVersions', s23f, ['latest'])

    def s23g():
        o = ver.getObjectOfLatestVersion(repositoryId=repo, objectId=st['doc'])
        p = o.properties
        expect(one(p, 'cmis:objectId') == st['latest'], f'objectId {one(p, "cmis:objectId")!r}, wanted {st["latest"]!r}')
        expect(one(p, 'cmis:isLatestVersion') is True, f'cmis:isLatestVersion={one(p, "cmis:isLatestVersion")!r}')
        expect(one(p, 'cmis:checkinComment') == comment, f'cmis:checkinComment={one(p, "cmis:checkinComment")!r}')
        co = one(p, 'cmis:isVersionSeriesCheckedOut')
        expect(co is False, 'cmis:isVersionSeriesCheckedOut ' + ('has no value' if co is None else f'= {co!r}')
               + ' after checkIn, wanted false')
        return True
    step('23g.getObjectOfLatestVersion', s23g, ['latest'])

    def s23h():
        got, n = sha_of(st['latest'])
        expect(got == sha2, f'sha256 {got} ({n} bytes) != checked-in {sha2}')
        return True

    def s23i():
        got, n = sha_of(st['doc'])
        expect(got == sha1, f'sha256 {got} ({n} bytes) != first version {sha1}')
        return True
    step('23h.getContentStream(newVersion)', s23h, ['latest'])
    step('23i.getContentStream(oldVersion)', s23i, ['latest'])

    # 24 ------------------------------------------------------------------------------------------
    # Filing belongs to the version series: the steps file the latest version.
    def parents():
        ps = nav.getObjectParents(repositoryId=repo, objectId=st['latest'])
        return sorted(one(p.object.properties, 'cmis:objectId') for p in (ps or []))

    def s24a():
        st['folder2'] = create_folder(obj, props, repo, st['root'], folder2_name)
        return True
    step('24a.createFolder(second)', s24a, ['root'])

    def s24b():
        mf.addObjectToFolder(repositoryId=repo, objectId=st['latest'], folderId=st['folder2'])
        st['filed2'] = True
        return True
    step('24b.addObjectToFolder', s24b, ['latest', 'folder2'])

    def s24c():
        got, want = parents(), sorted([st['folder'], st['folder2']])
        expect(got == want, f'parents {got}, wanted {want}')
        return True
    step('24c.getObjectParents(two)', s24c, ['filed2'])

    def s24d():
        l = nav.getChildren(repositoryId=repo, folderId=st['folder2'])
        got = ids_names([o.object for o in (l.objects or [])])
        expect(got == [(st['latest'], doc_name)], f'children {got}, wanted only {(st["latest"], doc_name)}')
        return True
    step('24d.getChildren(second)', s24d, ['filed2'])

    def s24e():
        mf.removeObjectFromFolder(repositoryId=repo, objectId=st['latest'], folderId=st['folder2'])
        st['unfiled2'] = True
        return True
    step('24e.removeObjectFromFolder', s24e, ['filed2'])

    def s24f():
        got = parents()
        expect(got == [st['folder']], f'parents {got}, wanted only {st["folder"]}')
        return True
    step('24f.getObjectParents(one)', s24f, ['unfiled2'])

    # 25 ------------------------------------------------------------------------------------------
    def s25a():
        tid = obj.createDocument(
            repositoryId=repo, folderId=st['folder'],
            properties=props(('propertyId', 'cmis:objectTypeId', 'cmis:document'),
                             ('propertyString', 'cmis:name', target_name)),
            contentStream={'length': 6, 'mimeType': 'text/plain', 'filename': target_name, 'stream': b'target'}).objectId
        expect(tid, f'objectId={tid!r}')
        st['target'] = tid
        return True
    step('25a.createDocument(target)', s25a, ['folder'])

    def s25b():
        rid = obj.createRelationship(
            repositoryId=repo,
            properties=props(('propertyId', 'cmis:objectTypeId', 'cmis:relationship'),
                             ('propertyString', 'cmis:name', f'rel-{suffix}'),
                             ('propertyId', 'cmis:sourceId', st['latest']),
                             ('propertyId', 'cmis:targetId', st['target']))).objectId
        expect(rid, f'objectId={rid!r}')
        st['rel'] = rid
        return True
    step('25b.createRelationship', s25b, ['latest', 'target'])

    def s25c():
        l = rel.getObjectRelationships(repositoryId=repo, objectId=st['latest'], relationshipDirection='either')
        got = [(one(o.properties, 'cmis:objectId'), one(o.properties, 'cmis:sourceId'), one(o.properties, 'cmis:targetId'))
               for o in (l.objects or [])]
        want = [(st['rel'], st['latest'], st['target'])]
        expect(got == want, f'relationships {got}, wanted {want}')
        expect(l.numItems is None or int(l.numItems) == 1, f'numItems={l.numItems!r}')
        # From the target's side too: only direction either (not the default source) finds it there.
        l = rel.getObjectRelationships(repositoryId=repo, objectId=st['target'], relationshipDirection='either')
        got = [one(o.properties, 'cmis:objectId') for o in (l.objects or [])]
        expect(got == [st['rel']], f'relationships of the target {got}, wanted [{st["rel"]}]')
        return True
    step('25c.getObjectRelationships(either)', s25c, ['rel'])

    # 26 ------------------------------------------------------------------------------------------
    def s26a():
        pid = obj.createPolicy(
            repositoryId=repo, folderId=st['folder'],
            properties=props(('propertyId', 'cmis:objectTypeId', 'cmis:policy'),
                             ('propertyString', 'cmis:name', f'policy-{suffix}'),
                             ('propertyString', 'cmis:policyText', 'scenario policy'))).objectId
        expect(pid, f'objectId={pid!r}')
        st['policy'] = pid
        return True
    step('26a.createPolicy', s26a, ['folder'])

    def applied():
        return [one(o.properties, 'cmis:objectId') for o in (pol.getAppliedPolicies(repositoryId=repo, objectId=st['latest']) or [])]

    def s26b():
        pol.applyPolicy(repositoryId=repo, policyId=st['policy'], objectId=st['latest'])
        st['applied'] = True
        return True
    step('26b.applyPolicy', s26b, ['policy', 'latest'])

    def s26c():
        got = applied()
        expect(got == [st['policy']], f'applied policies {got}, wanted [{st["policy"]}]')
        return True
    step('26c.getAppliedPolicies', s26c, ['applied'])

    def s26d():
        pol.removePolicy(repositoryId=repo, policyId=st['policy'], objectId=st['latest'])
        st['removed'] = True
        del st['applied']
        return True
    step('26d.removePolicy', s26d, ['applied'])

    def s26e():
        got = applied()
        expect(got == [], f'applied policies {got}, wanted none')
        return True
    step('26e.getAppliedPolicies(none)', s26e, ['removed'])

    # 27 ------------------------------------------------------------------------------------------
    # The target document inherited `anyone` cmis:read from its folder (and that from the root).
    def s27a():
        r = acl.applyACL(repositoryId=repo, objectId=st['target'], removeACEs=ace_list(ac, 'anyone', 'cmis:read'))
        got = aces(r)
        expect(not any(p == 'anyone' for p, _, _ in got), f'ACL after removing anyone: {got}')
        st['closed'] = True
        return True
    step('27a.applyACL(removeAnyone)', s27a, ['target'])

    def s27b():
        expect_fault(lambda: obj2.getObject(repositoryId=repo, objectId=st['target']), 'permissionDenied')
        return True
    step('27b.getObject(user2,denied)', s27b, ['closed', 'user2'])

    def s27c():
        r = acl.applyACL(repositoryId=repo, objectId=st['target'], addACEs=ace_list(ac, user2, 'cmis:read'))
        got = aces(r)
        expect((user2, ['cmis:read'], True) in got, f'ACL {got} lacks {user2} cmis:read direct')
        st['opened'] = True
        return True
    step('27c.applyACL(addUser2Read)', s27c, ['closed', 'user2'])

    def s27d():
        o = obj2.getObject(repositoryId=repo, objectId=st['target'])
        expect(one(o.properties, 'cmis:objectId') == st['target'], f'objectId {one(o.properties, "cmis:objectId")!r}')
        return True
    step('27d.getObject(user2)', s27d, ['opened'])

    def s27e():
        expect_fault(lambda: obj2.updateProperties(repositoryId=repo, objectId=st['target'],
                                                   properties=props(('propertyString', 'cmis:name', f'x-{suffix}.bin'))),
                     'permissionDenied')
        return True
    step('27e.updateProperties(user2,denied)', s27e, ['opened'])

    def s27f():
        got = aces(acl.getACL(repositoryId=repo, objectId=st['target']))
        expect((user2, ['cmis:read'], True) in got, f'ACL {got} lacks {user2} cmis:read direct=true')
        expect(not any(p == 'anyone' for p, _, _ in got), f'ACL {got} has anyone again')
        return True
    step('27f.getACL', s27f, ['opened'])

    # 28 ------------------------------------------------------------------------------------------
    def s28a():
        q = f"SELECT cmis:objectId, cmis:name FROM cmis:document WHERE IN_FOLDER('{st['folder']}') ORDER BY cmis:name"
        l = disc.query(repositoryId=repo, statement=q)
        got = [n for _, n in ids_names(l.objects)]
        want = sorted([doc_name, target_name])
        expect(got == want, f'names {got}, wanted {want}')
        expect(l.numItems is not None and int(l.numItems) == len(want), f'numItems={l.numItems!r}, wanted {len(want)}')
        return True
    step('28a.query(IN_FOLDER)', s28a, ['latest', 'target'])

    def s28b():
        q = f"SELECT cmis:objectId, cmis:name FROM cmis:document WHERE cmis:name = '{doc_name}'"
        l = disc.query(repositoryId=repo, statement=q)
        got = ids_names(l.objects)
        expect(got == [(st['latest'], doc_name)], f'rows {got}, wanted only the latest version {(st["latest"], doc_name)}')
        return True
    step('28b.query(name=)', s28b, ['latest'])

    # 29 ------------------------------------------------------------------------------------------
    def s29a():
        for f in ('folder', 'folder2'):
            if st.get(f) is None:
                continue
            r = obj.deleteTree(repositoryId=repo, folderId=st[f])
            expect(ohist.last_received['envelope'].find(f'.//{{{CMISM}}}deleteTreeResponse/{{{CMISM}}}failedToDelete')
                   is not None, f'failedToDelete missing from the answer for {f}')
            ids = list(getattr(r, 'objectIds', None) or []) if r is not None else []
            expect(not ids, f'failedToDelete objectIds {ids} ({f})')
            st[f + 'Deleted'] = True
        st['treeDeleted'] = True
        return True
    step('29a.deleteTree(folders)', s29a, ['folder'])

    def s29b():
        for k in ('latest', 'doc'):
            if st.get(k):
                expect_fault(lambda: obj.getObject(repositoryId=repo, objectId=st[k]), 'objectNotFound')
        return True
    step('29b.getObject(deleted)', s29b, ['treeDeleted', 'doc'])

    # Not a step: leave nothing behind when a step failed.
    if st.get('applied'):
        try:
            pol.removePolicy(repositoryId=repo, policyId=st['policy'], objectId=st['latest'])
        except Exception as e:  # noqa: BLE001
            print(f'note: cleanup removePolicy: {describe(e)}', file=sys.stderr)
    for f, name in (('folder', folder_name), ('folder2', folder2_name)):
        if st.get(f) and not st.get(f + 'Deleted'):
            try:
                obj.deleteTree(repositoryId=repo, folderId=st[f], continueOnFailure=True)
                print(f'note: cleanup: deleteTree({name})', file=sys.stderr)
            except Exception as e:  # noqa: BLE001
                print(f'note: cleanup deleteTree({name}): {describe(e)}', file=sys.stderr)
    return st


# -------------------------------------------------------------------------------------------------
# Step 30: the change log (Discovery service, getContentChanges). 30a reads repository info's
# latestChangeLogToken before the object steps (it runs between steps 10 and 11); after step 29,
# 30b reads the log from that token on (inclusive) in one page and looks for the events steps
# 12-29 must have left, and 30c reads it again two events at a time, each page from the
# changeLogToken the one before answered.

CL_STEPS = dict([
    ('30a.getRepositoryInfo(latestChangeLogToken)', 'getRepositoryInfo'),
    ('30b.getContentChanges', 'getContentChanges'),
    ('30c.getContentChanges(maxItems=2)', 'getContentChanges'),
])
CL_MAX_ITEMS = 1000  # cmisd's largest page; 30b checks that the log fits (hasMoreItems false)


def change_log_start(svc, repo):
    log = {}
    name = '30a.getRepositoryInfo(latestChangeLogToken)'
    if not repo:
        skip(name, CL_STEPS[name], 'no repositoryId')
        return log

    def s30a():
        info = svc.getRepositoryInfo(repositoryId=repo)
        caps = info.capabilities
        expect(caps is not None and caps.capabilityChanges == 'all',
               f'capabilityChanges={getattr(caps, "capabilityChanges", None)!r}, wanted all')
        expect(info.latestChangeLogToken, f'latestChangeLogToken={info.latestChangeLogToken!r}')
        log['token'] = info.latestChangeLogToken
        print(f'note: latestChangeLogToken before the object steps: {log["token"]}', file=sys.stderr)
        return True
    run(name, CL_STEPS[name], s30a)
    return log


def change_events(r):
    """[(objectId, changeType, changeTime)] of a getContentChanges answer, in log order; every event
    must carry all three."""
    out = []
    lst = r.objects if r is not None else None
    expect(lst is not None, f'no objects in the answer: {r!r}'[:300])
    for o in (lst.objects or []):
        oid = one(o.properties, 'cmis:objectId')
        ev = o.changeEventInfo
        expect(oid, f'an event without cmis:objectId: {o!r}'[:300])
        expect(ev is not None, f'the event of {oid} has no changeEventInfo')
        expect(ev.changeType in ('created', 'updated', 'deleted', 'security'), f'changeType {ev.changeType!r} of {oid}')
        expect(ev.changeTime is not None, f'the {ev.changeType} event of {oid} has no changeTime')
        out.append((oid, ev.changeType, ev.changeTime))
    return out


def change_log_end(base, user, password, repo, log, on, ms):
    st = dict(log)
    for k in ('folder', 'doc', 'renamed', 'treeDeleted'):
        st[k] = on.get(k)
    st['target'], st['closed'] = ms.get('target'), ms.get('closed')

    def step(name, fn, needs=()):
        missing = [k for k in needs if st.get(k) is None]
        if missing:
            skip(name, CL_STEPS[name], f'no {", ".join(missing)} (an earlier step failed)')
            return None
        return run(name, CL_STEPS[name], fn)

    disc = None
    if st.get('token'):
        try:
            _, disc = make_client(f'{base}/services/DiscoveryService?wsdl', user, password, service='DiscoveryService')
        except Exception as e:  # noqa: BLE001
            fail('30.loadWSDL(Discovery)', 'GET ?wsdl', describe(e))
            traceback.print_exc(file=sys.stderr)
    st['disc'] = disc

    def changes(token, max_items):
        return disc.getContentChanges(repositoryId=repo, changeLogToken=token, includeProperties=False,
                                      maxItems=max_items)

    def s30b():
        r = changes(st['token'], CL_MAX_ITEMS)
        evs = change_events(r)
        expect(r.objects.hasMoreItems is False, f'hasMoreItems={r.objects.hasMoreItems!r} with maxItems {CL_MAX_ITEMS}')
        expect(r.changeLogToken, f'no changeLogToken in the answer ({len(evs)} events)')
        want = [(st['folder'], 'created', 'the folder of step 12'),
                (st['doc'], 'updated', 'the document renamed in step 16a'),
                (st['target'], 'security', 'the ACL change of step 27a'),
                (st['doc'], 'deleted', 'the document deleteTree removed in step 21a')]
        have = [(i, t) for i, t, _ in evs]
        missing = [f'{t} {i} ({what})' for i, t, what in want if (i, t) not in have]
        expect(not missing, f'{len(evs)} events from token {st["token"]} lack: ' + '; '.join(missing))
        expect(have.index((st['folder'], 'created')) < have.index((st['doc'], 'deleted')),
               'the deletion of the document comes before the creation of its folder')
        counts = {}
        for _, t, _ in evs:
            counts[t] = counts.get(t, 0) + 1
        print(f'note: getContentChanges from {st["token"]}: {len(evs)} events {counts}, resume at {r.changeLogToken}',
              file=sys.stderr)
        st['events'], st['next'] = evs, r.changeLogToken
        return True
    step('30b.getContentChanges', s30b, ['disc', 'token', 'folder', 'renamed', 'closed', 'treeDeleted'])

    def s30c():
        got, token, pages = [], st['token'], 0
        while True:
            r = changes(token, 2)
            page = change_events(r)
            pages += 1
            expect(len(page) <= 2, f'page {pages}: {len(page)} events for maxItems 2')
            expect(r.changeLogToken, f'page {pages}: no changeLogToken')
            got += page
            token = r.changeLogToken
            if not r.objects.hasMoreItems:
                break
            expect(page, f'page {pages} is empty but hasMoreItems is true')
            expect(pages < 1000, 'still more after 1000 pages')
        want = st['events']
        if got != want:
            i = next((k for k in range(min(len(got), len(want))) if got[k] != want[k]), min(len(got), len(want)))
            raise Check(f'{pages} pages: {len(got)} events, one page: {len(want)}; first difference at event {i}: '
                        f'{got[i] if i < len(got) else None} vs {want[i] if i < len(want) else None}')
        expect(token == st['next'], f'the last page answers token {token}, the single page {st["next"]}')
        print(f'note: {pages} pages of at most 2 events give the same {len(got)} events', file=sys.stderr)
        return True
    step('30c.getContentChanges(maxItems=2)', s30c, ['events'])


def svc_root(repo, base, user, password):
    _, rsvc = make_client(f'{base}/services/RepositoryService?wsdl', user, password)
    info = rsvc.getRepositoryInfo(repositoryId=repo)
    expect(info is not None and info.rootFolderId, 'no rootFolderId')
    return info.rootFolderId


def create_folder(obj, props, repo, parent, name):
    fid = obj.createFolder(repositoryId=repo, folderId=parent,
                           properties=props(('propertyId', 'cmis:objectTypeId', 'cmis:folder'),
                                            ('propertyString', 'cmis:name', name))).objectId
    expect(fid, f'objectId={fid!r}')
    return fid


def field(obj, name):
    """obj.name, or the text of a <name> element that zeep's xs:any wildcard swallowed."""
    v = getattr(obj, name, None)
    if v is not None:
        return v
    for attr in dir(obj):
        if attr.startswith('_value_'):
            vals = getattr(obj, attr, None)
            for e in (vals if isinstance(vals, list) else [vals]):
                if isinstance(e, etree._Element) and etree.QName(e).localname == name:
                    print(f'note: zeep left {name} None; read <{name}> from its wildcard list {attr}', file=sys.stderr)
                    return e.text
    return None


def item_defs(t, kind):
    """The property definitions of one kind (e.g. propertyStringDefinition) of a zeep type value."""
    out = []
    for item in (t._value_1 or []):
        if kind in item and item[kind] is not None:
            out.append(item[kind])
    return out


def check_props(t):
    s = [p for p in item_defs(t, 'propertyStringDefinition') if p.id == 'scen:title']
    i = [p for p in item_defs(t, 'propertyIntegerDefinition') if p.id == 'scen:pages']
    have = [(k, v.id) for item in (t._value_1 or []) for k, v in item.items() if v is not None]
    expect(s, f'no propertyStringDefinition scen:title (have {have})')
    expect(i, f'no propertyIntegerDefinition scen:pages (have {have})')
    ml = field(s[0], 'maxLength')
    expect(ml is not None and int(ml) == 100, f'scen:title maxLength={ml!r}')


if __name__ == '__main__':
    main()
