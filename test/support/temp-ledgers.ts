import { join } from 'node:path';
import { afterEach } from 'vitest';
import { Ledger } from '../../electron/core/store/ledger.ts';
import { tempDir } from './tmp.ts';

/**
 * A ledger opener for one test file: each Ledger it opens (on a new temp file unless a path is given) is
 * closed after each test, so a failed assertion never leaves a database open for the next one.
 */
export function ledgersClosedAfterEach(): (path?: string) => Ledger {
  const opened: Ledger[] = [];
  afterEach(() => {
    for (const l of opened.splice(0)) l.close();
  });
  return (path = join(tempDir(), 'governor.db')) => {
    const l = new Ledger(path);
    opened.push(l);
    return l;
  };
}
