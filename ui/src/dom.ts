/** Element construction without innerHTML: every string from the API lands as text, never as markup. */

export type Child = Node | string | number | null | undefined | false;

export interface Attrs {
  [name: string]: string | number | boolean | null | undefined | EventListener;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

function applyAttrs(el: Element, attrs: Attrs | null | undefined): void {
  if (!attrs) return;
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') {
      el.addEventListener(name.replace(/^on/, ''), value);
    } else if (name === 'style' && (el instanceof HTMLElement || el instanceof SVGElement)) {
      // Through the CSSOM, which a `style-src 'self'` policy allows, unlike a style attribute.
      el.style.cssText = String(value);
    } else if (name === 'testid') {
      el.setAttribute('data-testid', String(value));
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
}

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'number' ? String(c) : c);
  }
}

/** Swaps a container's content in one step, so the page never shows a half-built state. */
export function replace(el: Element, ...children: Child[]): void {
  const nodes: (Node | string)[] = [];
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    nodes.push(typeof c === 'number' ? String(c) : c);
  }
  el.replaceChildren(...nodes);
}

export function section(title: string, body: Node, opts: { testid?: string; aside?: Node; class?: string } = {}): HTMLElement {
  return h('section', { class: `card ${opts.class ?? ''}`.trim(), testid: opts.testid },
    h('header', { class: 'card-head' }, h('h2', null, title), opts.aside ?? null),
    body);
}
