#!/usr/bin/env bash
# Sourced by every entry point (npm start, npm test, .ci/run). It makes sure a Node.js that
# Backstage supports (22 or 24) is first on PATH, provisioning Node 22 from the npm registry into
# the ignored folder .toolchain/ when the system one is older, and points Yarn, corepack and
# node-gyp at it. Registry settings come from npm's own configuration, never from this repo.

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
toolchain_dir="$repo_root/.toolchain"
node_major_wanted=22

node_major() {
  command -v node >/dev/null 2>&1 || { echo 0; return; }
  node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
}

node_package_name() {
  local os arch
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    *) echo "unsupported operating system $(uname -s): install Node.js 22 yourself" >&2; return 1 ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "unsupported CPU $(uname -m): install Node.js 22 yourself" >&2; return 1 ;;
  esac
  echo "node-$os-$arch"
}

ensure_node() {
  local current
  current="$(node_major)"
  if [ "$current" = 22 ] || [ "$current" = 24 ]; then
    return 0
  fi
  local pkg node_home
  pkg="$(node_package_name)" || return 1
  node_home="$toolchain_dir/node_modules/$pkg"
  if [ ! -x "$node_home/bin/node" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "npm is needed to provision Node.js $node_major_wanted (found node major '$current')" >&2
      return 1
    fi
    echo "toolchain: system Node.js is ${current}, provisioning Node.js $node_major_wanted into .toolchain/" >&2
    mkdir -p "$toolchain_dir"
    npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$toolchain_dir" \
      "$pkg@$node_major_wanted" >&2 || return 1
  fi
  export PATH="$node_home/bin:$PATH"
  export npm_config_nodedir="$node_home"
}

ensure_registry() {
  local registry
  registry="$(npm config get registry 2>/dev/null)"
  registry="${registry%/}"
  if [ -n "$registry" ] && [ "$registry" != undefined ]; then
    export YARN_NPM_REGISTRY_SERVER="$registry"
    export COREPACK_NPM_REGISTRY="$registry"
  fi
}

# `yarn` always means the release committed in .yarn/releases, whatever is installed globally.
ensure_yarn() {
  local shim_dir="$toolchain_dir/bin"
  mkdir -p "$shim_dir"
  local release
  release="$(ls "$repo_root"/.yarn/releases/yarn-*.cjs | head -n 1)"
  printf '#!/bin/sh\nexec node "%s" "$@"\n' "$release" >"$shim_dir/yarn"
  chmod +x "$shim_dir/yarn"
  export PATH="$shim_dir:$PATH"
}

# Installs packages when yarn.lock or a package.json changed since the last install.
ensure_packages() {
  local stamp="$repo_root/node_modules/.install-stamp" sum
  sum="$(cd "$repo_root" && cat yarn.lock package.json packages/*/package.json plugins/*/package.json 2>/dev/null | node -e '
    const h = require("crypto").createHash("sha256");
    process.stdin.on("data", d => h.update(d)).on("end", () => console.log(h.digest("hex")));')"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
    return 0
  fi
  echo "toolchain: installing packages (yarn install)" >&2
  (cd "$repo_root" && yarn install) || return 1
  echo "$sum" >"$stamp"
}

ensure_node && ensure_registry && ensure_yarn
