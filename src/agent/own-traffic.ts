import type { L7Exchange } from '../correlate/l7-exchange.js';

/** Where the agent serves (its API/UI and health listeners). */
export interface AgentEndpoints {
  pid: number;
  /** Ports the agent listens on, with the address each is bound to ("0.0.0.0"/"::" for any). */
  listeners: ReadonlyArray<{ address: string; port: number }>;
}

const ANY = new Set(['0.0.0.0', '::']);
const unmapped = (addr: string): string => (addr.startsWith('::ffff:') ? addr.slice(7) : addr);

/**
 * Whether an exchange is the agent watching itself: its own API answering (a UI open in a
 * browser polls it every few seconds), or a local client calling it. Left in, the UI's own
 * refreshes would fill the request list and put the agent on the service map.
 */
export function isOwnTraffic(x: L7Exchange, agent: AgentEndpoints): boolean {
  if (x.pid === agent.pid) return true;
  if (x.side !== 'client') return false;
  const remote = unmapped(x.remoteAddr);
  return agent.listeners.some((l) => l.port === x.remotePort && (ANY.has(l.address) || unmapped(l.address) === remote));
}
