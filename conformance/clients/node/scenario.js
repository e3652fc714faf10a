#!/usr/bin/env node
'use strict';
/*
 * CMIS 1.1 object scenario driven by the npm package `soap` (node-soap, pinned in package.json).
 *
 *     node scenario.js http://127.0.0.1:18080 admin PASSWORD mtom|inline
 *
 * (conformance/clients/node/run.sh runs `npm ci` first when node_modules is missing or stale.)
 *
 * The client is built at run time from the live WSDL <base>/services/RepositoryService?wsdl
 * (soap.createClientAsync follows the xsd:import schemaLocations itself). That one WSDL describes
 * every CMIS service; each call goes to the port of its own service (client.ObjectService
 * .ObjectServicePort.createDocument, ...), at the soap:address the server wrote into the WSDL.
 *
 * Authentication: a WS-Security UsernameToken with a PasswordText password (soap.WSSecurity, which
 * also writes a wsu:Timestamp and a wsu:Created inside the token); node-soap sends no HTTP Basic.
 *
 * Encoding (the fourth argument):
 *   mtom    createDocument and checkIn go out as MTOM/XOP packages: the content is a soap `attachments`
 *           entry (forceMTOM) and <cmism:stream> holds an <xop:Include href="cid:..."/> written
 *           through node-soap's raw-XML key ($xml). getContentStream is sent with forceMTOM too,
 *           so the server answers MTOM and the content arrives as an attachment, which
 *           parseResponseAttachments hands back and the xop:Include href is resolved against
 *           (node-soap takes the FIRST MIME part as the envelope and ignores start=).
 *           Every other request is text/xml (node-soap sends MTOM only when asked per call).
 *   inline  every request is text/xml; the content travels as base64 text inside <cmism:stream>
 *           in both directions.
 *
 * Steps 1-14 cover the Repository, Object and Navigation services (11a-11d move the document into a
 * subfolder `sub`, 11e-11g rename it with its change token and then fail with the stale one,
 * updateConflict); steps 15-21 (moreServices) the Versioning, MultiFiling, Relationship, Policy, ACL
 * and Discovery services in a fresh folder, with a second, ordinary user for the ACL steps: CMIS_USER2 / CMIS_PASS2 in the environment (the interop
 * test sets them; without them steps 19c-19f are FAIL "not run"). checkIn's new content travels like
 * createDocument's (an MTOM attachment in mtom mode, base64 text in inline mode). Step 22 reads the
 * change log: 22a takes repositoryInfo's latestChangeLogToken before the object steps (it runs
 * between steps 5 and 6), 22b-22c call getContentChanges from it after step 21 (changeLog()).
 *
 * CMIS_CONTENT_BYTES=N in the environment makes every random content N bytes (at least 16) instead
 * of 3 MiB and 1 MiB, e.g. to record a small session (see ../record-sessions.sh).
 *
 * Each step prints "PASS node-<mode> <step>" or "FAIL node-<mode> <step>: <operation> <fault type
 * or error>" (node-mtom, node-inline); the run ends with "N passed, M failed" and exits 1 if
 * M > 0. Diagnostics ("note: ...") go to stderr. A step that cannot run because an earlier one failed is a FAIL "not run: ...".
 */
const crypto = require('crypto');
const path = require('path');
const soap = require(path.join(__dirname, 'node_modules', 'soap'));

const CMIS = 'http://docs.oasis-open.org/ns/cmis/core/200908/';
const XOP = 'http://www.w3.org/2004/08/xop/include';
/* The size of a random content: CMIS_CONTENT_BYTES when set (e.g. 2048, to keep recordings of a
 * session small), else the scenario's own size. */
function contentSize(dflt) {
    const v = process.env.CMIS_CONTENT_BYTES;
    if (!v) return dflt;
    if (!/^[0-9]+$/.test(v) || Number(v) < 16) {
        process.stderr.write(`CMIS_CONTENT_BYTES=${JSON.stringify(v)}: wanted a number of bytes, at least 16\n`);
        process.exit(2);
    }
    return Number(v);
}
const CONTENT_SIZE = contentSize(3 * 1024 * 1024);
const VERSION_SIZE = contentSize(1024 * 1024); // steps 15: each version's content
const CHANGES_MAX_ITEMS = 1000; // step 22b: cmisd's largest page; the step checks that the log fits

let FW = 'node';
let passed = 0;
let failed = 0;

function note(msg) {
    process.stderr.write(`note: ${msg}\n`);
}

class Check extends Error {}

function expect(cond, what) {
    if (!cond) throw new Check(what);
}

/* The cmisFault/type of a node-soap fault error, or null. node-soap puts the parsed envelope in
 * err.root (Envelope.Body.Fault.detail.cmisFault.type). */
function cmisFaultType(err) {
    const fault = err && err.root && err.root.Envelope && err.root.Envelope.Body && err.root.Envelope.Body.Fault;
    const cf = fault && fault.detail && fault.detail.cmisFault;
    if (!cf) return null;
    const t = Array.isArray(cf) ? cf[0].type : cf.type;
    return t ? String(t).trim() : null;
}

function describe(err) {
    if (err instanceof Check) return `unexpected answer: ${err.message}`;
    const ft = cmisFaultType(err);
    if (ft) return `cmisFault type=${ft} (${err.message})`;
    const fault = err && err.root && err.root.Envelope && err.root.Envelope.Body && err.root.Envelope.Body.Fault;
    if (fault) {
        return `SOAP fault without cmisFault detail: faultcode=${fault.faultcode} faultstring=${JSON.stringify(fault.faultstring)}`;
    }
    if (err && err.response && err.response.status) {
        const body = typeof err.body === 'string' ? err.body : String(err.response.data || '');
        return `HTTP ${err.response.status}: ${JSON.stringify(body.slice(0, 200))}`;
    }
    return `${(err && err.name) || 'Error'}: ${(err && err.message) || err}`;
}

async function run(step, op, fn) {
    try {
        const r = await fn();
        passed++;
        console.log(`PASS ${FW} ${step}`);
        return r === undefined ? true : r;
    } catch (e) {
        failed++;
        console.log(`FAIL ${FW} ${step}: ${op} ${describe(e)}`);
        if (!(e instanceof Check) && !cmisFaultType(e) && !(e && e.root)) {
            process.stderr.write(`${(e && e.stack) || e}\n`);
        }
        return null;
    }
}

function skip(step, op, why) {
    failed++;
    console.log(`FAIL ${FW} ${step}: ${op} not run: ${why}`);
}

/* One operation on the port of its own service. node-soap's port methods take
 * (args, callback, options, extraHeaders); the callback receives the parsed result, the raw
 * response, the SOAP header, the raw request and (with parseResponseAttachments) the MTOM parts. */
function call(client, service, op, args, options) {
    return new Promise((resolve, reject) => {
        client[service][`${service}Port`][op](args, (err, result, raw, header, rawRequest, attachments) => {
            if (err) reject(err);
            else resolve({ result, raw, attachments });
        }, options || {});
    });
}

function asList(v) {
    if (v === undefined || v === null) return [];
    return Array.isArray(v) ? v : [v];
}

/* The value of property `id` in a parsed cmisPropertiesType: node-soap gives one key per kind
 * (propertyId, propertyString, propertyInteger, ...), each a list of {attributes, value}. */
function prop(props, id) {
    if (!props) return undefined;
    for (const kind of Object.keys(props)) {
        if (!kind.startsWith('property')) continue;
        for (const p of asList(props[kind])) {
            if (p && p.attributes && p.attributes.propertyDefinitionId === id) {
                const v = asList(p.value);
                return v.length ? v[0] : null;
            }
        }
    }
    return undefined;
}

function propsArg(spec) {
    // spec: {propertyId: {'cmis:objectTypeId': 'cmis:folder'}, propertyString: {'cmis:name': 'x'}}
    const out = {};
    for (const kind of Object.keys(spec)) {
        out[kind] = Object.entries(spec[kind]).map(([id, value]) => ({
            attributes: { propertyDefinitionId: id },
            value,
        }));
    }
    return out;
}

