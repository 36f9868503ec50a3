#!/bin/sh
# install-node.sh - install the npm tools the tests use into tests/node/
# (not globally): the OpenAPI 3.1 validator that checks doc/openapi.yaml,
# and the ajv, ajv-formats and yaml it brings, with which openapi.sh checks
# the daemon's answers against the document (openapi-answer.mjs).
# Needs npm (Debian package npm) and the npm registry; the tests skip what
# is not installed.  install-deps.sh calls it last.  To change
# the version: npm install --prefix tests/node PACKAGE@VERSION, commit
# tests/node/package.json and package-lock.json.
set -eu
cd "$(dirname "$0")"
prefix=$(pwd)/node
if [ -x "$prefix/node_modules/.bin/validate-api" ]; then
	echo "install-node: validate-api present"
	exit 0
fi
# The versions of tests/node/package-lock.json, exactly.
npm ci --prefix "$prefix" --no-audit --no-fund --loglevel=error
echo "install-node: validate-api installed in $prefix"
