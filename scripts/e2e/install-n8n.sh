#!/usr/bin/env bash
# Installs a pinned n8n and a Node 24 to run it into a cache folder of its own (not the package's
# devDependencies), once: later runs find it ready. Prints the folder.
#   KIRIN_E2E_CACHE   the cache folder (default: ~/.cache/n8n-nodes-kirin-e2e)
#   N8N_VERSION       the n8n version (default: 2.41.1)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${KIRIN_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-kirin-e2e}"
version="${N8N_VERSION:-2.41.1}"
node24="$cache/node24"
n8n="$cache/n8n-$version"
mkdir -p "$cache"

if [ ! -x "$node24/node_modules/node/bin/node" ]; then
	echo "installing Node 24 into $node24" >&2
	mkdir -p "$node24"
	(cd "$node24" && [ -f package.json ] || echo '{"name":"kirin-e2e-node24","private":true}' > "$node24/package.json")
	(cd "$node24" && npm install --no-audit --no-fund --no-save node@24 >&2)
	# The npm package `node` fetches its binary in a postinstall script.
	if [ ! -x "$node24/node_modules/node/bin/node" ]; then
		(cd "$node24/node_modules/node" && npm run preinstall --if-present >&2 || true; node installArchSpecificPackage >&2 || true)
	fi
fi
export PATH="$node24/node_modules/node/bin:$PATH"
echo "node for n8n: $(node --version)" >&2

if [ ! -f "$n8n/.installed" ]; then
	echo "installing n8n $version into $n8n (several minutes, once)" >&2
	mkdir -p "$n8n"
	cat > "$n8n/package.json" <<JSON
{
  "name": "kirin-e2e-n8n",
  "private": true,
  "dependencies": { "n8n": "$version" },
  "overrides": { "linkedom": "0.18.14" }
}
JSON
	(cd "$n8n" && npm install --no-audit --no-fund --ignore-scripts >&2)
	(cd "$n8n" && npm rebuild sqlite3 >&2)
	touch "$n8n/.installed"
fi
echo "$cache"
