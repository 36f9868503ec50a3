## tests of the interfaces with their own tools: the manual pages with
## mandoc -T lint, /metrics with promtool, the OpenAPI document with an
## OpenAPI 3.1 validator (tests/install-node.sh) and against the route
## table and a real daemon.  tests/system/package.sh (the Debian package)
## is run once by tests/run, not by make check.

EXTRA_DIST += tests/system/package.sh tests/install-node.sh \
	tests/node/package.json tests/node/package-lock.json

TESTS += tests/system/manpages.sh
EXTRA_DIST += tests/system/manpages.sh

TESTS += tests/system/openapi.sh
EXTRA_DIST += tests/system/openapi.sh tests/system/openapi-answer.mjs doc/openapi.yaml

TESTS += tests/system/metrics.sh
EXTRA_DIST += tests/system/metrics.sh

TESTS += tests/system/rundir.sh
EXTRA_DIST += tests/system/rundir.sh
