#!/bin/sh
# CMIS 1.1 object scenario on libcmis 0.5.2, LibreOffice's C++ CMIS client, through its Web Services
# binding (Debian packages: libcmis-dev, which pulls libcmis-0.5-5v5, libboost-dev,
# libcurl4-gnutls-dev and libxml2-dev; plus g++ and pkg-config).
#
#   conformance/clients/libcmis/run.sh http://127.0.0.1:18080 admin PASSWORD
#
# Builds build/scenario from scenario.cpp with g++ and `pkg-config --cflags --libs libcmis-0.5`
# (rebuilt when scenario.cpp is newer), then runs it. libcmis does not generate code from the
# WSDL; it reads the service addresses from the live <base>/services/RepositoryService?wsdl
# at run time (see scenario.cpp). Build output: conformance/clients/libcmis/build/ (gitignored).
set -eu
if [ $# -ne 3 ]; then
    echo "usage: $0 BASE_URL USER PASSWORD" >&2
    exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$HERE/build
PKG=libcmis-0.5
mkdir -p "$BUILD"
if [ ! -x "$BUILD/scenario" ] || [ "$HERE/scenario.cpp" -nt "$BUILD/scenario" ]; then
    if ! pkg-config --exists "$PKG"; then
        echo "pkg-config knows no $PKG (apt-get install libcmis-dev pkg-config)" >&2
        echo "FAIL libcmis 0.build: pkg-config $PKG missing"
        echo "0 passed, 1 failed"
        exit 1
    fi
    # shellcheck disable=SC2046 # word splitting of pkg-config output is intended
    if ! g++ -std=c++17 -O2 -Wall -o "$BUILD/scenario.tmp" "$HERE/scenario.cpp" \
            $(pkg-config --cflags --libs "$PKG") > "$BUILD/build.log" 2>&1; then
        cat "$BUILD/build.log" >&2
        echo "FAIL libcmis 0.build: g++ scenario.cpp failed (see above)"
        echo "0 passed, 1 failed"
        exit 1
    fi
    mv "$BUILD/scenario.tmp" "$BUILD/scenario"
fi
exec "$BUILD/scenario" "$@"
