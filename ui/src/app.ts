import { ApiError } from './api.js';
import { h, s } from './dom.js';
import { rangePicker } from './components/range-picker.js';
import { themeToggle } from './components/theme-toggle.js';
import { startLive, type LiveState } from './live.js';
import type { Page, PageServices } from './page.js';
import { currentRoute, href, rangeOf, replaceQuery, type PageName } from './router.js';
import { createPage } from './pages/registry.js';

const NAV: { page: PageName; label: string; path: string; also?: PageName[] }[] = [
  { page: 'overview', label: 'Overview', path: 'overview', also: ['service'] },
  { page: 'map', label: 'Service map', path: 'map' },
  { page: 'requests', label: 'Requests', path: 'requests', also: ['request'] },
  { page: 'flows', label: 'Flows', path: 'flows' },
  { page: 'alerts', label: 'Alerts', path: 'alerts' },
  { page: 'profiles', label: 'Profiles', path: 'profiles' },
  { page: 'system', label: 'System', path: 'system' },
];

const RETRY_MS = [2_000, 4_000, 8_000, 15_000, 30_000];

function logo(): SVGSVGElement {
  return s('svg', { viewBox: '0 0 24 24', width: 20, height: 20, 'aria-hidden': 'true', class: 'logo' },
    s('circle', { cx: 12, cy: 12, r: 3, fill: 'currentColor' }),
    s('path', { d: 'M5.6 5.6a9 9 0 0 0 0 12.8M18.4 5.6a9 9 0 0 1 0 12.8M8.5 8.5a4.9 4.9 0 0 0 0 7M15.5 8.5a4.9 4.9 0 0 1 0 7', fill: 'none', stroke: 'currentColor', 'stroke-width': 1.8, 'stroke-linecap': 'round' }));
}

/** The shell: header, outage banner, the current page, live refresh and retry. */
export function startApp(root: HTMLElement): void {
  const brand = h('a', { class: 'brand', href: '#/overview', testid: 'brand' }, logo(), 'sonde');
  const navLinks = NAV.map((n) => ({ n, a: h('a', { href: `#/${n.path}`, testid: `nav-${n.page}` }, n.label) }));
  const picker = rangePicker((range) => {
    replaceQuery({ range });
    onRoute(false);
  });
  const liveDot = h('span', { class: 'live-dot' });
  const liveText = h('span', null, 'connecting');
  const live = h('span', { class: 'live', testid: 'live-status', 'data-state': 'connecting' }, liveDot, liveText);
  const bannerText = h('span', { testid: 'api-error-message' });
  const retryButton = h('button', { type: 'button', class: 'button small', testid: 'api-retry' }, 'Retry now');
  const banner = h('div', { class: 'banner', role: 'alert', hidden: true, testid: 'api-error-banner' }, bannerText, retryButton);
  const main = h('main', { id: 'page', testid: 'page' });
  root.replaceChildren(
    h('header', { class: 'topbar' },
      brand,
      h('nav', { class: 'nav', 'aria-label': 'Pages' }, ...navLinks.map((l) => l.a)),
      h('div', { class: 'topbar-tools' }, live, picker.el, themeToggle())),
    banner,
    main);

  let page: Page | null = null;
  let pageKey = '';
  let controller = new AbortController();
  let running: Promise<void> | null = null;
  let again = false;
  let failures = 0;
  let retryTimer: number | undefined;
  let retryAt = 0;
  let countdown: number | undefined;

  const services: PageServices = { refresh: () => void refresh() };

  const showOutage = (err: unknown): void => {
    const delay = RETRY_MS[Math.min(failures, RETRY_MS.length - 1)] ?? 30_000;
    failures++;
    let message: string;
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
      message = `The agent refused the request (${err.status}: ${err.message}). Open the UI with ?token=<token> in its URL.`;
    } else if (err instanceof ApiError && err.status === 0) {
      message = 'Cannot reach the sonde agent.';
    } else {
      message = `The agent could not answer: ${(err as Error).message}.`;
    }
    clearTimeout(retryTimer);
    retryAt = Date.now() + delay;
    retryTimer = window.setTimeout(() => void refresh(), delay);
    const render = (): void => {
      const left = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
      bannerText.textContent = `${message} Retrying in ${left} s.`;
    };
    render();
    clearInterval(countdown);
    countdown = window.setInterval(render, 1000);
    banner.hidden = false;
    document.body.classList.add('api-down');
  };

  const clearOutage = (): void => {
    failures = 0;
    clearTimeout(retryTimer);
    clearInterval(countdown);
    banner.hidden = true;
    document.body.classList.remove('api-down');
  };

  const runOnce = async (): Promise<void> => {
    if (!page) return;
    const route = currentRoute();
    try {
      await page.refresh({ route, range: rangeOf(route), signal: controller.signal });
      clearOutage();
    } catch (err) {
      if ((err as Error).name === 'AbortError') return;
      if (!(err instanceof ApiError)) console.error(err);
      showOutage(err);
    }
  };

  /** One refresh at a time; ticks that arrive meanwhile fold into one more run. */
  const refresh = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await runOnce();
      } while (again);
    })().finally(() => { running = null; });
    return running;
  };

  /**
   * `navigated` is true for a real hash change (a link, back/forward, an edited URL): the page is
   * rebuilt from the URL even when it is the same page. Filters and the range picker rewrite the
   * URL in place and call this with false, keeping the page and its state.
   */
  const onRoute = (navigated: boolean): void => {
    const route = currentRoute();
    const range = rangeOf(route);
    picker.set(range);
    brand.setAttribute('href', href('overview'));
    for (const { n, a } of navLinks) {
      a.setAttribute('href', href(n.path));
      const active = n.page === route.page || (n.also?.includes(route.page) ?? false);
      if (active) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    const key = `${route.page}/${route.param}`;
    if (key !== pageKey || !page || navigated) {
      controller.abort();
      controller = new AbortController();
      page?.dispose?.();
      pageKey = key;
      page = createPage(route, services);
      main.replaceChildren(page.el);
      window.scrollTo(0, 0);
    }
    document.title = `${page.title} · sonde`;
    void refresh();
  };

  retryButton.addEventListener('click', () => {
    clearTimeout(retryTimer);
    void refresh();
  });
  window.addEventListener('hashchange', () => onRoute(true));
  document.addEventListener('visibilitychange', () => { if (!document.hidden) void refresh(); });
  startLive(() => {
    // A hidden tab skips ticks and catches up once when shown again.
    if (!document.hidden) void refresh();
  }, (state: LiveState) => {
    live.dataset.state = state;
    liveText.textContent = state === 'live' ? 'live' : state === 'polling' ? 'polling' : 'connecting';
    live.title = state === 'live' ? 'Updating every tick from /api/v1/events'
      : state === 'polling' ? 'Event stream unavailable: refreshing every 5 s' : 'Connecting to the event stream…';
  });
  onRoute(true);
}
