#!/usr/bin/env node
// Bundles the compiled CLI (dist/src/cli/main.js and everything it imports) into one ES module,
// dist/agent/sonde.mjs, which bin/sonde runs. Node then reads and compiles one file instead of
// resolving and loading ~200 modules one by one: `sonde up` is ready ~0.1 s sooner on the bench
// machine (bench/RESULTS.md, tenth session). better-sqlite3 stays outside (it loads a native
// addon); the sonde addon and BPF objects are found through packageRoot(), as from dist/src.
// The source map chains through tsc's maps, so stack traces still name the TypeScript files.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist', 'src', 'cli', 'main.js');
const outfile = join(root, 'dist', 'agent', 'sonde.mjs');
if (!existsSync(entry)) {
  console.error(`bundle-agent: ${entry} is missing (npm run build:ts first)`);
  process.exit(1);
}
try {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    external: ['better-sqlite3'],
    sourcemap: 'linked',
    // Comments and whitespace out: V8 keeps the script's source in the heap for as long as the
    // agent runs, and the comments' few non-Latin-1 characters (§, ×, ≤) made all of it a
    // two-byte string: 2.1 MiB live, ~0.5 MiB now (docs/resources.md). Names are kept, and stack
    // traces map back to the TypeScript through the source map as before.
    minifyWhitespace: true,
    legalComments: 'none',
    // Stack traces need the mappings, not the sources themselves (tsc's maps do not carry them either).
    sourcesContent: false,
    logLevel: 'warning',
    // A CommonJS dependency bundled into an ES module still calls require() for node's builtins.
    banner: { js: "import { createRequire as sondeCreateRequire } from 'node:module'; const require = sondeCreateRequire(import.meta.url);" },
  });
  if (result.errors.length > 0) process.exit(1);
} catch (err) {
  console.error(`bundle-agent: ${err.message}`);
  process.exit(1);
}
console.log(`bundle-agent: wrote ${outfile}`);
