#!/bin/sh
# Records every interop client's session and turns each into a replay case,
# conformance/cases/<framework>-session/ (zeep, jaxws, wcf-mtom, wcf-text, node-mtom, node-inline,
# libcmis; jaxws10, wcf10-mtom, wcf10-text for the CMIS 1.0 face).
#
#   CMISD_BIN=/abs/path/bin/cmisd conformance/clients/record-sessions.sh [RECORDING_DIR]
#
# A case whose test is not in the recording is left as it is, so a recording of some tests
# (CMISD_RECORD=DIR go test ./conformance -run 'Interop(JAXWS10|WCF10)') renews just their cases.
# Without RECORDING_DIR it first records one: the interop tests with CMISD_RECORD=<tmp dir> and
# CMIS_CONTENT_BYTES=2048 (every random content 2048 bytes instead of 5 MiB / 3 MiB / 1 MiB, so
# that the cases stay small). With RECORDING_DIR it uses that recording (one directory per test,
# as `cmisd serve --record` wrote them). Then, for each session:
#
#  * Every session runs against a server of its own (one recording directory per test or
#    subtest), so each case starts from a fresh repository, as the replay does.
#  * Left out: GET exchanges (the WSDLs, whose soap:address names the recording server's port,
#    and the XSDs they import). Read-only, so the server's state is the same without them.
#  * users.txt: admin and scenario-reader with the interop test's passwords.
#  * bindings.txt: the recorded root folder id is the live rootFolderId. `-update` rewrites the
#    recorded getRepositoryInfo answers (the in-process server's repositoryDescription and
#    productVersion differ from cmisd serve's), and a rewritten answer carries the root id of the
#    -update run, not the one the recorded requests use.
#
# Finally `go test ./conformance -run TestReplay -update` records the expected responses of the new
# cases (it writes only responses that are missing or differ, prints each with a diff of its
# normalised XML, and fails so that the output is shown); a second run without -update checks them.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CASES=$ROOT/conformance/cases
if [ $# -ge 1 ]; then
    REC=$(cd "$1" && pwd)
else
    : "${CMISD_BIN:?set CMISD_BIN to the absolute path of the cmisd binary (make build)}"
    REC=$(mktemp -d /tmp/cmisd-sessions.XXXXXX)
    echo "recording into $REC" >&2
    (cd "$ROOT" && CMIS_CONTENT_BYTES=2048 CMISD_RECORD="$REC" go test -tags sqlite_fts5 ./conformance \
        -run Interop -count=1 -v) | grep -E '^(--- |ok|FAIL)|passed,' >&2
fi

# copy SRC DST FIRST LAST: exchanges FIRST..LAST of recording SRC into case DST
copy() {
    src=$1 dst=$2 first=$3 last=$4
    if [ ! -d "$src" ]; then
        echo "$(basename "$dst"): not in this recording ($src), left as it is" >&2
        return
    fi
    rm -rf "$dst"
    mkdir -p "$dst"
    kept=0 left=0
    for f in "$src"/*.request.http; do
        name=$(basename "$f" .request.http)
        n=$(echo "$name" | cut -d- -f1 | sed 's/^0*//')
        [ "$n" -ge "$first" ] && [ "$n" -le "$last" ] || continue
        if head -n1 "$f" | grep -q '^GET '; then
            left=$((left + 1))
            continue
        fi
        cp "$f" "$src/$name.response.http" "$dst/"
        kept=$((kept + 1))
    done
    printf 'admin interop-secret\nscenario-reader reader-secret\n' > "$dst/users.txt"
    info=$(ls "$src"/*-getRepositoryInfo.response.http | head -n1)
    root=$(grep -o 'rootFolderId[^>]*>[^<]*<' "$info" | head -n1 | sed 's/.*>//; s/<$//')
    printf '%s rootFolderId\n' "$root" > "$dst/bindings.txt"
    echo "$(basename "$dst"): $kept exchanges, $left left out" >&2
}
copy "$REC/TestInteropZeep" "$CASES/zeep-session" 1 999999
copy "$REC/TestInteropJAXWS" "$CASES/jaxws-session" 1 999999
copy "$REC/TestInteropLibcmis" "$CASES/libcmis-session" 1 999999
copy "$REC/TestInteropWCF-mtom" "$CASES/wcf-mtom-session" 1 999999
copy "$REC/TestInteropWCF-text" "$CASES/wcf-text-session" 1 999999
copy "$REC/TestInteropNodeSoap-mtom" "$CASES/node-mtom-session" 1 999999
copy "$REC/TestInteropNodeSoap-inline" "$CASES/node-inline-session" 1 999999
copy "$REC/TestInteropJAXWS10" "$CASES/jaxws10-session" 1 999999
copy "$REC/TestInteropWCF10-mtom" "$CASES/wcf10-mtom-session" 1 999999
copy "$REC/TestInteropWCF10-text" "$CASES/wcf10-text-session" 1 999999

(cd "$ROOT" && go test -tags sqlite_fts5 ./conformance -run 'TestReplay/.*-session' -update -count=1) || true
(cd "$ROOT" && go test -tags sqlite_fts5 ./conformance -run 'TestReplay/.*-session' -count=1)
du -cb "$CASES"/*-session | tail -n1 | sed 's/total$/bytes in the session cases/' >&2
