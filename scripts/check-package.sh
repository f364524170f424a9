#!/usr/bin/env bash
# The package as a user gets it: `npm pack` straight from the checkout (which builds it), installed into an
# empty ESM project, then used the ways the README documents:
#   - a small ESM program imports `flowrs` and `flowrs/client`;
#   - the README's client example type-checks with `tsc --noEmit` (NodeNext, strict);
#   - `flowrs/client` type-checks with no @types/* package at all, and bundles for the browser with
#     esbuild with no `node:` import reachable;
#   - `npx flowrs --help` and `npx flowrs --version` work.
# Prefers the local npm cache (`--prefer-offline`): the registry is only asked for what the cache lacks.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

version_of() { node -p "require('$ROOT/node_modules/$1/package.json').version"; }
VERSION="$(node -p "require('./package.json').version")"
TS_VERSION="$(version_of typescript)"
ESBUILD_VERSION="$(version_of esbuild)"
TYPES_WS_VERSION="$(version_of @types/ws)"
WS_VERSION="$(version_of ws)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/flowrs-package.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
fail() { echo "check-package: $*" >&2; exit 1; }

echo "== npm pack (runs prepare: clean + build)"
npm pack --silent --pack-destination "$WORK" > "$WORK/pack.log"
TARBALL="$(ls "$WORK"/flowrs-*.tgz)"
CONTENTS="$(tar -tzf "$TARBALL")"
for required in package/dist/index.js package/dist/index.d.ts package/dist/cli/main.js \
  package/dist/client/index.js package/dist/client/index.d.ts package/dist/dashboard/index.html \
  package/README.md package/LICENSE package/package.json; do
  grep -qx "$required" <<< "$CONTENTS" || fail "the tarball lacks $required"
done
if grep -E '^package/(src|test|bench|node_modules)/|\.test\.(js|d\.ts)$|test-support/' <<< "$CONTENTS"; then
  fail 'the tarball ships sources, tests or test support (listed above)'
fi
if grep -E '\.d\.ts\.map$' <<< "$CONTENTS"; then fail 'declaration maps point at sources that are not shipped'; fi
# Source maps are shipped with their sources inlined (tsc inlineSources, esbuild sourcesContent).
tar -xzf "$TARBALL" -C "$WORK" package/dist
node -e '
  const { readFileSync } = require("node:fs");
  const { execSync } = require("node:child_process");
  const maps = execSync("find " + process.argv[1] + " -name \"*.js.map\"").toString().trim().split("\n").filter(Boolean);
  for (const file of maps) {
    const map = JSON.parse(readFileSync(file, "utf8"));
    if (!Array.isArray(map.sourcesContent) || map.sourcesContent.length !== map.sources.length || map.sourcesContent.some((s) => typeof s !== "string"))
      { console.error(`check-package: ${file} points at sources it does not contain`); process.exit(1); }
  }
  console.log(`${maps.length} source maps, each with its sources inlined`);
' "$WORK/package/dist"
echo "$(wc -l <<< "$CONTENTS") files in $(basename "$TARBALL") ($(du -k "$TARBALL" | cut -f1) KiB)"

echo "== install into an empty ESM project"
APP="$WORK/app"
mkdir "$APP"
cd "$APP"
npm init -y > /dev/null
npm pkg set type=module
npm install --no-audit --no-fund --prefer-offline --loglevel=error "$TARBALL" "ws@$WS_VERSION" \
  "typescript@$TS_VERSION" "esbuild@$ESBUILD_VERSION" "@types/node@20" "@types/ws@$TYPES_WS_VERSION"

echo "== an ESM program imports flowrs and flowrs/client"
cat > smoke.mjs <<'EOF'
import assert from 'node:assert/strict';
import { BookManager, Flowrs, OrderBook } from 'flowrs';
import { buildConsolidatedView, FlowrsClient, MAX_CLIENT_MESSAGE_BYTES } from 'flowrs/client';

for (const [name, value] of Object.entries({ Flowrs, OrderBook, BookManager, FlowrsClient })) {
  assert.equal(typeof value, 'function', `${name} is exported`);
}
assert.equal(MAX_CLIENT_MESSAGE_BYTES, 65536);
const venue = (exchange, bid, ask) => ({
  exchange, status: 'live', updateId: 1, timestamp: 0, bidsComplete: true, asksComplete: true,
  bids: [[bid, '1']], asks: [[ask, '2']],
});
const view = buildConsolidatedView('BTCUSDT', [venue('binance', '100.0', '100.5'), venue('bybit', '100.0', '100.4')], 5);
assert.deepEqual(view.bestBid, { price: '100.0', exchanges: ['binance', 'bybit'] });
assert.equal(view.bids[0].quantity, '2');
assert.equal(view.bestAsk.price, '100.4');
console.log('flowrs and flowrs/client load and work');
EOF
node smoke.mjs

echo "== the README's client example type-checks (tsc --noEmit, NodeNext, strict)"
node -e '
  const { readFileSync, writeFileSync } = require("node:fs");
  const readme = readFileSync(process.argv[1], "utf8");
  const section = readme.slice(readme.indexOf("### A client in 20 lines"));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) { console.error("check-package: no client example in the README"); process.exit(1); }
  writeFileSync("example.ts", code);
