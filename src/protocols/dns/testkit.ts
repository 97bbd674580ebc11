// Builds DNS messages for the tests (not a test file itself, not used by the agent). Captured
// bytes are in fixtures.ts; these are for cases no real server sends.

export interface BuildRecord {
  /** Raw owner-name bytes; defaults to a pointer to the first question name (0xc00c). */
  name?: number[];
  type: number;
  /** The TTL field's 4 bytes (an OPT record keeps the extended RCODE in the first). */
  ttl?: [number, number, number, number];
  rdata?: number[];
}

export interface BuildMessage {
  id?: number;
  response?: boolean;
  opcode?: number;
  rcode?: number;
  /** Raw question bytes (name, type, class) per question. */
  questions?: number[][];
  answers?: BuildRecord[];
  /** Header counts to write instead of the real ones. */
  counts?: [number, number, number, number];
  additional?: BuildRecord[];
}

/** `www.Example.test` → length-prefixed labels and the root label. */
export function wireName(name: string): number[] {
  const out: number[] = [];
  for (const label of name.split('.')) {
    if (label.length === 0) continue;
    out.push(label.length, ...Array.from(label, (c) => c.charCodeAt(0) & 0xff));
  }
  out.push(0);
  return out;
}

export function question(name: string, type = 1, cls = 1): number[] {
  return [...wireName(name), type >> 8, type & 0xff, cls >> 8, cls & 0xff];
}

export function buildMessage(m: BuildMessage): Uint8Array {
  const id = m.id ?? 0x1234;
  const questions = m.questions ?? [question('example.test')];
  const answers = m.answers ?? [];
  const additional = m.additional ?? [];
  const counts = m.counts ?? [questions.length, answers.length, 0, additional.length];
  const b2 = (m.response === true ? 0x80 : 0) | ((m.opcode ?? 0) << 3) | 0x01;
  const b3 = (m.response === true ? 0x80 : 0) | ((m.rcode ?? 0) & 0x0f);
  const out = [id >> 8, id & 0xff, b2, b3];
  for (const c of counts) out.push(c >> 8, c & 0xff);
  for (const q of questions) out.push(...q);
  for (const r of [...answers, ...additional]) out.push(...record(r));
  return Uint8Array.from(out);
}

function record(r: BuildRecord): number[] {
  const rdata = r.rdata ?? [];
  return [
    ...(r.name ?? [0xc0, 0x0c]), r.type >> 8, r.type & 0xff, 0, 1, ...(r.ttl ?? [0, 0, 0, 60]),
    rdata.length >> 8, rdata.length & 0xff, ...rdata,
  ];
}

/** 2-byte length prefix + message, as sent over TCP. */
export function framed(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(message.length + 2);
  out[0] = message.length >> 8;
  out[1] = message.length & 0xff;
  out.set(message, 2);
  return out;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
