#!/usr/bin/env bash
# Finds or builds the Pulumi CLI at exactly the version of @pulumi/pulumi in package-lock.json.
# No release download exists here, so it is built from the Go module proxy (about 10 minutes
# cold on 2 cores, ~1.5 GB of modules and build cache) and cached outside the checkout.
# Prints the path of the binary on its last line; progress goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[engine] %s\n' "$*" >&2; }

VERSION=$(node -p 'require("./package-lock.json").packages["node_modules/@pulumi/pulumi"].version')
CACHE="${MLFLOW_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mlflow-lab}/pulumi-v$VERSION"
BINARY="$CACHE/bin/pulumi"

# The host of Pulumi dynamic providers (mlflow-lab's LabMember): the CLI's release archives
# carry this script, a build from source does not. Like upstream's, it runs the SDK of the
# project it is started in.
dynamic_provider_host() {
  mkdir -p "$CACHE/bin"
  cat > "$CACHE/bin/pulumi-resource-pulumi-nodejs" <<'HOST'
#!/bin/sh
exec node ./node_modules/@pulumi/pulumi/cmd/dynamic-provider "$@"
HOST
  chmod 755 "$CACHE/bin/pulumi-resource-pulumi-nodejs"
}

# A pulumi already on PATH at the same version is used as is.
if command -v pulumi >/dev/null 2>&1 && [ "$(pulumi version 2>/dev/null)" = "v$VERSION" ]; then
  say "pulumi v$VERSION found on PATH"
  command -v pulumi
  exit 0
fi
if [ -x "$BINARY" ] && [ "$("$BINARY" version 2>/dev/null)" = "v$VERSION" ]; then
  say "pulumi v$VERSION cached in $CACHE"
  dynamic_provider_host
  echo "$BINARY"
  exit 0
fi

command -v go >/dev/null || PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { say "go not found: install Go >= 1.24 to build the Pulumi CLI"; exit 1; }

say "building pulumi v$VERSION from the Go module proxy (first time: about 10 minutes)"
module="$CACHE/module"
mkdir -p "$module" "$CACHE/bin"
cat > "$module/go.mod" <<GOMOD
module mlflow-lab/pulumi-cli

go 1.24

require (
	github.com/pulumi/pulumi/pkg/v3 v$VERSION
	github.com/pulumi/pulumi/sdk/v3 v$VERSION
)

// Carried over from pkg's own go.mod: replace directives of a dependency do not apply here.
replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e
GOMOD
cat > "$module/tools.go" <<'GO'
//go:build tools

// Records the CLI's package so that go mod tidy resolves everything it imports.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
GO
(
  cd "$module"
  export GOFLAGS=-mod=mod CGO_ENABLED=0
  go mod tidy >&2
  go build -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$VERSION" \
    -o "$BINARY.partial" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
)
mv "$BINARY.partial" "$BINARY"
dynamic_provider_host
say "built $BINARY ($(du -h "$BINARY" | cut -f1))"
echo "$BINARY"
