#!/bin/sh
# CMIS 1.1 scenario (Repository steps 1-10 in Scenario.java, Object + Navigation steps 11-21 in
# ObjectNavigation.java, Versioning/MultiFiling/Relationship/Policy/ACL/Discovery steps 22-29 in
# MoreServices.java, change log steps 30a-30c in ChangeLog.java) on JAX-WS RI (Debian packages: jaxws, libjaxws-java, openjdk-17-jdk-headless).
#
#   conformance/clients/jaxws/run.sh http://127.0.0.1:18080 admin PASSWORD
#
# 1. wsimport -keep -Xnocompile generates the client from the LIVE <base>/services/RepositoryService?wsdl
#    (wsimport follows the xsd:import schemaLocations itself; no binding customisation is needed for
#    the CMIS 1.1 WSDL with wsimport 2.3.0.2). If the server wants credentials for the WSDL (HTTP
#    401), the generation is retried with -Xauthfile (HTTP Basic).
# 2. javac compiles the generated sources and Scenario.java against Debian's JAX-WS jars:
#    /usr/share/java/jaxws-rt.jar names every other jar it needs in its manifest Class-Path.
# 3. java runs the scenario (MTOMFeature on, UsernameToken added by a SOAPHandler).
# Build output: conformance/clients/jaxws/build/ (gitignored).
set -eu
if [ $# -ne 3 ]; then
    echo "usage: $0 BASE_URL USER PASSWORD" >&2
    exit 2
fi
BASE=${1%/}
USER_NAME=$2
PASSWORD=$3
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$HERE/build
WSDL="$BASE/services/RepositoryService?wsdl"
CP=/usr/share/java/jaxws-rt.jar

rm -rf "$BUILD"
mkdir -p "$BUILD/src" "$BUILD/classes"

# wsimport prints "parsing WSDL... Generating code..." on success; keep its log for diagnosis.
if ! wsimport -keep -Xnocompile -extension -s "$BUILD/src" -d "$BUILD/classes" "$WSDL" \
        > "$BUILD/wsimport.log" 2>&1; then
    if grep -q '401' "$BUILD/wsimport.log"; then
        # The WSDL should be public (SPEC-DIGEST 1.4); if not, give wsimport HTTP Basic credentials.
        # -Xauthfile lines read http://user:password@host:port/path?wsdl with user and password raw:
        # istack's DefaultAuthenticator takes the text up to the LAST '@', URL-encodes it itself
        # and splits user from password at the first ':'.
        echo "note: GET $WSDL answered 401; wsimport retries with -Xauthfile (HTTP Basic)" >&2
        printf '%s\n' "$WSDL" | awk -v u="$USER_NAME" -v p="$PASSWORD" \
            '{ i = index($0, "://"); print substr($0, 1, i + 2) u ":" p "@" substr($0, i + 3) }' > "$BUILD/authfile"
        rm -rf "$BUILD/src" "$BUILD/classes"
        mkdir -p "$BUILD/src" "$BUILD/classes"
        wsimport -keep -Xnocompile -extension -Xauthfile "$BUILD/authfile" -s "$BUILD/src" -d "$BUILD/classes" "$WSDL" \
            > "$BUILD/wsimport.log" 2>&1 || true
    fi
    if ! grep -q 'Generating code' "$BUILD/wsimport.log" || [ ! -d "$BUILD/src/org" ]; then
        cat "$BUILD/wsimport.log" >&2
        echo "FAIL jaxws 0.wsimport: wsimport $WSDL failed (see above)"
        echo "0 passed, 1 failed"
        exit 1
    fi
fi
find "$BUILD/src" -name '*.java' > "$BUILD/sources.txt"
echo "$HERE/Scenario.java" >> "$BUILD/sources.txt"
echo "$HERE/ObjectNavigation.java" >> "$BUILD/sources.txt"
echo "$HERE/MoreServices.java" >> "$BUILD/sources.txt"
echo "$HERE/ChangeLog.java" >> "$BUILD/sources.txt"
javac -nowarn -encoding UTF-8 -cp "$CP" -d "$BUILD/classes" @"$BUILD/sources.txt"

exec java -Djavax.xml.soap.SAAJMetaFactory=com.sun.xml.messaging.saaj.soap.SAAJMetaFactoryImpl -cp "$BUILD/classes:$CP" Scenario "$BASE" "$USER_NAME" "$PASSWORD"
