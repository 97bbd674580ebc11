import { h, s } from '../dom.js';

export type Theme = 'light' | 'dark';

export const THEME_EVENT = 'sonde:theme';
const STORAGE_KEY = 'sonde.theme';

function stored(): Theme | null {
  try {
    const v = localStorage.getItem(STORAGE_KEY);
    return v === 'light' || v === 'dark' ? v : null;
  } catch {
    return null; // storage disabled (private mode, file policy): fall back to the OS preference
  }
}

export function systemTheme(): Theme {
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function currentTheme(): Theme {
  return document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light';
}

/** Applies the remembered choice, else the OS preference (and follows it until the user chooses). */
export function initTheme(): void {
  document.documentElement.dataset.theme = stored() ?? systemTheme();
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
    if (stored() === null) setTheme(systemTheme(), false);
  });
}

export function setTheme(theme: Theme, remember = true): void {
  document.documentElement.dataset.theme = theme;
  if (remember) {
    try {
      localStorage.setItem(STORAGE_KEY, theme);
    } catch {
      // not remembered; the toggle still works for this page
    }
  }
  window.dispatchEvent(new CustomEvent(THEME_EVENT, { detail: theme }));
}

function icon(theme: Theme): SVGSVGElement {
  // Shows what a click switches to: a moon in light mode, a sun in dark mode.
  return theme === 'light'
    ? s('svg', { viewBox: '0 0 24 24', width: 16, height: 16, 'aria-hidden': 'true' },
      s('path', { d: 'M20 14.5A8 8 0 0 1 9.5 4a8 8 0 1 0 10.5 10.5z', fill: 'currentColor' }))
    : s('svg', { viewBox: '0 0 24 24', width: 16, height: 16, 'aria-hidden': 'true' },
      s('circle', { cx: 12, cy: 12, r: 4.5, fill: 'currentColor' }),
      s('path', { d: 'M12 1.5v3M12 19.5v3M1.5 12h3M19.5 12h3M4.6 4.6l2.1 2.1M17.3 17.3l2.1 2.1M4.6 19.4l2.1-2.1M17.3 6.7l2.1-2.1', stroke: 'currentColor', 'stroke-width': 2, 'stroke-linecap': 'round' }));
}

export function themeToggle(): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'icon-button', testid: 'theme-toggle' });
  const render = (): void => {
    const theme = currentTheme();
    const next = theme === 'light' ? 'dark' : 'light';
    button.title = `Switch to ${next} theme`;
    button.setAttribute('aria-label', button.title);
    button.dataset.theme = theme;
    button.replaceChildren(icon(theme));
  };
  button.addEventListener('click', () => setTheme(currentTheme() === 'light' ? 'dark' : 'light'));
  window.addEventListener(THEME_EVENT, render);
  render();
  return button;
}
