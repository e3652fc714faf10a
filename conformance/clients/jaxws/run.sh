#!/bin/sh
# CMIS 1.1 scenario (Repository steps 1-10 in Scenario.java, Object + Navigation steps 11-21 in
# ObjectNavigation.java, Versioning/MultiFiling/Relationship/Policy/ACL/Discovery steps 22-29 in
# MoreServices.java, change log steps 30a-30c in ChangeLog.java; shared pieces in Steps.java) on
# JAX-WS RI (Debian packages: jaxws, libjaxws-java, openjdk-17-jdk-headless); with 1.0, the CMIS 1.0
# scenario (Repository steps in Scenario10.java, the rest the same) against the 1.0 face.
#
#   conformance/clients/jaxws/run.sh http://127.0.0.1:18080 admin PASSWORD [1.1|1.0]
#
# 1. wsimport -keep -Xnocompile generates the client from the LIVE <base>/services/RepositoryService?wsdl
#    (<base>/services10/RepositoryService?wsdl for 1.0)
#    (wsimport follows the xsd:import schemaLocations itself; no binding customisation is needed for
#    the CMIS 1.1 WSDL with wsimport 2.3.0.2). If the server wants credentials for the WSDL (HTTP
#    401), the generation is retried with -Xauthfile (HTTP Basic).
# 2. javac compiles the generated sources and Scenario.java against Debian's JAX-WS jars:
#    /usr/share/java/jaxws-rt.jar names every other jar it needs in its manifest Class-Path.
# 3. java runs the scenario (MTOMFeature on, UsernameToken added by a SOAPHandler).
# Build output: conformance/clients/jaxws/build/jaxws/ or build/jaxws10/ (gitignored).
set -eu
if [ $# -lt 3 ] || [ $# -gt 4 ]; then
    echo "usage: $0 BASE_URL USER PASSWORD [1.1|1.0]" >&2
    exit 2
fi
BASE=${1%/}
USER_NAME=$2
PASSWORD=$3
case ${4:-1.1} in
    1.1) FACE=services MAIN=Scenario FW=jaxws ;;
    1.0) FACE=services10 MAIN=Scenario10 FW=jaxws10 ;;
    *) echo "version must be 1.1 or 1.0" >&2; exit 2 ;;
esac
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$HERE/build/$FW
WSDL="$BASE/$FACE/RepositoryService?wsdl"
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
        echo "FAIL $FW 0.wsimport: wsimport $WSDL failed (see above)"
        echo "0 passed, 1 failed"
        exit 1
    fi
fi
find "$BUILD/src" -name '*.java' > "$BUILD/sources.txt"
echo "$HERE/$MAIN.java" >> "$BUILD/sources.txt"
echo "$HERE/Steps.java" >> "$BUILD/sources.txt"
echo "$HERE/ObjectNavigation.java" >> "$BUILD/sources.txt"
echo "$HERE/MoreServices.java" >> "$BUILD/sources.txt"
echo "$HERE/ChangeLog.java" >> "$BUILD/sources.txt"
javac -nowarn -encoding UTF-8 -cp "$CP" -d "$BUILD/classes" @"$BUILD/sources.txt"

exec java -Djavax.xml.soap.SAAJMetaFactory=com.sun.xml.messaging.saaj.soap.SAAJMetaFactoryImpl -cp "$BUILD/classes:$CP" "$MAIN" "$BASE" "$USER_NAME" "$PASSWORD"