/* The contentStream argument of createDocument / checkIn, and the call options that go with it.
 * mtom: the bytes are an MTOM attachment (forceMTOM) that <cmism:stream> references with an
 * <xop:Include> written through node-soap's raw-XML key ($xml); inline: base64 text. */
function contentArg(mode, bytes, filename, mimeType) {
    const contentStream = { length: bytes.length, mimeType, filename, stream: null };
    const options = {};
    if (mode === 'mtom') {
        const cid = `${crypto.randomUUID()}@node-soap`;
        contentStream.stream = { $xml: `<xop:Include xmlns:xop="${XOP}" href="cid:${cid}"/>` };
        options.forceMTOM = true;
        options.attachments = [{ mimetype: mimeType, contentId: cid, name: filename, body: bytes }];
    } else {
        contentStream.stream = bytes.toString('base64');
    }
    return { contentStream, options };
}

/* The bytes of a getContentStream answer: base64 text, or an <xop:Include href="cid:..."/> resolved
 * against the MTOM parts parseResponseAttachments handed back. */
function contentBytes(result, attachments, what) {
    const cs = result && result.contentStream;
    expect(cs, `no contentStream: ${JSON.stringify(result).slice(0, 300)}`);
    const stream = cs.stream;
    const parts = (attachments && attachments.parts) || [];
    if (stream && typeof stream === 'object') {
        // <xop:Include href="cid:..."/>: find the part whose Content-ID matches.
        const inc = stream.Include || stream['xop:Include'];
        const href = inc && inc.attributes && inc.attributes.href;
        expect(href, `stream is neither base64 nor xop:Include: ${JSON.stringify(stream).slice(0, 300)}`);
        const want = decodeURIComponent(href.replace(/^cid:/, ''));
        const part = parts.find((p) => {
            const id = (p.headers['content-id'] || p.headers['Content-ID'] || p.headers['Content-Id'] || '')
                .trim().replace(/^<|>$/g, '');
            return id === want || id === href.replace(/^cid:/, '');
        });
        expect(part, `no MIME part with Content-ID <${want}> (have ${JSON.stringify(parts.map((p) => p.headers))})`);
        note(`${what}: content arrived as an XOP attachment (${parts.length} attachment part(s))`);
        return part.body;
    }
    expect(typeof stream === 'string', `stream missing: ${JSON.stringify(cs).slice(0, 300)}`);
    note(`${what}: content arrived inline as base64 (${parts.length} attachment part(s))`);
    return Buffer.from(stream, 'base64');
}

function sha256(bytes) {
    return crypto.createHash('sha256').update(bytes).digest('hex');
}

/* node-soap turns xs:boolean into a JS boolean (by the schema); the string 'true' is taken too. */
function isTrue(v) {
    return v === true || String(v).trim() === 'true';
}

/* An explicit false: a property element without a <value> (prop() gives null) is "not set", not false. */
function isFalse(v) {
    return v === false || (v !== null && v !== undefined && String(v).trim() === 'false');
}

/* An ACE list argument (cmisAccessControlListType): [[principal, permission], ...]. */
function acesArg(list) {
    return { permission: list.map(([principalId, permission]) => ({ principal: { principalId }, permission, direct: true })) };
}

/* [[principal, permission, direct], ...] of a cmisACLType answer (applyACL, getACL). */
function aclEntries(acl) {
    const out = [];
    const list = acl && acl.ACL;
    for (const e of asList(list && list.permission)) {
        const principal = e && e.principal && e.principal.principalId;
        for (const p of asList(e && e.permission)) out.push([principal, p, isTrue(e.direct)]);
    }
    return out;
}

/* Expects a call to fail with a cmisFault of the given type. */
async function expectFault(type, fn) {
    let r;
    try {
        r = await fn();
    } catch (e) {
        const ft = cmisFaultType(e);
        expect(ft === type, `${describe(e)}, wanted cmisFault type ${type}`);
        return;
    }
    throw new Check(`no fault, wanted cmisFault type ${type}; got ${JSON.stringify(r && r.result).slice(0, 200)}`);
}

