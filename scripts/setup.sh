#!/usr/bin/env bash
# Installs what the project needs, idempotently: Debian packages, npm packages, the Python venv
# and Go tools. Each step prints one line and is skipped when already satisfied.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '[setup] %s\n' "$*"; }

APT_PACKAGES=(shellcheck cloud-init)
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
