import Database from 'better-sqlite3';
import { monotonicFactory } from 'ulid';
import type { EventType, LedgerEvent, NewEvent } from '../../../shared/index.ts';
import { EventPayloads, EventType as EventTypeSchema } from '../../../shared/index.ts';
import { GovernorError, IntegrityError } from '../errors.ts';
import { GENESIS_HASH, canonicalJson, eventHashWithPayloadJson } from './hash.ts';
import { type EventRow, type VerifyResult, chainCheck } from './chain.ts';
import { PROJECTION_TABLES, migrate } from './migrations.ts';

export type { VerifyResult };
import { createProjector } from './projections.ts';
import { holdNativeObjects } from './statement-cache.ts';

export interface LedgerOptions {
  /** Injected for replay and tests; defaults to the wall clock. */
  clock?: () => Date;
  /** Injected for replay; defaults to monotonic ULIDs. */
  ids?: () => string;
}


/** A write transaction: reads see everything before it, and its appends commit together or not at all. */
export interface Tx {
  append<T extends EventType>(e: NewEvent<T>): LedgerEvent;
  readonly db: Database.Database;
}

export type AppendListener = (events: readonly LedgerEvent[]) => void;

/**
 * Runs inside the write transaction, after its appends and before the commit: whatever it writes (an
 * outbox row) commits with the events or not at all. It must not append events.
 */
export type TransactionHook = (tx: Tx, events: readonly LedgerEvent[]) => void;

/**
 * The hash-chained, append-only event ledger: one SQLite file per project, WAL mode.
 * Appends run in IMMEDIATE transactions, so several processes (the loop, a CLI `decide`) serialise on the
 * database lock and each sees the true chain head; projections are updated in the same transaction.
 */
export class Ledger {
  readonly db: Database.Database;
  private readonly clock: () => Date;
  private readonly nextId: () => string;
  private readonly projector;
  private readonly listeners = new Set<AppendListener>();
  private readonly hooks = new Set<TransactionHook>();
  private readonly insert;
  private readonly head;
  private active: Tx | null = null;

  constructor(
    readonly path: string,
    opts: LedgerOptions = {},
  ) {
    this.db = new Database(path);
    // Before anything is prepared: Node 24.19+ aborts when the GC frees one of these (statement-cache.ts).
    holdNativeObjects(this.db);
    this.db.pragma('journal_mode = WAL');
    // FULL (not NORMAL) so an acknowledged append survives power loss, not only a process crash.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma('foreign_keys = ON');
    migrate(this.db);
    this.clock = opts.clock ?? (() => new Date());
    const ulid = monotonicFactory();
    this.nextId = opts.ids ?? (() => ulid());
    this.projector = createProjector(this.db);
    this.insert = this.db.prepare('INSERT INTO events (seq, id, ts, type, actor, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.head = this.db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1');
  }

  /**
   * Run `fn` in one write transaction; appends inside it are atomic with any reads it made.
   * A transact() inside another joins the outer transaction, so helpers compose.
   */
  transact<R>(fn: (tx: Tx) => R): R {
    if (this.active) return fn(this.active);
    const appended: LedgerEvent[] = [];
    const run = this.db.transaction(() => {
      const h = this.head.get();
      let seq = h?.seq ?? 0;
      let prev = h?.hash ?? GENESIS_HASH;
      // One clock reading per transaction: its events happened together.
      let now: string | null = null;
      const txTime = (): string => {
        if (now === null) now = this.clock().toISOString();
        return now;
      };
      const tx: Tx = {
        db: this.db,
        append: (e) => {
          const payload = EventPayloads[e.type].parse(e.payload);
          seq += 1;
          const ev = {
            seq,
            id: e.id ?? this.nextId(),
            ts: e.ts ?? txTime(),
            type: e.type,
            actor: e.actor,
            payload,
            prev_hash: prev,
          };
          const payloadJson = canonicalJson(payload);
          const hash = eventHashWithPayloadJson(ev, payloadJson);
          this.insert.run(ev.seq, ev.id, ev.ts, ev.type, ev.actor, payloadJson, ev.prev_hash, hash);
          this.projector.apply(ev.type, payload, ev);
          prev = hash;
          const full: LedgerEvent = { ...ev, hash };
          appended.push(full);
          return full;
        },
      };
      this.active = tx;
      try {
        const result = fn(tx);
        const last = appended.at(-1);
        if (last) {
          this.projector.touch(last);
          const sealed: Tx = { db: this.db, append: () => { throw new GovernorError('internal', 'a transaction hook may not append events'); } };
          for (const h of this.hooks) h(sealed, appended);
        }
        return result;
      } finally {
        this.active = null;
      }
    });
    const result = run.immediate();
    if (appended.length > 0) for (const l of this.listeners) l(appended);
    return result;
  }