async function main() {
    const argv = process.argv.slice(2);
    if (argv.length !== 4 || !['mtom', 'inline'].includes(argv[3])) {
        process.stderr.write('usage: node scenario.js BASE_URL USER PASSWORD mtom|inline\n');
        process.exit(2);
    }
    const base = argv[0].replace(/\/+$/, '');
    const user = argv[1];
    const password = argv[2];
    const mode = argv[3];
    FW = `node-${mode}`;
    const wsdl = `${base}/services/RepositoryService?wsdl`;

    let client;
    try {
        // parseResponseAttachments: read multipart/related answers (MTOM) and hand back their parts.
        client = await soap.createClientAsync(wsdl, { parseResponseAttachments: true });
    } catch (e) {
        failed++;
        console.log(`FAIL ${FW} 0.loadWSDL: GET ?wsdl ${describe(e)}`);
        process.stderr.write(`${(e && e.stack) || e}\n`);
        console.log(`${passed} passed, ${failed} failed`);
        process.exit(1);
    }
    client.setSecurity(new soap.WSSecurity(user, password, { passwordType: 'PasswordText' }));
    const described = client.describe();
    note(`services in the WSDL: ${Object.keys(described).join(', ')}`);
    note(`ObjectService endpoint from the WSDL: ${client.wsdl.services.ObjectService.ports.ObjectServicePort.location}`);

    const st = {};

    // repository ----------------------------------------------------------------------------
    await run('1.getRepositories', 'getRepositories', async () => {
        const { result } = await call(client, 'RepositoryService', 'getRepositories', {});
        const repos = asList(result && result.repositories);
        expect(repos.length > 0, `no repositories: ${JSON.stringify(result)}`);
        expect(repos[0].repositoryId && repos[0].repositoryName, `entry lacks id or name: ${JSON.stringify(repos[0])}`);
        st.repo = repos[0].repositoryId;
    });
    const repositoryId = st.repo;

    if (repositoryId) {
        await run('2.getRepositoryInfo', 'getRepositoryInfo', async () => {
            const { result } = await call(client, 'RepositoryService', 'getRepositoryInfo', { repositoryId });
            const info = result && result.repositoryInfo;
            expect(info, `no repositoryInfo: ${JSON.stringify(result)}`);
            expect(info.cmisVersionSupported === '1.1', `cmisVersionSupported=${JSON.stringify(info.cmisVersionSupported)}`);
            expect(info.rootFolderId, `rootFolderId=${JSON.stringify(info.rootFolderId)}`);
            st.root = info.rootFolderId;
            st.anyone = info.principalAnyone;
        });
    } else {
        skip('2.getRepositoryInfo', 'getRepositoryInfo', 'no repositoryId');
    }

    if (repositoryId) {
        await run('3.getTypeDefinition', 'getTypeDefinition', async () => {
            const { result } = await call(client, 'RepositoryService', 'getTypeDefinition',
                { repositoryId, typeId: 'cmis:document' });
            const t = result && result.type;
            expect(t, `no type: ${JSON.stringify(result)}`);
            expect(t.id === 'cmis:document', `id=${JSON.stringify(t.id)}`);
            expect(t.baseId === 'cmis:document', `baseId=${JSON.stringify(t.baseId)}`);
            const xsiType = t.attributes && (t.attributes['xsi:type'] || t.attributes.xsi_type);
            note(`getTypeDefinition(cmis:document): xsi:type=${JSON.stringify(xsiType)}`);
            const idDefs = asList(t.propertyIdDefinition).map((p) => p.id);
            expect(idDefs.includes('cmis:objectId'), `no propertyIdDefinition cmis:objectId (have ${JSON.stringify(idDefs)})`);
        });
    } else {
        skip('3.getTypeDefinition', 'getTypeDefinition', 'no repositoryId');
    }

    const typeHex = crypto.randomBytes(4).toString('hex');
    const newType = `scen:doc${typeHex}`;
    const titleProp = `scen:title${typeHex}`;
    if (repositoryId) {
        await run('4a.createType', 'createType', async () => {
            // xsi_type in the attributes makes node-soap write
            // xsi:type="<prefix>:cmisTypeDocumentDefinitionType" with the core namespace declared.
            const type = {
                attributes: { xsi_type: { type: 'cmisTypeDocumentDefinitionType', xmlns: CMIS } },
                id: newType,
                localName: newType.slice(5),
                localNamespace: 'http://example.org/scenario',
                displayName: 'Scenario document',
                queryName: newType,
                description: 'created by the node-soap scenario',
                baseId: 'cmis:document',
                parentId: 'cmis:document',
                creatable: true,
                fileable: true,
                queryable: true,
                fulltextIndexed: false,
                includedInSupertypeQuery: true,
                controllablePolicy: false,
                controllableACL: true,
                propertyStringDefinition: {
                    id: titleProp,
                    localName: 'title',
                    displayName: 'Title',
                    queryName: titleProp,
                    propertyType: 'string',
                    cardinality: 'single',
                    updatability: 'readwrite',
                    inherited: false,
                    required: false,
                    queryable: true,
                    orderable: true,
                },
                versionable: false,
                contentStreamAllowed: 'allowed',
            };
            const { result } = await call(client, 'RepositoryService', 'createType', { repositoryId, type });
            const sent = client.lastRequest || '';
            const m = /<[^>]*:?type\b[^>]*xsi:type="([^"]*)"/.exec(sent);
            note(`createType sent xsi:type=${m ? JSON.stringify(m[1]) : 'none'}`);
            st.typeCreated = true;
            const t = result && result.type;
            expect(t && t.id === newType, `id=${JSON.stringify(t && t.id)}`);
            const strDefs = asList(t.propertyStringDefinition).map((p) => p.id);
            expect(strDefs.includes(type.propertyStringDefinition.id),
                `no propertyStringDefinition ${type.propertyStringDefinition.id} (have ${JSON.stringify(strDefs)})`);
        });
    } else {
        skip('4a.createType', 'createType', 'no repositoryId');
    }

    if (st.typeCreated) {
        await run('4b.deleteType', 'deleteType', async () => {
            await call(client, 'RepositoryService', 'deleteType', { repositoryId, typeId: newType });
            st.typeDeleted = true;
        });
    } else {
        skip('4b.deleteType', 'deleteType', 'createType failed');
        // A type the server did create (the step failed on the answer) would be left behind.
        if (repositoryId) {
            try {
                await call(client, 'RepositoryService', 'deleteType', { repositoryId, typeId: newType });
                note(`cleanup: deleted ${newType}`);
            } catch (e) { /* most likely it was never created */ }
        }
    }

    if (st.root) {
        await run('5.getChildren(root)', 'getChildren', async () => {
            const { result } = await call(client, 'NavigationService', 'getChildren',
                { repositoryId, folderId: st.root, maxItems: 100 });
            const objs = result && result.objects;
            expect(objs, `no objects element: ${JSON.stringify(result)}`);
            expect(objs.hasMoreItems !== undefined, 'hasMoreItems missing');
            const kids = asList(objs.objects);
            note(`root has ${kids.length} children (numItems=${objs.numItems})`);
            for (const k of kids) {
                expect(prop(k.object && k.object.properties, 'cmis:objectId'), `child without cmis:objectId: ${JSON.stringify(k).slice(0, 300)}`);
            }
        });
    } else {
        skip('5.getChildren(root)', 'getChildren', 'no rootFolderId');
    }

    // 22a: the change log's position before the object steps (22b-22c read the log at the end)
    if (repositoryId) {
        await run('22a.getRepositoryInfo(latestChangeLogToken)', 'getRepositoryInfo', async () => {
            const { result } = await call(client, 'RepositoryService', 'getRepositoryInfo', { repositoryId });
            const info = result && result.repositoryInfo;
            const changes = info && info.capabilities && info.capabilities.capabilityChanges;
            expect(changes === 'all', `capabilityChanges=${JSON.stringify(changes)}, wanted all`);
            expect(info.latestChangeLogToken, `latestChangeLogToken=${JSON.stringify(info.latestChangeLogToken)}`);
            st.changeLogToken = String(info.latestChangeLogToken);
            note(`latestChangeLogToken before the object steps: ${st.changeLogToken}`);
        });
    } else {
        skip('22a.getRepositoryInfo(latestChangeLogToken)', 'getRepositoryInfo', 'no repositoryId');
    }

    // objects -------------------------------------------------------------------------------
    const folderName = `scen-${crypto.randomBytes(4).toString('hex')}`;
    if (st.root) {
        await run('6.createFolder', 'createFolder', async () => {
            const { result } = await call(client, 'ObjectService', 'createFolder', {
                repositoryId,
                properties: propsArg({
                    propertyId: { 'cmis:objectTypeId': 'cmis:folder' },
                    propertyString: { 'cmis:name': folderName },
                }),
                folderId: st.root,
            });
            expect(result && result.objectId, `no objectId: ${JSON.stringify(result)}`);
            st.folder = result.objectId;
        });
    } else {
        skip('6.createFolder', 'createFolder', 'no rootFolderId');
    }

    const content = crypto.randomBytes(CONTENT_SIZE);
    const sha = crypto.createHash('sha256').update(content).digest('hex');
    if (st.folder) {
        await run('7.createDocument', 'createDocument', async () => {
            // node-soap writes whatever $xml holds verbatim as the element's content (mtom).
            const { contentStream, options } = contentArg(mode, content, 'doc.bin', 'application/octet-stream');
            const args = {
                repositoryId,
                properties: propsArg({
                    propertyId: { 'cmis:objectTypeId': 'cmis:document' },
                    propertyString: { 'cmis:name': 'doc.bin' },
                }),
                folderId: st.folder,
                contentStream,
            };
            const { result } = await call(client, 'ObjectService', 'createDocument', args, options);
            expect(result && result.objectId, `no objectId: ${JSON.stringify(result)}`);
            st.doc = result.objectId;
        });
    } else {
        skip('7.createDocument', 'createDocument', 'createFolder failed');
    }

    if (st.doc) {
        await run('8.getContentStream', 'getContentStream', async () => {
            const options = mode === 'mtom' ? { forceMTOM: true } : {};
            const { result, attachments } = await call(client, 'ObjectService', 'getContentStream',
                { repositoryId, objectId: st.doc }, options);
            const bytes = contentBytes(result, attachments, 'getContentStream');
            const got = crypto.createHash('sha256').update(bytes).digest('hex');
            expect(bytes.length === CONTENT_SIZE && got === sha,
                `content differs: ${bytes.length} bytes sha256 ${got}, sent ${CONTENT_SIZE} bytes sha256 ${sha}`);
        });
    } else {
        skip('8.getContentStream', 'getContentStream', 'createDocument failed');
    }

    if (st.doc) {
        await run('9.getProperties', 'getProperties', async () => {
            const { result } = await call(client, 'ObjectService', 'getProperties', { repositoryId, objectId: st.doc });
            const len = prop(result && result.properties, 'cmis:contentStreamLength');
            expect(len !== undefined && len !== null && Number(len) === CONTENT_SIZE,
                `cmis:contentStreamLength=${JSON.stringify(len)}, wanted ${CONTENT_SIZE}`);
            st.changeToken = prop(result.properties, 'cmis:changeToken');
        });
    } else {
        skip('9.getProperties', 'getProperties', 'createDocument failed');
    }

    const newName = 'doc-renamed.bin';
    if (st.doc) {
        await run('10.updateProperties', 'updateProperties', async () => {
            const args = { repositoryId, objectId: st.doc };
            if (st.changeToken) args.changeToken = st.changeToken;
            args.properties = propsArg({ propertyString: { 'cmis:name': newName } });
            const { result } = await call(client, 'ObjectService', 'updateProperties', args);
            expect(result && result.objectId, `no objectId: ${JSON.stringify(result)}`);
            if (result.objectId !== st.doc) note(`updateProperties returned a new id ${result.objectId}`);
            st.doc = result.objectId;
            st.renamed = true;
        });
    } else {
        skip('10.updateProperties', 'updateProperties', 'createDocument failed');
    }

    if (st.renamed) {
        await run('11.getObjectByPath', 'getObjectByPath', async () => {
            const p = `/${folderName}/${newName}`;
            const { result } = await call(client, 'ObjectService', 'getObjectByPath', { repositoryId, path: p });
            const props = result && result.object && result.object.properties;
            expect(prop(props, 'cmis:objectId') === st.doc, `cmis:objectId=${JSON.stringify(prop(props, 'cmis:objectId'))}, wanted ${st.doc}`);
            expect(prop(props, 'cmis:name') === newName, `cmis:name=${JSON.stringify(prop(props, 'cmis:name'))}`);
        });
    } else {
        skip('11.getObjectByPath', 'getObjectByPath', 'updateProperties failed');
    }

    // 11a-11d: move the document into a second folder under the scenario folder
    const subName = 'sub';
    if (st.folder) {
        await run('11a.createFolder(sub)', 'createFolder', async () => {
            const { result } = await call(client, 'ObjectService', 'createFolder', {
                repositoryId,
                properties: propsArg({
                    propertyId: { 'cmis:objectTypeId': 'cmis:folder' },
                    propertyString: { 'cmis:name': subName },
                }),
                folderId: st.folder,
            });
            expect(result && result.objectId, `no objectId: ${JSON.stringify(result)}`);
            st.sub = result.objectId;
        });
    } else {
        skip('11a.createFolder(sub)', 'createFolder', 'createFolder failed');
    }

    if (st.sub && st.doc) {
        await run('11b.moveObject', 'moveObject', async () => {
            const { result } = await call(client, 'ObjectService', 'moveObject',
                { repositoryId, objectId: st.doc, targetFolderId: st.sub, sourceFolderId: st.folder });
            expect(result && result.objectId, `no objectId: ${JSON.stringify(result)}`);
            expect(result.objectId === st.doc, `objectId ${result.objectId} after the move, wanted ${st.doc}`);
            st.moved = true;
        });
    } else {
        skip('11b.moveObject', 'moveObject', st.sub ? 'createDocument failed' : 'createFolder(sub) failed');
    }

    if (st.moved) {
        await run('11c.getObjectParents(moved)', 'getObjectParents', async () => {
            const { result } = await call(client, 'NavigationService', 'getObjectParents',
                { repositoryId, objectId: st.doc, includeRelativePathSegment: true });
            const ps = asList(result && result.parents).map((p) => ({
                id: prop(p.object && p.object.properties, 'cmis:objectId'),
                name: prop(p.object && p.object.properties, 'cmis:name'),
                segment: p.relativePathSegment,
            }));
            const seen = JSON.stringify(ps);
            expect(ps.length === 1, `${ps.length} parents, wanted only ${subName}: ${seen}`);
            expect(ps[0].id === st.sub && ps[0].name === subName, `parent ${seen}, wanted ${subName} (${st.sub})`);
            expect(ps[0].segment === newName, `relativePathSegment ${JSON.stringify(ps[0].segment)}, wanted ${newName}`);
        });
        await run('11d.getObjectByPath(moved)', 'getObjectByPath', async () => {
            const p = `/${folderName}/${subName}/${newName}`;
            const { result } = await call(client, 'ObjectService', 'getObjectByPath', { repositoryId, path: p });
            const props = result && result.object && result.object.properties;
            expect(prop(props, 'cmis:objectId') === st.doc, `${p}: cmis:objectId=${JSON.stringify(prop(props, 'cmis:objectId'))}, wanted ${st.doc}`);
            // and the old path is gone
            const old = `/${folderName}/${newName}`;
            await expectFault('objectNotFound', () => call(client, 'ObjectService', 'getObjectByPath', { repositoryId, path: old }));
        });
    } else {
        skip('11c.getObjectParents(moved)', 'getObjectParents', 'moveObject failed');
        skip('11d.getObjectByPath(moved)', 'getObjectByPath', 'moveObject failed');
    }

    // 11e-11g: a change token goes stale once the object changes
    const tokenName = 'doc-token.bin';
    if (st.doc) {
        await run('11e.getProperties(changeToken)', 'getProperties', async () => {
            const { result } = await call(client, 'ObjectService', 'getProperties', { repositoryId, objectId: st.doc });
            const token = prop(result && result.properties, 'cmis:changeToken');
            expect(token, `cmis:changeToken=${JSON.stringify(token)}`);
            st.token = String(token);
        });
    } else {
        skip('11e.getProperties(changeToken)', 'getProperties', 'createDocument failed');
    }

    if (st.token) {
        await run('11f.updateProperties(changeToken)', 'updateProperties', async () => {
            const { result } = await call(client, 'ObjectService', 'updateProperties', {
                repositoryId, objectId: st.doc, changeToken: st.token,
                properties: propsArg({ propertyString: { 'cmis:name': tokenName } }),
            });
            expect(result && result.objectId === st.doc, `objectId ${JSON.stringify(result && result.objectId)}, wanted ${st.doc}`);
            expect(result.changeToken, `no changeToken in the answer: ${JSON.stringify(result)}`);
            expect(String(result.changeToken) !== st.token, `the answer's changeToken is the old one, ${st.token}`);
            st.newToken = String(result.changeToken);
        });
    } else {
        skip('11f.updateProperties(changeToken)', 'updateProperties', 'no cmis:changeToken (11e failed)');
    }

    if (st.newToken) {
        await run('11g.updateProperties(stale changeToken)', 'updateProperties', async () => {
            await expectFault('updateConflict', () => call(client, 'ObjectService', 'updateProperties', {
                repositoryId, objectId: st.doc, changeToken: st.token,
                properties: propsArg({ propertyString: { 'cmis:name': 'doc-stale.bin' } }),
            }));
            const { result } = await call(client, 'ObjectService', 'getProperties', { repositoryId, objectId: st.doc });
            const props = result && result.properties;
            expect(prop(props, 'cmis:name') === tokenName, `the name changed anyway: ${JSON.stringify(prop(props, 'cmis:name'))}, wanted ${tokenName}`);
            expect(String(prop(props, 'cmis:changeToken')) === st.newToken,
                `cmis:changeToken=${JSON.stringify(prop(props, 'cmis:changeToken'))}, wanted ${st.newToken} (11f's answer)`);
        });
    } else {
        skip('11g.updateProperties(stale changeToken)', 'updateProperties', 'updateProperties with the token failed');
    }

    if (st.folder) {
        await run('12.deleteTree', 'deleteTree', async () => {
            const { result } = await call(client, 'ObjectService', 'deleteTree', {
                repositoryId, folderId: st.folder, allVersions: true, unfileObjects: 'delete', continueOnFailure: false,
            });
            const failedIds = asList(result && result.failedToDelete && result.failedToDelete.objectIds);
            expect(failedIds.length === 0, `failedToDelete ${JSON.stringify(failedIds)}`);
            st.deleted = true;
        });
    } else {
        skip('12.deleteTree', 'deleteTree', 'createFolder failed');
    }

    if (st.deleted && st.doc) {
        await run('13.getObject(deleted)', 'getObject', async () => {
            let r;
            try {
                r = await call(client, 'ObjectService', 'getObject', { repositoryId, objectId: st.doc });
            } catch (e) {
                const ft = cmisFaultType(e);
                expect(ft === 'objectNotFound', `${describe(e)}, wanted cmisFault type objectNotFound`);
                return;
            }
            throw new Check(`no fault; got ${JSON.stringify(r.result).slice(0, 200)}`);
        });
    } else {
        skip('13.getObject(deleted)', 'getObject', 'deleteTree or createDocument failed');
    }

    await run('14.wrongPassword', 'getRepositories', async () => {
        // Same client (WSDL already loaded), another UsernameToken.
        client.setSecurity(new soap.WSSecurity(user, `${password}-wrong`, { passwordType: 'PasswordText' }));
        let r;
        try {
            r = await call(client, 'RepositoryService', 'getRepositories', {});
        } catch (e) {
            const ft = cmisFaultType(e);
            if (!ft && e && e.response && e.response.status) {
                throw new Check(`HTTP ${e.response.status} instead of a permissionDenied fault`);
            }
            expect(ft === 'permissionDenied', `${describe(e)}, wanted cmisFault type permissionDenied`);
            return;
        } finally {
            client.setSecurity(new soap.WSSecurity(user, password, { passwordType: 'PasswordText' }));
        }
        throw new Check(`no fault with a wrong password; got ${JSON.stringify(r.result)}`);
    });

    const ms = await moreServices(client, { wsdl, user, password, mode, repositoryId, root: st.root, anyone: st.anyone });

    await changeLog(client, repositoryId, st, ms);

    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
}

