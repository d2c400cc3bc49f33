/**
 * Work the bridge starts in the background (exports after a change, the loop), one job at a time: the
 * exporter appends to the audit JSONL files, and two appends racing would write a line twice.
 */
export function createSerial(onError: (err: unknown) => void) {
  let tail: Promise<void> = Promise.resolve();
  const queued = new Set<string>();
  const run = (job: () => unknown): Promise<void> => {
    const next = tail.then(async () => {
      try {
        await job();
      } catch (err) {
        onError(err);
      }
    });
    tail = next;
    return next;
  };
  return {
    run,
    /** Like `run`, but a job of the same name already waiting to start covers this one. */
    once(name: string, job: () => unknown): Promise<void> {
      if (queued.has(name)) return tail;
      queued.add(name);
      return run(() => {
        queued.delete(name);
        return job();
      });
    },
    /** Resolves once everything queued so far has finished. */
    idle(): Promise<void> {
      return tail;
    },
  };
}
