import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resultsFileName } from './results-file.js';
import { textTable } from './text-table.js';

describe('resultsFileName', () => {
  it('names the bench and its start in UTC to the second, without characters a filesystem dislikes', () => {
    assert.equal(resultsFileName('http', new Date('2026-11-22T19:35:45.123Z')), 'http-2026-11-22T19-35-45Z.json');
  });
});

describe('textTable', () => {
  it('pads every column to its widest cell, two spaces apart, no trailing blanks', () => {
    assert.equal(textTable([['a', 'bbb', 'c'], ['dddd', 'e', '']]), 'a     bbb  c\ndddd  e');
  });
  it('an empty table is an empty string', () => assert.equal(textTable([]), ''));
});