/* Steps 15-21: the Versioning, MultiFiling, Relationship, Policy, ACL and Discovery services, in a
 * fresh folder scen-<hex> (and scen-<hex>-2 for multi-filing) that step 21 deletes. `ctx` carries
 * what steps 1-2 found. A second, ordinary user (CMIS_USER2 / CMIS_PASS2 in the environment) has
 * its own client for the ACL steps. */
async function moreServices(client, ctx) {
    const { mode, repositoryId } = ctx;
    const st = {};
    const hex = crypto.randomBytes(4).toString('hex');
    const folderA = `scen-${hex}`;
    const folderB = `scen-${hex}-2`;
    const docName = 'versioned.bin';
    const notesName = 'notes.txt';
    const comment = `checked in by node-soap ${hex}`;
    const v1 = crypto.randomBytes(VERSION_SIZE);
    const v2 = crypto.randomBytes(VERSION_SIZE);
    const mtom = mode === 'mtom' ? { forceMTOM: true } : {};

    /* Runs a step when every [value, why] in needs has a value; otherwise "not run: why". */
    async function step(name, op, needs, fn) {
        for (const [v, why] of needs) {
            if (!v) {
                skip(name, op, why);
                return null;
            }
        }
        return run(name, op, fn);
    }
    async function getObject(c, objectId) {
        const { result } = await call(c, 'ObjectService', 'getObject', { repositoryId, objectId });
        const props = result && result.object && result.object.properties;
        expect(props, `no object properties: ${JSON.stringify(result).slice(0, 300)}`);
        return props;
    }
    async function createFolder(name, folderId) {
        const { result } = await call(client, 'ObjectService', 'createFolder', {
            repositoryId,
            properties: propsArg({
                propertyId: { 'cmis:objectTypeId': 'cmis:folder' },
                propertyString: { 'cmis:name': name },
            }),
            folderId,
        });
        expect(result && result.objectId, `no objectId: ${JSON.stringify(result)}`);
        return result.objectId;
    }
    async function parents(objectId) {
        const { result } = await call(client, 'NavigationService', 'getObjectParents',
            { repositoryId, objectId, includeRelativePathSegment: true });
        return asList(result && result.parents).map((p) => ({
            id: prop(p.object && p.object.properties, 'cmis:objectId'),
            segment: p.relativePathSegment,
        }));
    }
    async function appliedPolicies(objectId) {
        const { result } = await call(client, 'PolicyService', 'getAppliedPolicies', { repositoryId, objectId });
        return asList(result && result.objects).map((o) => prop(o.properties, 'cmis:objectId'));
    }

    // 15 versioning ----------------------------------------------------------------------------
    await step('15a.createFolder', 'createFolder', [[ctx.root, 'no rootFolderId']], async () => {
        st.folderA = await createFolder(folderA, ctx.root);
    });

    await step('15b.createDocument', 'createDocument', [[st.folderA, 'createFolder failed']], async () => {
        const { contentStream, options } = contentArg(mode, v1, docName, 'application/octet-stream');
        const { result } = await call(client, 'ObjectService', 'createDocument', {
            repositoryId,
            properties: propsArg({
                propertyId: { 'cmis:objectTypeId': 'cmis:document' },
                propertyString: { 'cmis:name': docName },
            }),
            folderId: st.folderA,
            contentStream,
            versioningState: 'major',
        }, options);
        expect(result && result.objectId, `no objectId: ${JSON.stringify(result)}`);
        st.v1 = result.objectId;
        const props = await getObject(client, st.v1);
        expect(prop(props, 'cmis:versionLabel') === '1.0', `cmis:versionLabel=${JSON.stringify(prop(props, 'cmis:versionLabel'))}, wanted 1.0`);
        expect(isTrue(prop(props, 'cmis:isLatestVersion')), `cmis:isLatestVersion=${JSON.stringify(prop(props, 'cmis:isLatestVersion'))}`);
        st.series = prop(props, 'cmis:versionSeriesId');
    });

    await step('15c.checkOut', 'checkOut', [[st.v1, 'createDocument failed']], async () => {
        const { result } = await call(client, 'VersioningService', 'checkOut', { repositoryId, objectId: st.v1 });
        expect(result && result.objectId, `no objectId: ${JSON.stringify(result)}`);
        st.pwc = result.objectId;
        expect(st.pwc !== st.v1, `the PWC has the document's id ${st.pwc}`);
        const pwc = await getObject(client, st.pwc);
        expect(isTrue(prop(pwc, 'cmis:isPrivateWorkingCopy')),
            `PWC cmis:isPrivateWorkingCopy=${JSON.stringify(prop(pwc, 'cmis:isPrivateWorkingCopy'))}`);
        const doc = await getObject(client, st.v1);
        expect(isTrue(prop(doc, 'cmis:isVersionSeriesCheckedOut')),
            `document cmis:isVersionSeriesCheckedOut=${JSON.stringify(prop(doc, 'cmis:isVersionSeriesCheckedOut'))}`);
        expect(prop(doc, 'cmis:versionSeriesCheckedOutId') === st.pwc,
            `cmis:versionSeriesCheckedOutId=${JSON.stringify(prop(doc, 'cmis:versionSeriesCheckedOutId'))}, wanted ${st.pwc}`);
        expect(prop(doc, 'cmis:versionSeriesCheckedOutBy') === ctx.user,
            `cmis:versionSeriesCheckedOutBy=${JSON.stringify(prop(doc, 'cmis:versionSeriesCheckedOutBy'))}, wanted ${ctx.user}`);
    });

    await step('15d.checkIn', 'checkIn', [[st.pwc, 'checkOut failed']], async () => {
        const { contentStream, options } = contentArg(mode, v2, docName, 'application/octet-stream');
        const { result } = await call(client, 'VersioningService', 'checkIn', {
            repositoryId, objectId: st.pwc, major: true, contentStream, checkinComment: comment,
        }, options);
        expect(result && result.objectId, `no objectId: ${JSON.stringify(result)}`);
        st.v2 = result.objectId;
        if (mode === 'mtom') {
            const sent = String(client.lastRequest || '');
            note(`checkIn envelope: ${sent.includes('xop:Include') ? 'xop:Include in the root part' : 'no xop:Include'}, ${sent.length} characters (the content is the attachment)`);
        }
    });

    await step('15e.getAllVersions', 'getAllVersions', [[st.v2, 'checkIn failed']], async () => {
        const { result } = await call(client, 'VersioningService', 'getAllVersions', { repositoryId, objectId: st.v1 });
        const versions = asList(result && result.objects).map((o) => ({
            id: prop(o.properties, 'cmis:objectId'),
            label: prop(o.properties, 'cmis:versionLabel'),
            latest: prop(o.properties, 'cmis:isLatestVersion'),
        }));
        const seen = JSON.stringify(versions);
        expect(versions.length === 2, `${versions.length} versions, wanted 2: ${seen}`);
        expect(versions[0].label === '2.0' && versions[1].label === '1.0', `labels not 2.0, 1.0 (newest first): ${seen}`);
        expect(versions[0].id === st.v2 && versions[1].id === st.v1, `ids not [${st.v2}, ${st.v1}]: ${seen}`);
        expect(isTrue(versions[0].latest) && isFalse(versions[1].latest), `cmis:isLatestVersion not [true, false]: ${seen}`);
    });

    await step('15f.getObjectOfLatestVersion', 'getObjectOfLatestVersion', [[st.v2, 'checkIn failed']], async () => {
        const { result } = await call(client, 'VersioningService', 'getObjectOfLatestVersion',
            { repositoryId, objectId: st.v1, major: false });
        const props = result && result.object && result.object.properties;
        expect(props, `no object: ${JSON.stringify(result).slice(0, 300)}`);
        const got = (id) => JSON.stringify(prop(props, id));
        expect(prop(props, 'cmis:objectId') === st.v2, `cmis:objectId=${got('cmis:objectId')}, wanted ${st.v2}`);
        expect(prop(props, 'cmis:versionLabel') === '2.0', `cmis:versionLabel=${got('cmis:versionLabel')}`);
        expect(prop(props, 'cmis:checkinComment') === comment, `cmis:checkinComment=${got('cmis:checkinComment')}, wanted ${JSON.stringify(comment)}`);
        expect(isTrue(prop(props, 'cmis:isMajorVersion')), `cmis:isMajorVersion=${got('cmis:isMajorVersion')}`);
        // false, not absent: a property element without <value> says "not set".
        expect(isFalse(prop(props, 'cmis:isVersionSeriesCheckedOut')), `cmis:isVersionSeriesCheckedOut=${got('cmis:isVersionSeriesCheckedOut')}, wanted false`);
        expect(isFalse(prop(props, 'cmis:isPrivateWorkingCopy')), `cmis:isPrivateWorkingCopy=${got('cmis:isPrivateWorkingCopy')}, wanted false`);
        expect(Number(prop(props, 'cmis:contentStreamLength')) === VERSION_SIZE, `cmis:contentStreamLength=${got('cmis:contentStreamLength')}`);
    });

    await step('15g.getContentStream(latest)', 'getContentStream', [[st.v2, 'checkIn failed']], async () => {
        const { result, attachments } = await call(client, 'ObjectService', 'getContentStream',
            { repositoryId, objectId: st.v2 }, mtom);
        const bytes = contentBytes(result, attachments, 'getContentStream(latest)');
        const got = sha256(bytes);
        const want = sha256(v2);
        expect(got === want, `content differs: ${bytes.length} bytes sha256 ${got}, checked in ${v2.length} bytes sha256 ${want}`
            + (got === sha256(v1) ? ' (that is version 1.0)' : ''));
    });

    // 16 multi-filing ---------------------------------------------------------------------------
    await step('16a.createFolder', 'createFolder', [[ctx.root, 'no rootFolderId']], async () => {
        st.folderB = await createFolder(folderB, ctx.root);
    });

    await step('16b.addObjectToFolder', 'addObjectToFolder',
        [[st.v2, 'no latest version (an earlier step failed)'], [st.folderB, 'createFolder failed']], async () => {
            await call(client, 'MultiFilingService', 'addObjectToFolder',
                { repositoryId, objectId: st.v2, folderId: st.folderB, allVersions: true });
            st.multiFiled = true;
        });

    await step('16c.getObjectParents(two)', 'getObjectParents', [[st.multiFiled, 'addObjectToFolder failed']], async () => {
        const ps = await parents(st.v2);
        const ids = ps.map((p) => p.id).sort();
        const want = [st.folderA, st.folderB].sort();
        expect(JSON.stringify(ids) === JSON.stringify(want), `parents ${JSON.stringify(ps)}, wanted ${JSON.stringify(want)}`);
        expect(ps.every((p) => p.segment === docName), `relativePathSegment not ${docName}: ${JSON.stringify(ps)}`);
    });

    await step('16d.removeObjectFromFolder', 'removeObjectFromFolder', [[st.multiFiled, 'addObjectToFolder failed']], async () => {
        await call(client, 'MultiFilingService', 'removeObjectFromFolder',
            { repositoryId, objectId: st.v2, folderId: st.folderB });
        st.unfiled = true;
    });

    await step('16e.getObjectParents(one)', 'getObjectParents', [[st.unfiled, 'removeObjectFromFolder failed']], async () => {
        const ps = await parents(st.v2);
        expect(ps.length === 1 && ps[0].id === st.folderA, `parents ${JSON.stringify(ps)}, wanted only ${st.folderA}`);
    });

    // 17 relationship ---------------------------------------------------------------------------
    await step('17a.createDocument', 'createDocument', [[st.folderA, 'createFolder failed']], async () => {
        const { contentStream, options } = contentArg(mode, Buffer.from(`notes ${hex}\n`), notesName, 'text/plain');
        const { result } = await call(client, 'ObjectService', 'createDocument', {
            repositoryId,
            properties: propsArg({
                propertyId: { 'cmis:objectTypeId': 'cmis:document' },
                propertyString: { 'cmis:name': notesName },
            }),
            folderId: st.folderA,
            contentStream,
        }, options);
        expect(result && result.objectId, `no objectId: ${JSON.stringify(result)}`);
        st.notes = result.objectId;
    });

    await step('17b.createRelationship', 'createRelationship',
        [[st.v2, 'no latest version (an earlier step failed)'], [st.notes, 'createDocument failed']], async () => {
            const { result } = await call(client, 'ObjectService', 'createRelationship', {
                repositoryId,
                properties: propsArg({
                    propertyId: { 'cmis:objectTypeId': 'cmis:relationship', 'cmis:sourceId': st.v2, 'cmis:targetId': st.notes },
                    propertyString: { 'cmis:name': `rel-${hex}` },
                }),
            });
            expect(result && result.objectId, `no objectId: ${JSON.stringify(result)}`);
            st.rel = result.objectId;
        });

    for (const [name, objectId, direction] of [['17c.getObjectRelationships(source)', st.v2, 'source'],
        ['17d.getObjectRelationships(target)', st.notes, 'target']]) {
        await step(name, 'getObjectRelationships', [[st.rel, 'createRelationship failed']], async () => {
            const { result } = await call(client, 'RelationshipService', 'getObjectRelationships',
                { repositoryId, objectId, includeSubRelationshipTypes: false, relationshipDirection: direction });
            const list = result && result.objects;
            expect(list, `no objects element: ${JSON.stringify(result)}`);
            const rels = asList(list.objects).map((o) => ({
                id: prop(o.properties, 'cmis:objectId'),
                source: prop(o.properties, 'cmis:sourceId'),
                target: prop(o.properties, 'cmis:targetId'),
            }));
            const seen = JSON.stringify(rels);
            expect(rels.length === 1 && rels[0].id === st.rel, `relationships ${seen}, wanted exactly ${st.rel}`);
            expect(rels[0].source === st.v2 && rels[0].target === st.notes, `ends ${seen}, wanted ${st.v2} -> ${st.notes}`);
            expect(Number(list.numItems) === 1, `numItems=${JSON.stringify(list.numItems)}`);
            expect(!isTrue(list.hasMoreItems), `hasMoreItems=${JSON.stringify(list.hasMoreItems)}`);
        });
    }

    // 18 policy ---------------------------------------------------------------------------------
    await step('18a.createPolicy', 'createPolicy', [[st.folderA, 'createFolder failed']], async () => {
        const { result } = await call(client, 'ObjectService', 'createPolicy', {
            repositoryId,
            properties: propsArg({
                propertyId: { 'cmis:objectTypeId': 'cmis:policy' },
                propertyString: { 'cmis:name': `policy-${hex}`, 'cmis:policyText': 'keep for the scenario' },
            }),
            folderId: st.folderA,
        });
        expect(result && result.objectId, `no objectId: ${JSON.stringify(result)}`);
        st.policy = result.objectId;
    });

    await step('18b.applyPolicy', 'applyPolicy',
        [[st.policy, 'createPolicy failed'], [st.v2, 'no latest version (an earlier step failed)']], async () => {
            await call(client, 'PolicyService', 'applyPolicy', { repositoryId, policyId: st.policy, objectId: st.v2 });
            st.applied = true;
        });

    await step('18c.getAppliedPolicies', 'getAppliedPolicies', [[st.applied, 'applyPolicy failed']], async () => {
        const ids = await appliedPolicies(st.v2);
        expect(ids.length === 1 && ids[0] === st.policy, `applied policies ${JSON.stringify(ids)}, wanted [${st.policy}]`);
    });

    await step('18d.removePolicy', 'removePolicy', [[st.applied, 'applyPolicy failed']], async () => {
        await call(client, 'PolicyService', 'removePolicy', { repositoryId, policyId: st.policy, objectId: st.v2 });
        st.applied = false;
        st.policyRemoved = true;
    });

    await step('18e.getAppliedPolicies(none)', 'getAppliedPolicies', [[st.policyRemoved, 'removePolicy failed']], async () => {
        const ids = await appliedPolicies(st.v2);
        expect(ids.length === 0, `applied policies ${JSON.stringify(ids)}, wanted none`);
    });

    // 19 ACL, with the second user -----------------------------------------------------------------
    const user2 = process.env.CMIS_USER2;
    const pass2 = process.env.CMIS_PASS2;
    const anyone = ctx.anyone || 'cmis:anyone';
    if (!ctx.anyone) note(`repositoryInfo has no principalAnyone; using ${anyone}`);
    let client2 = null;
    if (user2 && pass2) {
        try {
            client2 = await soap.createClientAsync(ctx.wsdl, { parseResponseAttachments: true });
            client2.setSecurity(new soap.WSSecurity(user2, pass2, { passwordType: 'PasswordText' }));
        } catch (e) {
            note(`second client: ${describe(e)}`);
        }
    }
    const needUser2 = [user2 && pass2, 'CMIS_USER2 / CMIS_PASS2 not set'];
    const needClient2 = [client2, 'no client for the second user (loading the WSDL failed)'];

    await step('19a.getACL', 'getACL', [[st.notes, 'createDocument failed']], async () => {
        const { result } = await call(client, 'ACLService', 'getACL', { repositoryId, objectId: st.notes, onlyBasicPermissions: true });
        const aces = aclEntries(result && result.ACL);
        const inherited = aces.find(([p, perm]) => p === anyone && perm === 'cmis:read');
        expect(inherited, `no ${anyone} cmis:read ACE: ${JSON.stringify(aces)}`);
        expect(!inherited[2], `the ${anyone} cmis:read ACE is direct, wanted inherited: ${JSON.stringify(aces)}`);
    });

    await step('19b.applyACL(remove anyone)', 'applyACL', [[st.notes, 'createDocument failed']], async () => {
        const { result } = await call(client, 'ACLService', 'applyACL', {
            repositoryId, objectId: st.notes, removeACEs: acesArg([[anyone, 'cmis:read']]), ACLPropagation: 'objectonly',
        });
        const aces = aclEntries(result && result.ACL);
        expect(aces.length > 0, `empty ACL in the answer: ${JSON.stringify(result).slice(0, 300)}`);
        expect(!aces.some(([p]) => p === anyone), `${anyone} still in the ACL: ${JSON.stringify(aces)}`);
        st.aclRemoved = true;
    });

    await step('19c.getObject(user2, denied)', 'getObject', [needUser2, needClient2, [st.aclRemoved, 'applyACL failed']], async () => {
        await expectFault('permissionDenied', () => call(client2, 'ObjectService', 'getObject', { repositoryId, objectId: st.notes }));
    });

    await step('19d.applyACL(add user2)', 'applyACL', [needUser2, [st.aclRemoved, 'applyACL failed']], async () => {
        const { result } = await call(client, 'ACLService', 'applyACL', {
            repositoryId, objectId: st.notes, addACEs: acesArg([[user2, 'cmis:read']]), ACLPropagation: 'objectonly',
        });
        const aces = aclEntries(result && result.ACL);
        expect(aces.some(([p, perm, direct]) => p === user2 && perm === 'cmis:read' && direct),
            `no direct ${user2} cmis:read ACE: ${JSON.stringify(aces)}`);
        st.aclGranted = true;
    });

    await step('19e.getObject(user2)', 'getObject', [needUser2, needClient2, [st.aclGranted, 'applyACL failed']], async () => {
        const props = await getObject(client2, st.notes);
        expect(prop(props, 'cmis:objectId') === st.notes, `cmis:objectId=${JSON.stringify(prop(props, 'cmis:objectId'))}`);
        expect(prop(props, 'cmis:name') === notesName, `cmis:name=${JSON.stringify(prop(props, 'cmis:name'))}`);
    });

    await step('19f.updateProperties(user2, denied)', 'updateProperties', [needUser2, needClient2, [st.aclGranted, 'applyACL failed']], async () => {
        await expectFault('permissionDenied', () => call(client2, 'ObjectService', 'updateProperties', {
            repositoryId, objectId: st.notes, properties: propsArg({ propertyString: { 'cmis:name': 'stolen.txt' } }),
        }));
        const props = await getObject(client, st.notes);
        expect(prop(props, 'cmis:name') === notesName, `the name changed anyway: ${JSON.stringify(prop(props, 'cmis:name'))}`);
    });

    // 20 query ------------------------------------------------------------------------------------
    await step('20.query', 'query',
        [[st.folderA, 'createFolder failed'], [st.v2, 'no latest version (an earlier step failed)'], [st.notes, 'createDocument failed']], async () => {
            const statement = `SELECT cmis:objectId, cmis:name FROM cmis:document WHERE IN_FOLDER('${st.folderA}') ORDER BY cmis:name`;
            const { result } = await call(client, 'DiscoveryService', 'query',
                { repositoryId, statement, searchAllVersions: false, includeAllowableActions: false, maxItems: 100 });
            const list = result && result.objects;
            expect(list, `no objects element: ${JSON.stringify(result)}`);
            const rows = asList(list.objects).map((o) => [prop(o.properties, 'cmis:name'), prop(o.properties, 'cmis:objectId')]);
            const want = [[notesName, st.notes], [docName, st.v2]];
            expect(JSON.stringify(rows) === JSON.stringify(want), `rows ${JSON.stringify(rows)}, wanted ${JSON.stringify(want)}`);
            expect(Number(list.numItems) === 2, `numItems=${JSON.stringify(list.numItems)}, wanted 2`);
            expect(!isTrue(list.hasMoreItems), `hasMoreItems=${JSON.stringify(list.hasMoreItems)}`);
        });

    // Seven folders queried three at a time from a server that counts at most five (--max-count 5):
    // numItems is left out until the last page, hasMoreItems is always there.
    await step('20b.query(paging,numItems past the server count)', 'query', [[st.folderA, 'createFolder failed']], async () => {
        const paging = await createFolder('paging', st.folderA);
        const want = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
        for (const n of want) await createFolder(n, paging);
        const statement = `SELECT cmis:name FROM cmis:folder WHERE IN_FOLDER('${paging}') ORDER BY cmis:name`;
        const got = [];
        for (const [skipCount, more, num] of [[0, true, undefined], [3, true, undefined], [6, false, 7]]) {
            const { result } = await call(client, 'DiscoveryService', 'query',
                { repositoryId, statement, searchAllVersions: false, maxItems: 3, skipCount });
            const list = result && result.objects;
            expect(list, `no objects element: ${JSON.stringify(result)}`);
            got.push(...asList(list.objects).map((o) => prop(o.properties, 'cmis:name')));
            const n = list.numItems === undefined || list.numItems === null ? undefined : Number(list.numItems);
            expect(n === num, `skip ${skipCount}: numItems=${JSON.stringify(list.numItems)}, wanted ${JSON.stringify(num)}`);
            expect(isTrue(list.hasMoreItems) === more, `skip ${skipCount}: hasMoreItems=${JSON.stringify(list.hasMoreItems)}`);
        }
        expect(JSON.stringify(got) === JSON.stringify(want), `rows ${JSON.stringify(got)}, wanted ${JSON.stringify(want)}`);
    });

    // 21 delete -----------------------------------------------------------------------------------
    const deleted = {};
    for (const [name, key] of [['21a.deleteTree', 'folderA'], ['21b.deleteTree(second)', 'folderB']]) {
        await step(name, 'deleteTree', [[st[key], 'createFolder failed']], async () => {
            const { result } = await call(client, 'ObjectService', 'deleteTree', {
                repositoryId, folderId: st[key], allVersions: true, unfileObjects: 'delete', continueOnFailure: false,
            });
            const failedIds = asList(result && result.failedToDelete && result.failedToDelete.objectIds);
            expect(failedIds.length === 0, `failedToDelete ${JSON.stringify(failedIds)}`);
            deleted[key] = true;
        });
    }

    await step('21c.getObject(deleted)', 'getObject',
        [[deleted.folderA, 'deleteTree failed'], [st.v2 || st.v1, 'createDocument failed']], async () => {
            for (const id of [st.v2, st.v1].filter(Boolean)) {
                await expectFault('objectNotFound', () => call(client, 'ObjectService', 'getObject', { repositoryId, objectId: id }));
            }
        });

    // Leave nothing behind. If a deleteTree failed, an applied policy may be why (a policy that is
    // applied cannot be deleted): remove it, then delete what is left with continueOnFailure.
    const leftover = ['folderA', 'folderB'].some((key) => st[key] && !deleted[key]);
    if (leftover && st.applied) {
        try {
            await call(client, 'PolicyService', 'removePolicy', { repositoryId, policyId: st.policy, objectId: st.v2 });
            note('cleanup: removed the applied policy');
        } catch (e) {
            note(`cleanup: removePolicy ${describe(e)}`);
        }
    }
    for (const key of ['folderA', 'folderB']) {
        if (!st[key] || deleted[key]) continue;
        try {
            const { result } = await call(client, 'ObjectService', 'deleteTree', {
                repositoryId, folderId: st[key], allVersions: true, unfileObjects: 'delete', continueOnFailure: true,
            });
            const left = asList(result && result.failedToDelete && result.failedToDelete.objectIds);
            note(`cleanup: deleteTree(continueOnFailure) ${st[key]}: failedToDelete ${JSON.stringify(left)}`);
        } catch (e) {
            note(`cleanup: deleteTree ${st[key]}: ${describe(e)}`);
        }
    }
    return st;
}

