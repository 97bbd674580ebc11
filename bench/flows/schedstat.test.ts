import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSchedstatNs } from './schedstat.js';

describe('parseSchedstatNs', () => {
  const cases: { name: string; line: string; ns: number }[] = [
    { name: 'a line as the kernel writes it', line: '1234567890 5550000 4321\n', ns: 1234567890 },
    { name: 'a thread that never ran', line: '0 0 0\n', ns: 0 },
    { name: 'extra spaces', line: '  42   7 1', ns: 42 },
  ];
  for (const c of cases) it(c.name, () => assert.equal(parseSchedstatNs(c.line), c.ns));

  for (const line of ['', '\n', 'abc 1 2', '-5 1 2', '1.5 1 2', '99999999999999999999 1 2']) {
    it(`rejects ${JSON.stringify(line)}`, () => assert.throws(() => parseSchedstatNs(line), /unreadable schedstat/));
  }
});
