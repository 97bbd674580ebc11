// A shallow copy of a plain object that stays cheap to add properties to. V8 gives an object made
// by spread (`{ ...a }`) a map that every added property then has to leave through the runtime:
// ~0.5 µs per property here, so a record's attributes spread and then extended by five keys cost
// ~3 µs, against ~0.1 µs for this copy (measured on Node 20 for bench/db's SQL records).

/** The copy is the caller's own, so it comes back writable. */
export type Writable<T> = { -readonly [K in keyof T]: T[K] };

export function extendableCopy<T extends object>(source: T): Writable<T> {
  const copy = {} as Record<string, unknown>;
  for (const key in source) {
    if (Object.hasOwn(source, key)) copy[key] = (source as Record<string, unknown>)[key];
  }
  return copy as Writable<T>;
}
