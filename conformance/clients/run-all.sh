#!/bin/sh
# Runs every scenario client against one server and summarises.
#
#   conformance/clients/run-all.sh http://127.0.0.1:18080 admin PASSWORD
#
# Clients: zeep (text/xml), jaxws (MTOM), wcf mtom, wcf text (wsse UsernameToken), wcf mtom with
# HTTP Basic after a 401 challenge, node-soap (mtom, inline) and libcmis, all on the CMIS 1.1 face;
# jaxws10 and wcf10 (mtom, text) generated from the CMIS 1.0 face's WSDL. Each client's full output is kept in
# conformance/clients/build/<name>.log (gitignored). Exit status: 0 when every client passed.
# The environment goes through to every client: CMIS_USER2 / CMIS_PASS2 (the second user of the ACL
# steps) and CMIS_CONTENT_BYTES (every random content that many bytes; see README.md).
set -u
if [ $# -ne 3 ]; then
    echo "usage: $0 BASE_URL USER PASSWORD" >&2
    exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
LOGS=$HERE/build
mkdir -p "$LOGS"
status=0
run() {
    name=$1
    shift
    "$@" > "$LOGS/$name.log" 2>&1
    rc=$?
    grep -E '^(PASS|FAIL) ' "$LOGS/$name.log"
    tail_line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$LOGS/$name.log" | tail -1)
    echo "== $name: ${tail_line:-no summary line (see $LOGS/$name.log)} (exit $rc)"
    [ "$rc" -eq 0 ] || status=1
}
run zeep /usr/bin/python3 "$HERE/zeep/scenario.py" "$1" "$2" "$3"
run jaxws "$HERE/jaxws/run.sh" "$1" "$2" "$3"
run wcf-mtom "$HERE/wcf/run.sh" "$1" "$2" "$3" mtom
run wcf-text "$HERE/wcf/run.sh" "$1" "$2" "$3" text
run wcf-mtom-basic "$HERE/wcf/run.sh" "$1" "$2" "$3" mtom basic
run node-mtom "$HERE/node/run.sh" "$1" "$2" "$3" mtom
run node-inline "$HERE/node/run.sh" "$1" "$2" "$3" inline
run libcmis "$HERE/libcmis/run.sh" "$1" "$2" "$3"
run jaxws10 "$HERE/jaxws/run.sh" "$1" "$2" "$3" 1.0
run wcf10-mtom "$HERE/wcf/run.sh" "$1" "$2" "$3" mtom wsse 1.0
run wcf10-text "$HERE/wcf/run.sh" "$1" "$2" "$3" text wsse 1.0
exit $status
