import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { queryTypeName, responseCodeName } from './codes.js';

describe('queryTypeName / responseCodeName', () => {
  const types: [number, string][] = [
    [1, 'A'], [28, 'AAAA'], [5, 'CNAME'], [15, 'MX'], [16, 'TXT'], [12, 'PTR'], [33, 'SRV'], [2, 'NS'], [6, 'SOA'],
    [65, 'HTTPS'], [64, 'SVCB'], [255, 'ANY'], [0, 'TYPE0'], [300, 'TYPE300'], [65535, 'TYPE65535'],
  ];
  for (const [n, name] of types) it(`type ${n} → ${name}`, () => assert.equal(queryTypeName(n), name));

  const codes: [number, string][] = [
    [0, 'NOERROR'], [1, 'FORMERR'], [2, 'SERVFAIL'], [3, 'NXDOMAIN'], [4, 'NOTIMP'], [5, 'REFUSED'],
    [9, 'NOTAUTH'], [16, 'RCODE16'], [23, 'BADCOOKIE'], [15, 'RCODE15'], [4095, 'RCODE4095'],
  ];
  for (const [n, name] of codes) it(`rcode ${n} → ${name}`, () => assert.equal(responseCodeName(n), name));
});
