#!/usr/bin/env node
// Runs the compiled tests with node's own runner. Kernel tests attach host-wide probes, so
// files run one at a time: two files tracing the same connections would see each other's traffic.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const filters = args.filter((a) => !a.startsWith('--'));

function find(dir, out) {
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) find(path, out);
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

// Bench helpers' pure tests (stats, parsers) run with the unit tests; the benches themselves do not.
const roots = unitOnly ? ['dist/src', 'dist/bench'] : ['dist/src', 'dist/bench', 'dist/test'];
let files = roots.flatMap((r) => find(r, [])).sort();
if (filters.length > 0) files = files.filter((f) => filters.some((p) => f.includes(p)));
if (files.length === 0) {
  console.error('run-tests: no test files found (did the TypeScript build run?)');
  process.exit(1);
}
const result = spawnSync(process.execPath,
  ['--enable-source-maps', '--test', '--test-concurrency=1', '--test-timeout=300000', ...files],
  { stdio: 'inherit' });
process.exit(result.status ?? 1);
