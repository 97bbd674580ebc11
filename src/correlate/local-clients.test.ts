import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SocketOwner } from './flow-correlator.js';
import { LocalClients } from './local-clients.js';

const curl: SocketOwner = { pid: 300, comm: 'curl', direction: 'outbound' };
const wget: SocketOwner = { pid: 301, comm: 'wget', direction: 'outbound' };

describe('LocalClients', () => {
  it('finds the client of a connection by both ends', () => {
    const c = new LocalClients(8);
    c.remember('127.0.0.1', 41000, '127.0.0.1', 8000, curl);
    assert.equal(c.ownerOf('127.0.0.1', 41000, '127.0.0.1', 8000), curl);
    assert.equal(c.ownerOf('127.0.0.1', 41001, '127.0.0.1', 8000), undefined, 'another client port');
    assert.equal(c.ownerOf('127.0.0.1', 41000, '127.0.0.1', 8001), undefined, 'another server port');
  });

  it('checks the addresses on the entry the ports find', () => {
    const c = new LocalClients(8);
    c.remember('127.0.0.1', 41000, '127.0.0.1', 8000, curl);
    assert.equal(c.ownerOf('127.0.0.2', 41000, '127.0.0.1', 8000), undefined);
    assert.equal(c.ownerOf('127.0.0.1', 41000, '::1', 8000), undefined);
  });

  it('server ports that share their low bits are told apart', () => {
    const c = new LocalClients(8);
    c.remember('127.0.0.1', 41000, '127.0.0.1', 8000, curl);
    assert.equal(c.ownerOf('127.0.0.1', 41000, '127.0.0.1', 8000 + 16384), undefined);
    c.remember('127.0.0.1', 41000, '127.0.0.1', 8000 + 16384, wget);
    assert.equal(c.ownerOf('127.0.0.1', 41000, '127.0.0.1', 8000 + 16384), wget);
  });

  it('the latest connection on a pair of ports replaces the one before', () => {
    const c = new LocalClients(8);
    c.remember('127.0.0.1', 41000, '127.0.0.1', 8000, curl);
    c.remember('127.0.0.1', 41000, '127.0.0.1', 8000, wget);
    assert.equal(c.ownerOf('127.0.0.1', 41000, '127.0.0.1', 8000), wget);
  });

  it('past its capacity forgets the oldest, and only it', () => {
    const c = new LocalClients(3);
    for (let port = 41000; port < 41004; port++) c.remember('127.0.0.1', port, '127.0.0.1', 8000, curl);
    assert.equal(c.ownerOf('127.0.0.1', 41000, '127.0.0.1', 8000), undefined);
    for (let port = 41001; port < 41004; port++) assert.equal(c.ownerOf('127.0.0.1', port, '127.0.0.1', 8000), curl, String(port));
    // A replaced entry keeps its slot: refreshing 41001 does not save it from being the oldest.
    c.remember('127.0.0.1', 41001, '127.0.0.1', 8000, wget);
    c.remember('127.0.0.1', 41004, '127.0.0.1', 8000, curl);
    assert.equal(c.ownerOf('127.0.0.1', 41001, '127.0.0.1', 8000), undefined);
    assert.equal(c.ownerOf('127.0.0.1', 41004, '127.0.0.1', 8000), curl);
  });

  for (const bad of [0, -1, 2.5]) {
    it(`refuses a capacity of ${bad}`, () => assert.throws(() => new LocalClients(bad), /capacity must be a positive integer/));
  }
});
