import type { TlsBinary, TlsLibraryKind } from './tls-targets.js';

/** One function of a TLS library and the programs (in bpf/lib/l7_tls.bpf.h) hooked on it. */
interface ProbeSpec {
  func: string;
  entry: string;
  /** The uretprobe program, for calls whose result (byte count) matters. */
  ret?: string;
  /** Without it the binary is not probed at all (the plaintext would be one-sided or none). */
  required?: boolean;
}

const PROBES: Readonly<Record<TlsLibraryKind, readonly ProbeSpec[]>> = {
  openssl: [
    { func: 'SSL_write', entry: 'l7_ssl_write_entry', ret: 'l7_tls_return', required: true },
    { func: 'SSL_read', entry: 'l7_ssl_read_entry', ret: 'l7_tls_return', required: true },
    // OpenSSL 1.1.1+; Python's ssl module calls these.
    { func: 'SSL_write_ex', entry: 'l7_ssl_write_ex_entry', ret: 'l7_tls_return' },
    { func: 'SSL_read_ex', entry: 'l7_ssl_read_ex_entry', ret: 'l7_tls_return' },
    { func: 'SSL_free', entry: 'l7_ssl_free' },
  ],
  gnutls: [
    { func: 'gnutls_record_send', entry: 'l7_gnutls_send_entry', ret: 'l7_tls_return', required: true },
    { func: 'gnutls_record_recv', entry: 'l7_gnutls_recv_entry', ret: 'l7_tls_return', required: true },
    { func: 'gnutls_deinit', entry: 'l7_gnutls_deinit' },
  ],
};

/** What attaches a program to a binary's function (L7Probes.attachUprobe). */
export type UprobeAttach = (program: string, binary: string, func: string, retprobe: boolean) => { destroy(): void };

/** The uprobes of one binary; destroy() detaches them all. */
export interface TlsAttachment {
  readonly binary: TlsBinary;
  /** Functions probed. */
  readonly functions: readonly string[];
  /** Optional functions the binary lacks (an old OpenSSL without SSL_read_ex). */
  readonly missing: readonly string[];
  destroy(): void;
}

/**
 * Attaches the uprobes of a TLS library to one binary (a shared library, or an executable that
 * links the library statically). Throws when a required function cannot be probed, after
 * detaching what it had attached.
 */
export function attachTlsProbes(attach: UprobeAttach, binary: TlsBinary): TlsAttachment {
  const links: { destroy(): void }[] = [];
  const functions: string[] = [];
  const missing: string[] = [];
  const destroy = (): void => {
    for (const l of links.splice(0)) l.destroy();
  };
  for (const spec of PROBES[binary.kind]) {
    const mine: { destroy(): void }[] = [];
    try {
      mine.push(attach(spec.entry, binary.path, spec.func, false));
      if (spec.ret !== undefined) mine.push(attach(spec.ret, binary.path, spec.func, true));
      links.push(...mine);
      functions.push(spec.func);
    } catch (err) {
      // An entry without its return would leave a thread's call open: both or neither.
      for (const l of mine) l.destroy();
      if (spec.required === true) {
        destroy();
        throw err;
      }
      missing.push(spec.func);
    }
  }
  return { binary, functions, missing, destroy };
}
