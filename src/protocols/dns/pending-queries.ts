// Queries waiting for their response. A response names its query by message id and repeats the
// question (RFC 5452 §9.1 has resolvers check both), so pairing is by id, then question; the
// question makes a reused id (many lookups on one long-lived socket) pair with the right query.
// Oldest first, so the queue can be cut from the front when it is full.

import type { ExchangeProblem } from '../exchange.js';
import type { DnsQuestion } from './message.js';

export interface PendingQuery {
  id: number;
  /** null when the query's question could not be read: it then pairs by id alone. */
  question: DnsQuestion | null;
  startNs: number;
  endNs: number;
  requestBytes: number;
  /** What was wrong with the query itself. */
  problem: ExchangeProblem | null;
}

export class PendingQueries {
  /** Insertion order is arrival order: the first entry is the oldest. */
  private readonly queue = new Set<PendingQuery>();
  private readonly byId = new Map<number, PendingQuery[]>();

  get size(): number {
    return this.queue.size;
  }

  add(query: PendingQuery): void {
    this.queue.add(query);
    const sameId = this.byId.get(query.id);
    if (sameId === undefined) this.byId.set(query.id, [query]);
    else sameId.push(query);
  }

  /** A query still waiting with this id and question: a retransmit of it is not a new query. */
  findSame(id: number, question: DnsQuestion | null): PendingQuery | null {
    for (const q of this.byId.get(id) ?? []) {
      if (question === null ? q.question === null : q.question !== null && sameQuestion(q.question, question)) return q;
    }
    return null;
  }

  /**
   * Removes and returns the query a response answers: same id and, when both questions are
   * known, same question. A response without a question (some FORMERR replies) takes the oldest
   * query with its id.
   */
  takeAnswered(id: number, question: DnsQuestion | null): PendingQuery | null {
    const sameId = this.byId.get(id);
    if (sameId === undefined) return null;
    const match = sameId.find((q) => question === null || q.question === null || sameQuestion(q.question, question));
    if (match === undefined) return null;
    this.remove(match);
    return match;
  }

  takeOldest(): PendingQuery | null {
    for (const q of this.queue) {
      this.remove(q);
      return q;
    }
    return null;
  }

  /** Removes and returns, oldest first, the queries `test` picks. */
  takeWhere(test: (q: PendingQuery) => boolean): PendingQuery[] {
    const taken: PendingQuery[] = [];
    for (const q of this.queue) if (test(q)) taken.push(q);
    for (const q of taken) this.remove(q);
    return taken;
  }

  private remove(query: PendingQuery): void {
    if (!this.queue.delete(query)) return;
    const sameId = this.byId.get(query.id);
    if (sameId === undefined) return;
    const at = sameId.indexOf(query);
    if (at >= 0) sameId.splice(at, 1);
    if (sameId.length === 0) this.byId.delete(query.id);
  }
}

function sameQuestion(a: DnsQuestion, b: DnsQuestion): boolean {
  return a.type === b.type && a.class === b.class && a.name === b.name;
}
