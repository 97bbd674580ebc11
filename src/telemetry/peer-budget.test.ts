import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OTHER_PEER, PeerBudget } from './peer-budget.js';

describe('PeerBudget', () => {
  it('keeps each service\'s first peers and folds later new ones into the other peer', () => {
    const overflows: string[] = [];
    const budget = new PeerBudget({ maxPeersPerService: 2, onOverflow: (s) => overflows.push(s) });
    assert.equal(budget.label('nginx', '192.168.1.9'), '192.168.1.9');
    assert.equal(budget.label('nginx', '192.168.1.10'), '192.168.1.10');
    assert.equal(budget.label('nginx', '192.168.1.11'), OTHER_PEER);
    // Peers already kept keep their label after the limit is reached.
    assert.equal(budget.label('nginx', '192.168.1.9'), '192.168.1.9');
    // Each service has its own budget.
    assert.equal(budget.label('curl', '10.0.0.5:443'), '10.0.0.5:443');
    assert.deepEqual(overflows, ['nginx']);
  });

  for (const bad of [0, -1, 1.5, Number.NaN]) {
    it(`refuses a limit of ${bad}`, () => {
      assert.throws(() => new PeerBudget({ maxPeersPerService: bad }), /maxPeersPerService must be a positive integer/);
    });
  }
});
