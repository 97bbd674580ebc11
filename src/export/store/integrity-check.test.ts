import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { checkIntegrityInBackground } from './integrity-check.js';
import { sampleDatabase, scribble, tempDir } from './test-records.js';

describe('background integrity check', () => {
  const dir = tempDir();
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('finds nothing wrong with a sound file', async () => {
    const { path } = sampleDatabase(dir);
    assert.deepEqual(await checkIntegrityInBackground(path), { ok: true, detail: 'ok' });
  });

  it('finds a damaged page', async () => {
    const { path, rootPage } = sampleDatabase(dir, 'damaged.db');
    scribble(path, rootPage);
    const r = await checkIntegrityInBackground(path);
    assert.equal(r.ok, false);
    assert.notEqual(r.detail, 'ok');
  });

  it('leaves a file it cannot open to the writer', async () => {
    const r = await checkIntegrityInBackground(join(dir, 'missing.db'));
    assert.equal(r.ok, true);
    assert.match(r.detail, /SQLITE_CANTOPEN/);
  });
});
