#!/bin/sh
# CMIS 1.1 scenario (Repository steps 1-10 in Scenario.cs, Object + Navigation steps 11-21 in
# ObjectNavigation.cs, Versioning/MultiFiling/Relationship/Policy/ACL/Discovery steps 22-29 in
# MoreServices.cs, change log steps 30a-30c in ChangeLog.cs, shared pieces in Steps.cs) on WCF
# (System.ServiceModel) on Mono 6.8 (Debian package mono-complete, which brings svcutil, disco, xsd,
# mcs and mono; /usr/bin/python3 for fixup.py); with 1.0, the CMIS 1.0 scenario (Repository steps in
# Scenario10.cs, the rest the same) on a proxy generated from the 1.0 face's WSDL.
#
#   conformance/clients/wcf/run.sh BASE_URL USER PASSWORD [mtom|text] [wsse|basic] [1.1|1.0]
#   e.g. conformance/clients/wcf/run.sh http://127.0.0.1:18080 admin PASSWORD mtom
#
# mtom (default): BasicHttpBinding with MessageEncoding = WSMessageEncoding.Mtom; text: the text
# encoder. wsse (default): a wsse:Security UsernameToken header added by a client message
# inspector; basic: TransportCredentialOnly + HTTP Basic (WCF sends credentials only after the 401
# challenge). See Steps.cs for why wsse is the default.
#
# How the proxy is made (all output under conformance/clients/wcf/build/, gitignored):
#  1. disco (Mono) downloads the live <base>/services/RepositoryService?wsdl (/services10/… for 1.0)
#     and every XSD it imports;
#     fixup.py meta renames them CMISWS-Service.wsdl / CMIS-Core.xsd / CMIS-Messaging.xsd with
#     relative schemaLocations.
#  2. svcutil (Mono) is run on the LIVE WSDL URL, in an empty directory. Mono's svcutil takes only
#     URLs (a .wsdl file argument gives "Not supported file extension: .wsdl") and swallows import
#     errors: when the Messaging XSD imports the Core XSD by an absolute URL, WsdlImporter loads
#     Core twice, fails every port with "The global element 'cmis:allowableActions' has already
#     been declared" and svcutil writes an empty file. In that case run.sh says so and runs svcutil
#     again on file://build/meta/CMISWS-Service.wsdl (the downloaded copy, relative imports),
#     still from a directory that holds no XSD (a relative import is also resolved against the
#     current directory, which would load the schema twice again).
#  3. Mono svcutil's output is incomplete either way (no wrapper-element classes, no cmisFault
#     class, Action="*"): xsd (Mono) generates the XmlSerializer classes from the downloaded XSDs
#     and fixup.py contracts rebuilds message-contract service interfaces from svcutil's operation
#     list and actions. svcutil's own data classes are not compiled.
#  4. mcs compiles Scenario.cs (Scenario10.cs), Steps.cs, ObjectNavigation.cs, MoreServices.cs,
#     ChangeLog.cs + the generated code;
#     mono runs it.
set -eu
if [ $# -lt 3 ] || [ $# -gt 6 ]; then
    echo "usage: $0 BASE_URL USER PASSWORD [mtom|text] [wsse|basic] [1.1|1.0]" >&2
    exit 2
fi
BASE=${1%/}
USER_NAME=$2
PASSWORD=$3
ENCODING=${4:-mtom}
AUTH=${5:-wsse}
case $ENCODING in mtom|text) ;; *) echo "encoding must be mtom or text" >&2; exit 2;; esac
case $AUTH in wsse|basic) ;; *) echo "auth must be wsse or basic" >&2; exit 2;; esac
case ${6:-1.1} in
    1.1) FACE=services MAIN=Scenario FW=wcf ;;
    1.0) FACE=services10 MAIN=Scenario10 FW=wcf10 ;;
    *) echo "version must be 1.1 or 1.0" >&2; exit 2 ;;
esac
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$HERE/build/$FW
WSDL="$BASE/$FACE/RepositoryService?wsdl"

