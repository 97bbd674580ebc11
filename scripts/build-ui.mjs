#!/usr/bin/env node
// Builds the web UI into dist/ui: compiles ui/src with its own tsconfig (DOM, ES modules), copies
// ui/static, and vendors uPlot next to it so the agent serves everything itself (no CDN: it may
// run air-gapped).
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'ui');
const require = createRequire(import.meta.url);

// Stale modules from renamed sources would otherwise still be served.
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const tsc = require.resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'ui', 'tsconfig.json')], { stdio: 'inherit' });
if (result.status !== 0) {
  console.error('build-ui: tsc failed');
  process.exit(result.status ?? 1);
}

cpSync(join(root, 'ui', 'static'), out, { recursive: true });

const uplotDist = join(dirname(require.resolve('uplot/package.json')), 'dist');
const vendor = join(out, 'vendor');
mkdirSync(vendor, { recursive: true });
for (const file of ['uPlot.iife.min.js', 'uPlot.min.css']) {
  const from = join(uplotDist, file);
  if (!existsSync(from)) {
    console.error(`build-ui: ${from} is missing (is uplot installed?)`);
    process.exit(1);
  }
  cpSync(from, join(vendor, file));
}
console.log(`build-ui: wrote ${out}`);
