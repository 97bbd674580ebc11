// The bundle bin/sonde runs (dist/agent/sonde.mjs, built by scripts/bundle-agent.mjs before the
// tests): V8 keeps a script's source in the heap for as long as it runs, so the bundle must stay
// ASCII (one byte per character, not two) and without comments (docs/resources.md, "The
// script's source and the rings' batches"), and still point at its source map, which is what
// turns stack traces back into TypeScript file names.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packageRoot } from '../src/kernel/package-root.js';

const BUNDLE = join(packageRoot(), 'dist', 'agent', 'sonde.mjs');

describe('the agent bundle', () => {
  it('is ASCII, so V8 holds its source one byte per character', () => {
    assert.ok(existsSync(BUNDLE), `${BUNDLE} is missing: npm run build:agent`);
    const bytes = readFileSync(BUNDLE);
    const firstWide = bytes.findIndex((b) => b > 0x7f);
    assert.equal(firstWide, -1, `a non-ASCII byte at offset ${firstWide}: ${bytes.subarray(Math.max(0, firstWide - 40), firstWide + 20).toString('utf8')}`);
  });

  it('carries no comments but its source map link', () => {
    const text = readFileSync(BUNDLE, 'utf8');
    const lines = text.split('\n').filter((l) => l.length > 0);
    assert.match(lines.at(-1) ?? '', /^\/\/# sourceMappingURL=sonde\.mjs\.map$/);
    assert.ok(existsSync(join(packageRoot(), 'dist', 'agent', 'sonde.mjs.map')), 'the source map beside the bundle');
    // A doc comment (tsc keeps them) would be the first sign that whitespace minifying is off.
    const doc = text.indexOf('/**');
    assert.equal(doc, -1, `a doc comment at ${doc}: ${text.slice(doc, doc + 80)}`);
    // Whitespace minified: the bundle is a few long lines, not tens of thousands.
    assert.ok(lines.length < 2000, `${lines.length} lines`);
  });
});
