/**
 * Bounds the `peer` label of the flow metrics per service. A public server's inbound peers are
 * its clients' addresses, and a crawler's outbound ones every host it reaches: either would fill
 * a metric's whole series limit (metrics.max_series_per_metric) and fold every other service's
 * new series into overflow with it. Each service keeps its first `maxPeersPerService` peers;
 * later new ones are counted under OTHER_PEER, the way routes past their limit fold into
 * "/{other}".
 */

/** The label of a service's peers past its limit (the registry's own overflow value is `_other` too). */
export const OTHER_PEER = '_other';

export const DEFAULT_MAX_PEERS_PER_SERVICE = 100;

export interface PeerBudgetOptions {
  maxPeersPerService: number;
  /** Called for each flow whose peer was folded into OTHER_PEER. */
  onOverflow?: (serviceName: string) => void;
}

export class PeerBudget {
  readonly #max: number;
  readonly #onOverflow: ((serviceName: string) => void) | undefined;
  readonly #peers = new Map<string, Set<string>>();

  constructor(options: PeerBudgetOptions) {
    if (!Number.isInteger(options.maxPeersPerService) || options.maxPeersPerService < 1) {
      throw new RangeError(`maxPeersPerService must be a positive integer, got ${options.maxPeersPerService}`);
    }
    this.#max = options.maxPeersPerService;
    this.#onOverflow = options.onOverflow;
  }

  /** The label `peer` of `serviceName` is counted under. */
  label(serviceName: string, peer: string): string {
    let peers = this.#peers.get(serviceName);
    if (peers === undefined) {
      peers = new Set();
      this.#peers.set(serviceName, peers);
    }
    if (peers.has(peer)) return peer;
    if (peers.size < this.#max) {
      peers.add(peer);
      return peer;
    }
    this.#onOverflow?.(serviceName);
    return OTHER_PEER;
  }
}
