#!/usr/bin/env bash
# Installs one n8n release, and the Node.js that runs it, into a cache folder of its own (not the
# package's devDependencies), once: later runs find it ready. Each n8n version gets its own folder
# (`n8n-<version>`), each Node.js major its own (`node<major>`), so several versions live side by
# side and CI on the same machine reuses them.
#   KIRIN_E2E_CACHE  the cache folder (default: ~/.cache/n8n-nodes-kirin-e2e)
#   N8N_VERSION      an exact n8n version, or a range npm understands (1.123.x, ^2, latest);
#                    default 2.41.1. A range is resolved to its newest release on the registry,
#                    or, offline, to the newest cached release that matches its exact prefix.
#   KIRIN_E2E_NODE   the Node.js major version to run n8n with (20, 22, 24...), or `system` for the
#                    node on PATH; default 24
# Prints `key=value` lines: cache, version, n8n (its bin/n8n), node (the node binary).
# With `--resolve`, only prints the exact version N8N_VERSION stands for, and installs nothing.
# Fails (exit 1) when npm cannot install that release; the reason is in npm's output on stderr and
# in `n8n-<version>.failed`, which makes later runs fail at once for a day instead of trying again
# (a release that pins a package missing from the registry stays broken; KIRIN_E2E_RETRY=1 retries).
set -euo pipefail
cache="${KIRIN_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-kirin-e2e}"
spec="${N8N_VERSION:-2.41.1}"
runtime="${KIRIN_E2E_NODE:-24}"
mkdir -p "$cache"

# --- the n8n version: exact, or the newest release in the range ---
if [[ "$spec" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
	version="$spec"
else
	version="$(npm view "n8n@$spec" version --json 2>/dev/null |
		node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const v=[].concat(JSON.parse(s));const k=(x)=>x.split(".").map(Number);v.sort((a,b)=>{const[p,q]=[k(a),k(b)];return p[0]-q[0]||p[1]-q[1]||p[2]-q[2]});console.log(v.pop()??"")}catch{console.log("")}})')" || version=""
	if [ -z "$version" ]; then
		# Offline: the newest cached release whose version starts with the range's fixed part.
		prefix="${spec%%x*}"
		version="$(ls -1 "$cache" 2>/dev/null | sed -n "s/^n8n-\(${prefix//./\\.}[0-9.]*\)$/\1/p" | sort -V | tail -1)"
	fi
	[ -n "$version" ] || { echo "no n8n release matches $spec" >&2; exit 1; }
	echo "n8n $spec is $version" >&2
fi
if [ "${1:-}" = --resolve ]; then
	echo "$version"
	exit 0
fi

# --- the Node.js that runs n8n ---
install_node() { # $1: major version; installs the npm package `node@<major>` into node<major>
	local dir="$cache/node$1"
	if [ ! -x "$dir/node_modules/node/bin/node" ]; then
		echo "installing Node $1 into $dir" >&2
		mkdir -p "$dir"
		[ -f "$dir/package.json" ] || echo "{\"name\":\"kirin-e2e-node$1\",\"private\":true}" >"$dir/package.json"
		(cd "$dir" && npm install --no-audit --no-fund --no-save "node@$1" >&2)
		# The npm package `node` fetches its binary (another npm package) in a preinstall script,
		# which npm may skip: run it by hand.
		if [ ! -x "$dir/node_modules/node/bin/node" ]; then
			(cd "$dir/node_modules/node" && node installArchSpecificPackage >&2 || true)
		fi
	fi
	[ -x "$dir/node_modules/node/bin/node" ] || { echo "installing Node $1 failed" >&2; exit 1; }
	echo "$dir/node_modules/node/bin/node"
}
if [ "$runtime" = system ]; then
	nodebin="$(command -v node)"
else
	nodebin="$(install_node "$runtime")"
fi
export PATH="$(dirname "$nodebin"):$PATH"
echo "node for n8n: $(node --version)" >&2

# --- n8n itself ---
n8n="$cache/n8n-$version"
failed="$cache/n8n-$version.failed"
if [ ! -f "$n8n/.installed" ] && [ -f "$failed" ] && [ -z "${KIRIN_E2E_RETRY:-}" ] &&
	[ -n "$(find "$failed" -mmin -1440)" ]; then
	echo "n8n $version did not install at $(date -r "$failed" '+%F %T') (KIRIN_E2E_RETRY=1 tries again):" >&2
	cat "$failed" >&2
	exit 1
fi
if [ ! -f "$n8n/.installed" ]; then
	echo "installing n8n $version into $n8n (several minutes, once)" >&2
	mkdir -p "$n8n"
	# Registry gaps: n8n 1.x pulls xlsx from a URL outside the registry, and n8n 2.x a linkedom whose
	# newest release needs a package the registry lacks. Pin both to registry releases.
	case "$version" in
	1.*) overrides='{ "xlsx": "0.18.5" }' ;;
	*) overrides='{ "linkedom": "0.18.14" }' ;;
	esac
	cat >"$n8n/package.json" <<JSON
{
  "name": "kirin-e2e-n8n",
  "private": true,
  "dependencies": { "n8n": "$version" },
  "overrides": $overrides
}
JSON
	# Install scripts stay off (isolated-vm does not compile everywhere and the legacy expression
	# engine does not need it); sqlite3 is the one native module n8n needs, built afterwards.
	if ! (cd "$n8n" && npm install --no-audit --no-fund --ignore-scripts 2>&1 | tee "$failed.log" >&2; exit "${PIPESTATUS[0]}"); then
		grep -E '^npm error (code|notarget|404)' "$failed.log" >"$failed" || echo "npm install failed" >"$failed"
		rm -f "$failed.log"
		echo "npm could not install n8n $version (see above)" >&2
		exit 1
	fi
	rm -f "$failed" "$failed.log"
	(cd "$n8n" && npm rebuild sqlite3 --ignore-scripts=false >&2) || { echo "building sqlite3 for n8n $version failed" >&2; exit 1; }
	touch "$n8n/.installed"
fi
echo "cache=$cache"
echo "version=$version"
echo "n8n=$n8n/node_modules/n8n/bin/n8n"
echo "node=$nodebin"
