import type { Route } from './router.js';
import type { Range } from './types.js';

export interface PageContext {
  route: Route;
  range: Range;
  /** Aborted when the user leaves the page, so late answers never land on the next one. */
  signal: AbortSignal;
}

/**
 * A page builds its skeleton (filters, section frames) once in `el`, and each `refresh` only
 * swaps data into it: live updates keep inputs, focus, sort order and scroll position.
 * `refresh` throws on an outage (the shell shows the banner and retries); a page handles the
 * answers it expects itself, such as 404 for a missing record or 400 for a bad filter.
 */
export interface Page {
  el: HTMLElement;
  title: string;
  refresh(ctx: PageContext): Promise<void>;
  dispose?(): void;
}

export interface PageServices {
  /** Re-fetch now, e.g. after a filter changed. */
  refresh(): void;
}