' "$ROOT/README.md"
cat > tsconfig.json <<'EOF'
{
  "compilerOptions": {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "strict": true,
    "noEmit": true,
    "skipLibCheck": false
  },
  "files": ["example.ts"]
}
EOF
npx tsc -p tsconfig.json

echo "== flowrs/client type-checks with no @types/* package (a browser project)"
cat > browser.ts <<'EOF'
import {
  type ConsolidatedBookView,
  FlowrsClient,
  type OrderBookView,
  type ServerMessage,
} from 'flowrs/client';

const client = new FlowrsClient('ws://localhost:8080/', {
  onMessage: (m: ServerMessage) => {
    if (m.type === 'orderbook') console.log(m.exchange, m.symbol, m.bestBid, m.bestAsk);
  },
});
const btc: ConsolidatedBookView = client.consolidated('BTCUSDT', 10);
const books: OrderBookView[] = [...client.books.values()];
console.log(btc.crossed, books.length, client.metrics?.processingLatencyUs.p99);
EOF
cat > tsconfig.browser.json <<'EOF'
{
  "compilerOptions": {
    "target": "ES2022",
    "lib": ["ES2022", "DOM"],
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "strict": true,
    "noEmit": true,
    "skipLibCheck": false,
    "types": []
  },
  "files": ["browser.ts"]
}
EOF
npx tsc -p tsconfig.browser.json --listFiles > browser-files.txt || { cat browser-files.txt; fail 'flowrs/client does not type-check without @types'; }
if grep '/node_modules/@types/' browser-files.txt; then fail 'flowrs/client declarations pull in @types (listed above)'; fi

echo "== flowrs/client bundles for the browser with no node: import reachable"
printf "export { FlowrsClient, buildConsolidatedView } from 'flowrs/client';\n" > browser-entry.js
npx esbuild browser-entry.js --bundle --platform=browser --format=esm --outfile=bundle.js \
  --metafile=meta.json --log-level=warning
node -e '
  const meta = JSON.parse(require("node:fs").readFileSync("meta.json", "utf8"));
  const nodeImports = Object.values(meta.inputs).flatMap((i) => i.imports).filter((i) => /^node:/.test(i.path) || i.external);
  if (nodeImports.length > 0) { console.error("check-package: reachable from flowrs/client:", nodeImports); process.exit(1); }
  const inputs = Object.keys(meta.inputs);
  if (inputs.some((p) => /\/(server|book|metrics|exchanges|app|sim)\//.test(p))) {
    console.error("check-package: server code in the browser bundle:", inputs); process.exit(1);
  }
  console.log(`bundle: ${inputs.length} modules, ${meta.outputs["bundle.js"].bytes} bytes`);
'
if grep -q "node:" bundle.js; then fail 'the browser bundle mentions node: modules'; fi

echo "== npx flowrs --help and --version"
HELP="$(npx --no-install flowrs --help)"
grep -q '^usage: flowrs \[command\] \[flags\]$' <<< "$HELP" || fail "npx flowrs --help: no usage line"
for variable in FLOWRS_LISTEN FLOWRS_SYMBOLS FLOWRS_EXCHANGES FLOWRS_CONFIG LOG_LEVEL; do
  grep -q "$variable" <<< "$HELP" || fail "npx flowrs --help does not list $variable"
done
[ "$(npx --no-install flowrs --version)" = "$VERSION" ] || fail "npx flowrs --version is not $VERSION"
set +e
npx --no-install flowrs bogus > /dev/null 2>&1
code=$?
set -e
[ "$code" = 2 ] || fail "npx flowrs bogus exited $code, not 2"

echo "== the installed bin runs the offline demo and serves books"
FLOWRS_LISTEN=127.0.0.1:0 FLOWRS_SYMBOLS=BTCUSDT ./node_modules/.bin/flowrs demo > demo.log 2>&1 &
DEMO_PID=$!
for _ in $(seq 1 300); do
  grep -q '^API: ' demo.log && break
  kill -0 "$DEMO_PID" 2> /dev/null || break
  sleep 0.1
done
API="$(grep -o 'http://127.0.0.1:[0-9]*/api/orderbooks' demo.log || true)"
[ -n "$API" ] || { kill "$DEMO_PID" 2> /dev/null || true; cat demo.log; fail 'flowrs demo did not start'; }
node -e '
  const deadline = Date.now() + 30_000;
  const poll = async () => {
    const books = await (await fetch(process.argv[1])).json();
    if (books.length > 0 && books.some((b) => b.status === "live")) return console.log(`demo: ${books.length} books, first live`);
    if (Date.now() > deadline) { console.error("check-package: no live book in the demo"); process.exit(1); }
    setTimeout(poll, 100);
  };
  poll();
' "$API" || { kill "$DEMO_PID"; cat demo.log; exit 1; }
kill "$DEMO_PID"
wait "$DEMO_PID" 2> /dev/null || true

echo "package check passed: flowrs@$VERSION installs, imports, type-checks, bundles for the browser, and runs"
