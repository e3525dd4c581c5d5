#!/usr/bin/env bash
# Installs what the project needs, idempotently: Debian packages, npm packages, the Python venv
# and Go tools. Each step prints one line and is skipped when already satisfied.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '[setup] %s\n' "$*"; }

APT_PACKAGES=(shellcheck cloud-init postgresql openssl pgbackrest socat curl)
# `setup.sh vm`: also what the VM test needs (npm run test:vm).
if [ "${1:-}" = vm ]; then APT_PACKAGES+=(mmdebstrap qemu-system-x86 qemu-utils genisoimage e2fsprogs openssh-client curl); fi
missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "apt: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
else
  step "apt: ${APT_PACKAGES[*]} present"
fi

# npm ci only when the lock file changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json .setup-stamp-npm 2>/dev/null; then
  step "npm: installing locked dependencies"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json .setup-stamp-npm
else
  step "npm: dependencies up to date"
fi

# Python venv for the local lab's MLflow server and clients.
if [ ! -x .venv/bin/python ] || ! cmp -s requirements.txt .venv/.mlflow-lab-requirements 2>/dev/null; then
  step "python: installing requirements.txt into .venv (first time: about a minute)"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
  cp requirements.txt .venv/.mlflow-lab-requirements
else
  step "python: .venv up to date"
fi

# The previous MLflow release, for the upgrade drill.
if [ ! -x .venv-previous/bin/python ] || ! cmp -s requirements-previous.txt .venv-previous/.mlflow-lab-requirements 2>/dev/null; then
  step "python: installing requirements-previous.txt into .venv-previous (the upgrade drill's starting point)"
  [ -x .venv-previous/bin/python ] || python3 -m venv .venv-previous
  .venv-previous/bin/pip install --quiet --disable-pip-version-check -r requirements-previous.txt
  cp requirements-previous.txt .venv-previous/.mlflow-lab-requirements
else
  step "python: .venv-previous up to date"
fi

# Go comes with the machine (Debian's is too old for versitygw).
command -v go >/dev/null || PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "[setup] go not found: install Go >= 1.24 and put it on PATH" >&2; exit 1; }

# versitygw, the local lab's S3 server, built from the Go module proxy.
VERSITYGW_MODULE=$(sed -n 's/^export const VERSITYGW_MODULE = "\(.*\)";$/\1/p' model/versions.ts)
if [ ! -x .lab/bin/versitygw ] || ! grep -qx "$VERSITYGW_MODULE" .lab/bin/.versitygw-module 2>/dev/null; then
  step "go: building $VERSITYGW_MODULE (first time: about a minute)"
  mkdir -p .lab/bin
  GOBIN="$PWD/.lab/bin" GOFLAGS=-mod=mod go install "$VERSITYGW_MODULE"
  echo "$VERSITYGW_MODULE" > .lab/bin/.versitygw-module
else
  step "go: versitygw present"
fi

# The Pulumi CLI at the version of @pulumi/pulumi, for the engine tests (built once, cached).
if ! PULUMI_BINARY=$(bash scripts/engine.sh 2> >(sed 's/^/[setup] /' >&2) | tail -n 1); then
  echo "[setup] engine: the Pulumi CLI did not build; see the lines above" >&2
  exit 1
fi
step "engine: $PULUMI_BINARY"