fail0() {
    echo "FAIL $FW-$ENCODING 0.$1: $2"
    echo "0 passed, 1 failed"
    exit 1
}

rm -rf "$BUILD"
mkdir -p "$BUILD/meta" "$BUILD/svcutil" "$BUILD/gen"

# 1. metadata (disco exits 0 even when the download failed: look for the files it saves)
(cd "$BUILD/meta" && disco -nologo -o:. "$WSDL") > "$BUILD/disco.log" 2>&1 || true
if ! ls "$BUILD/meta"/*.wsdl > /dev/null 2>&1; then
    # The WSDL should be public (SPEC-DIGEST 1.4); if it is not, fetch it with Basic credentials.
    echo "note: disco could not read $WSDL anonymously; retrying with HTTP Basic credentials" >&2
    (cd "$BUILD/meta" && disco -nologo -o:. -u:"$USER_NAME" -p:"$PASSWORD" "$WSDL") > "$BUILD/disco-auth.log" 2>&1 || true
    ls "$BUILD/meta"/*.wsdl > /dev/null 2>&1 \
        || { cat "$BUILD/disco.log" "$BUILD/disco-auth.log" >&2; fail0 loadWSDL "disco $WSDL failed"; }
fi
/usr/bin/python3 "$HERE/fixup.py" meta "$BUILD/meta" || fail0 loadWSDL "downloaded metadata incomplete (see $BUILD/disco.log)"

# 2. svcutil from the live URL; fall back to the downloaded copy
(cd "$BUILD/svcutil" && svcutil --noLogo --noConfig -o svcutil.cs "$WSDL") > "$BUILD/svcutil.log" 2>&1 || true
if grep -q 'interface RepositoryServicePort' "$BUILD/svcutil/svcutil.cs" 2>/dev/null; then
    echo "note: svcutil generated the contracts from the live URL $WSDL" >&2
else
    echo "note: svcutil on the live URL $WSDL generated no contract (Mono WsdlImporter error, see" \
         "build/svcutil.log and run.sh); using svcutil on the downloaded copy file://$BUILD/meta/CMISWS-Service.wsdl" >&2
    (cd "$BUILD/svcutil" && svcutil --noLogo --noConfig -o svcutil.cs "file://$BUILD/meta/CMISWS-Service.wsdl") \
        > "$BUILD/svcutil-file.log" 2>&1 || true
    grep -q 'interface RepositoryServicePort' "$BUILD/svcutil/svcutil.cs" 2>/dev/null \
        || { cat "$BUILD/svcutil-file.log" >&2; fail0 svcutil "svcutil generated no RepositoryServicePort"; }
fi

# 3. data classes + message contracts
(cd "$BUILD/gen" && xsd ../meta/CMIS-Core.xsd ../meta/CMIS-Messaging.xsd /c /n: ) > "$BUILD/xsd.log" 2>&1 \
    || { cat "$BUILD/xsd.log" >&2; fail0 xsd "xsd.exe failed"; }
/usr/bin/python3 "$HERE/fixup.py" contracts "$BUILD/svcutil/svcutil.cs" "$BUILD/gen/contracts.cs"

# 4. compile and run
mcs -nologo -nowarn:0108,0114,0162,0168,0169,0219,0414,0649 -debug -out:"$BUILD/Scenario.exe" \
    -r:System.ServiceModel -r:System.Runtime.Serialization -r:System.Xml -r:System.Web.Services \
    -r:System.Configuration \
    "$HERE/$MAIN.cs" "$HERE/Steps.cs" "$HERE/ObjectNavigation.cs" "$HERE/MoreServices.cs" "$HERE/ChangeLog.cs" "$BUILD"/gen/*.cs > "$BUILD/mcs.log" 2>&1 \
    || { cat "$BUILD/mcs.log" >&2; fail0 mcs "compilation failed"; }

exec mono --debug "$BUILD/Scenario.exe" "$BASE" "$USER_NAME" "$PASSWORD" "$ENCODING" "$AUTH"