/* [[objectId, changeType, changeTime], ...] of a getContentChanges answer, in log order; every event
 * must carry all three. */
function changeEvents(result) {
    const list = result && result.objects;
    expect(list, `no objects element: ${JSON.stringify(result).slice(0, 300)}`);
    return asList(list.objects).map((o) => {
        const id = prop(o.properties, 'cmis:objectId');
        const ev = o.changeEventInfo;
        expect(id, `an event without cmis:objectId: ${JSON.stringify(o).slice(0, 300)}`);
        expect(ev, `the event of ${id} has no changeEventInfo`);
        expect(['created', 'updated', 'deleted', 'security'].includes(ev.changeType), `changeType ${JSON.stringify(ev.changeType)} of ${id}`);
        expect(ev.changeTime !== undefined && ev.changeTime !== null && String(ev.changeTime) !== '',
            `the ${ev.changeType} event of ${id} has no changeTime`);
        const t = ev.changeTime instanceof Date ? ev.changeTime.toISOString() : String(ev.changeTime);
        return [id, ev.changeType, t];
    });
}

/* Steps 22b-22c: the change log (Discovery service, getContentChanges) from the token step 22a read
 * before the object steps (inclusive): 22b in one page, looking for the events steps 6-21 must have
 * left; 22c two events at a time, each page from the changeLogToken the one before answered. `st`
 * is what steps 1-14 found, `ms` what steps 15-21 found. */
