import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BpfError } from '../kernel/errors.js';
import { CaptureError } from './capture-error.js';
import { interruptedBySignal, retryInterruptedLoad, retryInterruptedLoadAsync } from './load-retry.js';

const eagain = (): BpfError => new BpfError('bpf_object__load: Resource temporarily unavailable', { code: 'EAGAIN', errno: 11, op: 'bpf_object__load', log: '' });
const eperm = (): BpfError => new BpfError('bpf_object__load: Operation not permitted', { code: 'EPERM', errno: 1, op: 'bpf_object__load', log: '' });

describe('interruptedBySignal', () => {
  const cases: Array<{ name: string; err: unknown; interrupted: boolean }> = [
    { name: 'EAGAIN from the kernel', err: eagain(), interrupted: true },
    { name: 'EAGAIN explained by a CaptureError', err: new CaptureError('starting TCP flow probes: ...', eagain()), interrupted: true },
    { name: 'EPERM', err: eperm(), interrupted: false },
    { name: 'EPERM explained', err: new CaptureError('not root', eperm()), interrupted: false },
    { name: 'a CaptureError of its own', err: new CaptureError('no cgroup v2'), interrupted: false },
    { name: 'not an error', err: 'EAGAIN', interrupted: false },
  ];
  for (const c of cases) it(c.name, () => assert.equal(interruptedBySignal(c.err), c.interrupted));
});

describe('retryInterruptedLoad', () => {
  it('interrupted twice, then loaded: three tries', () => {
    let tries = 0;
    const got = retryInterruptedLoad(() => {
      if (++tries < 3) throw eagain();
      return 'loaded';
    });
    assert.equal(got, 'loaded');
    assert.equal(tries, 3);
  });
  it('interrupted every time: the last error after the given attempts', () => {
    let tries = 0;
    assert.throws(() => retryInterruptedLoad(() => { tries++; throw eagain(); }, 4), /temporarily unavailable/);
    assert.equal(tries, 4);
  });
  it('any other failure: thrown at once', () => {
    let tries = 0;
    assert.throws(() => retryInterruptedLoad(() => { tries++; throw eperm(); }), /not permitted/);
    assert.equal(tries, 1);
  });
  it('async: interrupted once, then loaded', async () => {
    let tries = 0;
    const got = await retryInterruptedLoadAsync(async () => {
      if (++tries < 2) throw new CaptureError('explained', eagain());
      return 7;
    });
    assert.equal(got, 7);
    assert.equal(tries, 2);
  });
  it('async: any other failure at once', async () => {
    let tries = 0;
    await assert.rejects(retryInterruptedLoadAsync(async () => { tries++; throw eperm(); }), /not permitted/);
    assert.equal(tries, 1);
  });
});
