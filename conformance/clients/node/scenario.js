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
 *   mtom    createDocument goes out as an MTOM/XOP package: the content is a soap `attachments`
 *           entry (forceMTOM) and <cmism:stream> holds an <xop:Include href="cid:..."/> written
 *           through node-soap's raw-XML key ($xml). getContentStream is sent with forceMTOM too,
 *           so the server answers MTOM and the content arrives as an attachment, which
 *           parseResponseAttachments hands back and the xop:Include href is resolved against
 *           (node-soap takes the FIRST MIME part as the envelope and ignores start=).
 *           Every other request is text/xml (node-soap sends MTOM only when asked per call).
 *   inline  every request is text/xml; the content travels as base64 text inside <cmism:stream>
 *           in both directions.
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
const CONTENT_SIZE = 3 * 1024 * 1024;

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
            const args = {
                repositoryId,
                properties: propsArg({
                    propertyId: { 'cmis:objectTypeId': 'cmis:document' },
                    propertyString: { 'cmis:name': 'doc.bin' },
                }),
                folderId: st.folder,
                contentStream: {
                    length: CONTENT_SIZE,
                    mimeType: 'application/octet-stream',
                    filename: 'doc.bin',
                    stream: null,
                },
            };
            const options = {};
            if (mode === 'mtom') {
                const cid = `${crypto.randomUUID()}@node-soap`;
                // node-soap writes whatever $xml holds verbatim as the element's content.
                args.contentStream.stream = { $xml: `<xop:Include xmlns:xop="${XOP}" href="cid:${cid}"/>` };
                options.forceMTOM = true;
                options.attachments = [{ mimetype: 'application/octet-stream', contentId: cid, name: 'doc.bin', body: content }];
            } else {
                args.contentStream.stream = content.toString('base64');
            }
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
            const cs = result && result.contentStream;
            expect(cs, `no contentStream: ${JSON.stringify(result).slice(0, 300)}`);
            let bytes;
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
                bytes = part.body;
                note(`getContentStream: content arrived as an XOP attachment (${parts.length} attachment part(s))`);
            } else {
                expect(typeof stream === 'string', `stream missing: ${JSON.stringify(cs).slice(0, 300)}`);
                bytes = Buffer.from(stream, 'base64');
                note(`getContentStream: content arrived inline as base64 (${parts.length} attachment part(s))`);
            }
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

    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed ? 1 : 0);
}

main().catch((e) => {
    process.stderr.write(`${(e && e.stack) || e}\n`);
    console.log(`FAIL ${FW} main: ${describe(e)}`);
    console.log(`${passed} passed, ${failed + 1} failed`);
    process.exit(1);
});