  append(events: readonly NewEvent[]): LedgerEvent[] {
    return this.transact((tx) => events.map((e) => tx.append(e)));
  }

  /** A fresh event id, for effects (a commit's Audit-ID) that must name the event recording them. */
  newEventId(): string {
    return this.nextId();
  }

  /** Called inside each write transaction that appended events, before it commits (the Discord outbox). */
  onTransaction(hook: TransactionHook): () => void {
    this.hooks.add(hook);
    return () => this.hooks.delete(hook);
  }

  /** Notified after each committed transaction (in this process) with the events it appended. */
  onAppend(listener: AppendListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  count(): number {
    return this.head.get()?.seq ?? 0;
  }

  headHash(): string {
    return this.head.get()?.hash ?? GENESIS_HASH;
  }

  /** Events with seq > after, oldest first. */
  read(after = 0, limit = 1000): LedgerEvent[] {
    const rows = this.db.prepare<[number, number], EventRow>('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?').all(after, limit);
    return rows.map(toEvent);
  }

  /** Events of the given types with seq > after, oldest first. */
  readTypes(types: readonly EventType[], after = 0, limit = 100_000): LedgerEvent[] {
    const marks = types.map(() => '?').join(',');
    const rows = this.db
      .prepare<unknown[], EventRow>(`SELECT * FROM events WHERE type IN (${marks}) AND seq > ? ORDER BY seq LIMIT ?`)
      .all(...types, after, limit);
    return rows.map(toEvent);
  }

  byId(id: string): LedgerEvent | null {
    const row = this.db.prepare<[string], EventRow>('SELECT * FROM events WHERE id = ?').get(id);
    return row ? toEvent(row) : null;
  }

  /** Walk the chain from genesis; name the first event whose hash, link or payload does not hold. */
  verify(): VerifyResult {
    const check = chainCheck();
    for (const row of this.db.prepare<[], EventRow>('SELECT * FROM events ORDER BY seq').iterate()) {
      const bad = check.step(row);
      if (bad) return bad;
    }
    return check.result();
  }

  /**
   * The same check in slices, yielding to the event loop whenever a slice has run for `sliceMs`, so the
   * process that owns the window (or serves pages, or a Discord link) never waits long on a million events.
   * Progress is reported every `progressEvery` events and at the end. It checks the events that exist when
   * it starts; appends made meanwhile are for the next verification.
   */
  async verifyPaged(onProgress: (checked: number, total: number) => void = () => {}, progressEvery = 20_000, sliceMs = 8): Promise<VerifyResult> {
    const total = this.count();
    // Small pages: a page is read in one synchronous call, so its size bounds the longest wait too.
    const page = this.db.prepare<[number, number, number], EventRow>('SELECT * FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?');
    const check = chainCheck();
    let sliceStart = performance.now();
    let nextReport = Math.min(progressEvery, total);
    for (let after = 0; after < total; ) {
      const rows = page.all(after, total, 1_000);
      if (rows.length === 0) break;
      for (const row of rows) {
        const bad = check.step(row);
        if (bad) return bad;
        if (check.checked === nextReport) {
          onProgress(check.checked, total);
          nextReport = Math.min(nextReport + progressEvery, total);
        }
      }
      after = rows.at(-1)?.seq ?? total;
      if (performance.now() - sliceStart >= sliceMs) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
    }
    return check.result();
  }

  /** Throw unless the chain verifies. */
  assertIntact(): void {
    const v = this.verify();
    if (!v.ok && v.firstBad) throw new IntegrityError(`ledger event #${v.firstBad.seq} (${v.firstBad.id}): ${v.firstBad.reason}`);
  }

  /** Drop every projection and replay the events into them. */
  rebuildProjections(): void {
    this.db.transaction(() => {
      for (const t of PROJECTION_TABLES) this.db.exec(`DELETE FROM ${t}`);
      // Paged, because one connection cannot write while it is still iterating a read.
      const page = this.db.prepare<[number], EventRow>('SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT 5000');
      for (let after = 0; ; ) {
        const rows = page.all(after);
        if (rows.length === 0) break;
        for (const row of rows) this.projector.apply(EventTypeSchema.parse(row.type), JSON.parse(row.payload), row);
        const last = rows.at(-1);
        if (last) this.projector.touch(last);
        after = last?.seq ?? after;
      }
    }).immediate();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function toEvent(row: EventRow): LedgerEvent {
  const type = EventTypeSchema.safeParse(row.type);
  if (!type.success) throw new GovernorError('integrity', `ledger event #${row.seq} has unknown type "${row.type}"`);
  return { ...row, type: type.data, payload: JSON.parse(row.payload) as unknown, actor: row.actor as LedgerEvent['actor'] };
}
