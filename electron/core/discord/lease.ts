import type Database from 'better-sqlite3';
import { hostname } from 'node:os';

const LEASE_MS = 15_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface BridgeRow {
  owner: string;
  pid: number;
  host: string;
  lease_until: number;
  mode: string | null;
  connected: number;
  last_error: string | null;
  updated_at: string;
}

/**
 * One deliverer per project, across processes (the host, `governor discord run`, a second window): a
 * lease row in the project's database. A holder renews it; a holder that died (its pid is gone on this
 * machine, or its lease ran out) is taken over at once, so `kill -9` never leaves the outbox unattended.
 */
export function createLease(db: Database.Database, owner: string, now: () => number = Date.now) {
  const get = db.prepare<[], BridgeRow>('SELECT * FROM discord_bridge WHERE id = 1');
  const put = db.prepare(
    `INSERT INTO discord_bridge (id, owner, pid, host, lease_until, mode, connected, last_error, updated_at)
       VALUES (1, ?, ?, ?, ?, ?, 0, NULL, ?)
     ON CONFLICT(id) DO UPDATE SET owner = excluded.owner, pid = excluded.pid, host = excluded.host,
       lease_until = excluded.lease_until, mode = excluded.mode, updated_at = excluded.updated_at,
       connected = CASE WHEN discord_bridge.owner = excluded.owner THEN discord_bridge.connected ELSE 0 END,
       last_error = CASE WHEN discord_bridge.owner = excluded.owner THEN discord_bridge.last_error ELSE NULL END`,
  );
  const connected = db.prepare('UPDATE discord_bridge SET connected = ?, updated_at = ? WHERE id = 1 AND owner = ?');
  const lastError = db.prepare('UPDATE discord_bridge SET last_error = ?, updated_at = ? WHERE id = 1 AND owner = ?');
  const release = db.prepare(
    'UPDATE discord_bridge SET lease_until = 0, connected = 0, updated_at = ? WHERE id = 1 AND owner = ?',
  );
  const me = { pid: process.pid, host: hostname() };
  return {
    /** Take or renew the lease; false while another live process holds it. */
    acquire(mode: string): boolean {
      return db
        .transaction(() => {
          const row = get.get();
          const t = now();
          const mine = row?.owner === owner;
          const free = !row || mine || row.lease_until < t || (row.host === me.host && !alive(row.pid));
          if (!free) return false;
          put.run(owner, me.pid, me.host, t + LEASE_MS, mode, new Date(t).toISOString());
          return true;
        })
        .immediate();
    },
    /** What the status call shows: is the bot's gateway connected (webhook mode: did the last send work). */
    noteConnected(up: boolean): void {
      connected.run(up ? 1 : 0, new Date(now()).toISOString(), owner);
    },
    /** The last delivery problem, already redacted; null once a send works again. */
    noteError(error: string | null): void {
      lastError.run(error, new Date(now()).toISOString(), owner);
    },
    release(): void {
      release.run(new Date(now()).toISOString(), owner);
    },
  };
}
export type Lease = ReturnType<typeof createLease>;

export function bridgeRow(db: Database.Database): BridgeRow | null {
  return db.prepare<[], BridgeRow>('SELECT * FROM discord_bridge WHERE id = 1').get() ?? null;
}

export const LEASE_RENEW_MS = 5_000;
