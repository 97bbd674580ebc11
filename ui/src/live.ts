import { eventsUrl } from './api.js';
import type { Tick } from './types.js';

export type LiveState = 'connecting' | 'live' | 'polling';

const RECONNECT_MS = 10_000;
const POLL_MS = 5_000;

/**
 * Follows `/api/v1/events`. EventSource reconnects by itself after a dropped connection but
 * gives up for good on an HTTP error; then this reopens it every 10 s and, meanwhile, polls
 * every 5 s so the page still updates.
 */
export function startLive(onTick: (tick: Tick | null) => void, onState: (state: LiveState) => void): () => void {
  let source: EventSource | null = null;
  let pollTimer: number | undefined;
  let reopenTimer: number | undefined;
  let stopped = false;

  const poll = (on: boolean): void => {
    if (on && pollTimer === undefined) pollTimer = window.setInterval(() => onTick(null), POLL_MS);
    if (!on && pollTimer !== undefined) {
      clearInterval(pollTimer);
      pollTimer = undefined;
    }
  };

  const open = (): void => {
    if (stopped) return;
    onState('connecting');
    const es = new EventSource(eventsUrl());
    source = es;
    es.addEventListener('open', () => {
      poll(false);
      onState('live');
    });
    es.addEventListener('tick', (ev) => {
      let tick: Tick | null = null;
      try {
        tick = JSON.parse((ev as MessageEvent<string>).data) as Tick;
      } catch {
        // a tick with a bad payload still means "new data"
      }
      onTick(tick);
    });
    es.addEventListener('error', () => {
      poll(true);
      if (es.readyState === EventSource.CLOSED) {
        onState('polling');
        reopenTimer = window.setTimeout(open, RECONNECT_MS);
      } else {
        onState('connecting');
      }
    });
  };

  open();
  return () => {
    stopped = true;
    source?.close();
    poll(false);
    clearTimeout(reopenTimer);
  };
}
