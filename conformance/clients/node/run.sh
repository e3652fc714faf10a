#!/bin/sh
# CMIS 1.1 object scenario on node-soap (npm package `soap`, exact version pinned in package.json,
# tree locked in package-lock.json). Needs Node >= 20.19 and npm (Debian: nodejs, npm).
#
#   conformance/clients/node/run.sh http://127.0.0.1:18080 admin PASSWORD mtom|inline
#
# mtom    createDocument (and getContentStream) go out as MTOM/XOP packages, the content as an
#         attachment; every other request is text/xml.
# inline  every request is text/xml, the content base64 inside <cmism:stream>.
#
# `npm ci` installs the locked tree into node_modules/ (gitignored) when it is missing or older
# than package-lock.json; its log goes to build/npm-ci.log (gitignored). The client itself is built
# at run time from the live <base>/services/RepositoryService?wsdl (see scenario.js).
set -eu
if [ $# -ne 4 ] || { [ "$4" != mtom ] && [ "$4" != inline ]; }; then
    echo "usage: $0 BASE_URL USER PASSWORD mtom|inline" >&2
    exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$HERE/build"
if [ ! -f "$HERE/node_modules/.package-lock.json" ] || [ ! -d "$HERE/node_modules/soap" ] \
        || [ "$HERE/package-lock.json" -nt "$HERE/node_modules/.package-lock.json" ]; then
    if ! (cd "$HERE" && npm ci --no-audit --no-fund) > "$HERE/build/npm-ci.log" 2>&1; then
        cat "$HERE/build/npm-ci.log" >&2
        echo "FAIL node-$4 0.npmci: npm ci failed (see above)"
        echo "0 passed, 1 failed"
        exit 1
    fi
fi
exec node "$HERE/scenario.js" "$@"
