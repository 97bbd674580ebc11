import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GrpcMessageCounter } from './grpc-messages.js';
import { concatBytes, grpcMessage } from './testkit.js';

const THREE = concatBytes(grpcMessage('first'), grpcMessage(''), grpcMessage('third message'));

describe('GrpcMessageCounter', () => {
  it('counts messages whatever the split of the bytes', () => {
    for (let a = 0; a <= THREE.length; a++) {
      for (let b = a; b <= THREE.length; b += 3) {
        const c = new GrpcMessageCounter();
        c.feed(THREE.subarray(0, a));
        c.feed(THREE.subarray(a, b));
        c.feed(THREE.subarray(b));
        assert.equal(c.messages, 3, `split ${a}/${b}`);
        assert.equal(c.atBoundary, true);
        assert.equal(c.lost, false);
      }
    }
  });

  const cases: { name: string; run: (c: GrpcMessageCounter) => void; messages: number; lost: boolean }[] = [
    { name: 'gap inside a message body is skipped exactly', messages: 3, lost: false,
      run: (c) => { c.feed(THREE.subarray(0, 7)); c.skip(3); c.feed(THREE.subarray(10)); } },
    { name: 'gap over a prefix loses the count', messages: 1, lost: true,
      run: (c) => { c.feed(THREE.subarray(0, 12)); c.skip(4); c.feed(THREE.subarray(16)); } },
    { name: 'compressed flag other than 0/1 is not gRPC framing', messages: 0, lost: true,
      run: (c) => c.feed(Uint8Array.of(7, 0, 0, 0, 0)) },
    { name: 'compressed message (flag 1) counts', messages: 1, lost: false,
      run: (c) => c.feed(Uint8Array.of(1, 0, 0, 0, 2, 0xaa, 0xbb)) },
    { name: 'truncated: a prefix begun counts, the boundary is not reached', messages: 1, lost: false,
      run: (c) => c.feed(Uint8Array.of(0, 0, 0, 1, 0, 0x61)) },
  ];
  for (const t of cases) {
    it(t.name, () => {
      const c = new GrpcMessageCounter();
      t.run(c);
      assert.equal(c.messages, t.messages);
      assert.equal(c.lost, t.lost);
    });
  }
});
