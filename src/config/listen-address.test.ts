import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidValueError } from './config-error.js';
import { formatListenAddress, parseListenAddress, type ListenAddress } from './listen-address.js';

describe('parseListenAddress', () => {
  const valid: { name: string; input: string; want: ListenAddress }[] = [
    { name: 'IPv4 loopback', input: '127.0.0.1:8080', want: { host: '127.0.0.1', port: 8080 } },
    { name: 'bracketed IPv6', input: '[::1]:8080', want: { host: '::1', port: 8080 } },
    { name: 'IPv6 any, explicitly', input: '[::]:9090', want: { host: '::', port: 9090 } },
    { name: 'hostname', input: 'localhost:9000', want: { host: 'localhost', port: 9000 } },
    { name: 'dotted hostname', input: 'sonde.example.com:443', want: { host: 'sonde.example.com', port: 443 } },
    { name: 'IPv4 any, explicitly', input: '0.0.0.0:8080', want: { host: '0.0.0.0', port: 8080 } },
    { name: 'port only binds loopback, not everything', input: ':8080', want: { host: '127.0.0.1', port: 8080 } },
    { name: 'ephemeral port', input: '127.0.0.1:0', want: { host: '127.0.0.1', port: 0 } },
    { name: 'highest port', input: ':65535', want: { host: '127.0.0.1', port: 65535 } },
    { name: 'surrounding whitespace', input: ' :8080 ', want: { host: '127.0.0.1', port: 8080 } },
  ];
  for (const c of valid) {
    it(`parses ${c.name} (${JSON.stringify(c.input)})`, () => {
      assert.deepEqual(parseListenAddress(c.input), c.want);
    });
  }

  const invalid: { name: string; input: string; message: RegExp }[] = [
    { name: 'empty', input: '', message: /empty string/ },
    { name: 'port out of range', input: '127.0.0.1:65536', message: /port 65536 out of range/ },
    { name: 'negative port', input: ':-1', message: /invalid port "-1"/ },
    { name: 'non-numeric port', input: 'localhost:http', message: /invalid port "http"/ },
    { name: 'missing port after colon', input: 'localhost:', message: /missing port/ },
    { name: 'missing port and colon', input: '127.0.0.1', message: /missing port/ },
    { name: 'bare port number, with a hint', input: '8080', message: /use ":8080"/ },
    { name: 'missing port after IPv6', input: '[::1]', message: /missing port/ },
    { name: 'unbracketed IPv6', input: '::1:8080', message: /IPv6 addresses need brackets/ },
    { name: 'unclosed bracket', input: '[::1:8080', message: /unclosed "\["/ },
    { name: 'bad IPv6', input: '[zz::1]:80', message: /invalid IPv6 address "zz::1"/ },
    { name: 'bad IPv4', input: '256.1.1.1:80', message: /invalid IPv4 address/ },
    { name: 'wildcard', input: '*:8080', message: /invalid host "\*"/ },
    { name: 'garbage', input: 'not an address', message: /missing port/ },
    { name: 'spaces in host', input: 'a b:80', message: /invalid host "a b"/ },
  ];
  for (const c of invalid) {
    it(`rejects ${c.name} (${JSON.stringify(c.input)})`, () => {
      assert.throws(() => parseListenAddress(c.input), (err: unknown) => {
        assert.ok(err instanceof InvalidValueError);
        assert.match(err.message, c.message);
        return true;
      });
    });
  }
});

describe('formatListenAddress', () => {
  const cases: { name: string; address: ListenAddress; text: string }[] = [
    { name: 'IPv4', address: { host: '127.0.0.1', port: 8080 }, text: '127.0.0.1:8080' },
    { name: 'IPv6 gets brackets back', address: { host: '::1', port: 8080 }, text: '[::1]:8080' },
    { name: 'hostname', address: { host: 'localhost', port: 0 }, text: 'localhost:0' },
  ];
  for (const c of cases) {
    it(`formats ${c.name} and round-trips`, () => {
      assert.equal(formatListenAddress(c.address), c.text);
      assert.deepEqual(parseListenAddress(c.text), c.address);
    });
  }
});
