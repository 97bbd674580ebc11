/**
 * Resolves when the process is asked to stop (SIGINT/SIGTERM) or `durationMs` has passed,
 * whichever comes first; says which.
 */
export function runUntil(durationMs: number | null): Promise<'signal' | 'duration'> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (why: 'signal' | 'duration'): void => {
      if (timer) clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(why);
    };
    const onSignal = (): void => finish('signal');
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    if (durationMs !== null) timer = setTimeout(() => finish('duration'), durationMs);
  });
}