async function changeLog(client, repositoryId, st, ms) {
    const cl = {};
    async function step(name, needs, fn) {
        for (const [v, why] of needs) {
            if (!v) {
                skip(name, 'getContentChanges', why);
                return null;
            }
        }
        return run(name, 'getContentChanges', fn);
    }
    const changes = (changeLogToken, maxItems) => call(client, 'DiscoveryService', 'getContentChanges',
        { repositoryId, changeLogToken, includeProperties: false, maxItems });

    await step('22b.getContentChanges', [[st.changeLogToken, 'no latestChangeLogToken (22a failed)'],
        [st.folder, 'createFolder failed'], [st.renamed, 'updateProperties failed'], [st.deleted, 'deleteTree failed'],
        [ms && ms.aclRemoved, 'applyACL failed']], async () => {
        const { result } = await changes(st.changeLogToken, CHANGES_MAX_ITEMS);
        const evs = changeEvents(result);
        expect(!isTrue(result.objects.hasMoreItems), `hasMoreItems=${JSON.stringify(result.objects.hasMoreItems)} with maxItems ${CHANGES_MAX_ITEMS}`);
        expect(result.changeLogToken, `no changeLogToken in the answer (${evs.length} events)`);
        const want = [[st.folder, 'created', 'the folder of step 6'], [st.doc, 'updated', 'the document renamed in step 10'],
            [ms.notes, 'security', 'the ACL change of step 19b'], [st.doc, 'deleted', 'the document deleteTree removed in step 12']];
        const at = (id, type) => evs.findIndex(([i, t]) => i === id && t === type);
        const missing = want.filter(([id, type]) => at(id, type) < 0).map(([id, type, what]) => `${type} ${id} (${what})`);
        expect(missing.length === 0, `${evs.length} events from token ${st.changeLogToken} lack: ${missing.join('; ')}`);
        expect(at(st.folder, 'created') < at(st.doc, 'deleted'), 'the deletion of the document comes before the creation of its folder');
        const counts = {};
        for (const [, t] of evs) counts[t] = (counts[t] || 0) + 1;
        note(`getContentChanges from ${st.changeLogToken}: ${evs.length} events ${JSON.stringify(counts)}, resume at ${result.changeLogToken}`);
        cl.events = evs;
        cl.next = String(result.changeLogToken);
    });

    await step('22c.getContentChanges(maxItems=2)', [[cl.events, 'no events (22b failed)']], async () => {
        const got = [];
        let token = st.changeLogToken;
        let pages = 0;
        for (;;) {
            const { result } = await changes(token, 2);
            const page = changeEvents(result);
            pages++;
            expect(page.length <= 2, `page ${pages}: ${page.length} events for maxItems 2`);
            expect(result.changeLogToken, `page ${pages}: no changeLogToken`);
            got.push(...page);
            token = String(result.changeLogToken);
            if (!isTrue(result.objects.hasMoreItems)) break;
            expect(page.length > 0, `page ${pages} is empty but hasMoreItems is true`);
            expect(pages < 1000, 'still more after 1000 pages');
        }
        const key = (e) => e.join(' ');
        if (got.map(key).join('|') !== cl.events.map(key).join('|')) {
            let i = 0;
            while (i < got.length && i < cl.events.length && key(got[i]) === key(cl.events[i])) i++;
            throw new Check(`${pages} pages: ${got.length} events, one page: ${cl.events.length}; first difference at event ${i}: `
                + `${got[i] ? key(got[i]) : null} vs ${cl.events[i] ? key(cl.events[i]) : null}`);
        }
        expect(token === cl.next, `the last page answers token ${token}, the single page ${cl.next}`);
        note(`${pages} pages of at most 2 events give the same ${got.length} events`);
    });
}

main().catch((e) => {
    process.stderr.write(`${(e && e.stack) || e}\n`);
    console.log(`FAIL ${FW} main: ${describe(e)}`);
    console.log(`${passed} passed, ${failed + 1} failed`);
    process.exit(1);
});
