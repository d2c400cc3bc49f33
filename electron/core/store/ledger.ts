import type Database from 'better-sqlite3';
import type { EventType, LedgerEvent, NewEvent } from '../../../shared/index.ts';
import { EventPayloads, EventType as EventTypeSchema } from '../../../shared/index.ts';
import { GovernorError, IntegrityError } from '../errors.ts';
import { GENESIS_HASH, chainHashV2, payloadText } from './hash.ts';
import { type EventRow, type VerifyResult, chainCheck, decodeTs, encodeTs } from './chain.ts';
import { PROJECTION_TABLES } from './migrations.ts';
import { openLedgerDb } from './open-db.ts';
import { CHAIN_V2_KEY } from './migrate-lean.ts';
import { monotonicUlids } from './event-ids.ts';
import { createProjector } from './projections.ts';
import { searchDoc, subjectToken } from './search.ts';

export type { VerifyResult };

/** An events row with its predecessor's hash, which is what `prev_hash` is (it is not stored twice). */
type RowWithPrev = EventRow & { prev: Buffer | null };
/** Every events column plus the previous row's hash, for reads that hand out whole events. */
const ROW_WITH_PREV =
  'e.seq, e.id, e.ts, e.type, e.actor, e.payload, e.hash, (SELECT p.hash FROM events p WHERE p.seq = e.seq ' +
  '- 1) AS prev';

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
  private readonly index;
  private readonly head;
  private readonly hashBytes = Buffer.alloc(32);
  /** The first seq hashed in chain format 2 (see hash.ts). */
  private readonly v2From: number;
  private active: Tx | null = null;

  constructor(
    readonly path: string,
    opts: LedgerOptions = {},
  ) {
    this.db = openLedgerDb(path);
    this.clock = opts.clock ?? (() => new Date());
    this.nextId = opts.ids ?? monotonicUlids();
    this.projector = createProjector(this.db);
    this.insert = this.db.prepare(
      'INSERT INTO events (seq, id, ts, type, actor, payload, hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.index = this.db.prepare('INSERT INTO events_search (rowid, doc) VALUES (?, ?)');
    this.head = this.db.prepare<[], { seq: number; hash: Buffer }>(
      'SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1',
    );
    const v2 = this.db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(CHAIN_V2_KEY);
    this.v2From = v2 ? Number(v2.value) : 1;
  }

  /**
   * Run `fn` in one write transaction; appends inside it are atomic with any reads it made.
   * A transact() inside another joins the outer transaction, so helpers compose.
   */
  transact<R>(fn: (tx: Tx) => R): R {
    return this.transaction((tx) => fn(tx));
  }

  /** transact, with `batch` handed the whole-transaction appender when this transaction is the outermost. */
  private transaction<R>(fn: (tx: Tx, batch: ((events: readonly NewEvent[]) => LedgerEvent[]) | null) => R): R {
    if (this.active) return fn(this.active, null);
    const appended: LedgerEvent[] = [];
    let batch: ((events: readonly NewEvent[]) => LedgerEvent[]) | null = null;
    const run = this.db.transaction(() => {
      // Rows another process wrote since our last transaction are read afresh.
      this.projector.begin();
      const h = this.head.get();
      let seq = h?.seq ?? 0;
      let prev = h ? h.hash.toString('hex') : GENESIS_HASH;
      // One clock reading per transaction: its events happened together.
      let now: { iso: string; stored: number | string } | null = null;
      const clockTs = (): { iso: string; stored: number | string } => {
        if (now === null) {
          const iso = this.clock().toISOString();
          now = { iso, stored: encodeTs(iso) };
        }
        return now;
      };
      // The payload text and stored `ts` of the event `build` made last (scalars beside it, not an object).
      let text = '';
      let stored: number | string = 0;
      /** An event validated, serialised and chained, as its row will hold it. */
      const build = <T extends EventType>(e: NewEvent<T>): LedgerEvent => {
        const payload = EventPayloads[e.type].parse(e.payload);
        const id = e.id ?? this.nextId();
        const ts = e.ts ?? clockTs().iso;
        text = payloadText(payload);
        const hash = chainHashV2(prev, seq + 1, id, ts, e.type, e.actor, text);
        stored = e.ts === undefined ? clockTs().stored : encodeTs(ts);
        seq += 1;
        const ev: LedgerEvent = { seq, id, ts, type: e.type, actor: e.actor, payload, prev_hash: prev, hash };
        prev = hash;
        return ev;
      };
      const insert = (ev: LedgerEvent, payload: string | undefined, ts: number | string | undefined): void => {
        // SQLite copies a bound blob, so one buffer serves every row (a Buffer per event was ~5% of an append).
        this.hashBytes.write(ev.hash, 'hex');
        this.insert.run(ev.seq, ev.id, ts, ev.type, ev.actor, payload, this.hashBytes);
      };
      const index = (ev: LedgerEvent) => this.index.run(ev.seq, searchDoc(ev.type, ev.actor, ev.payload));
      const project = (ev: LedgerEvent) => {
        this.projector.apply(ev.type, ev.payload, ev);
        appended.push(ev);
      };
      const tx: Tx = {
        db: this.db,
        append: (e) => {
          const before = { seq, prev };
          try {
            const ev = build(e);
            insert(ev, text, stored);
            index(ev);
            project(ev);
            return ev;
          } catch (err) {
            // A caller that catches this and appends again in the same transaction continues the chain here.
            ({ seq, prev } = before);
            throw err;
          }
        },
      };
      batch = (events) => {
        // In phases, each over the whole batch: the JavaScript work, the event rows, the search index rows,
        // the projections. Alternating between them per event cost a third more (each evicted the other's
        // code and data from the CPU's caches). Only for a whole transaction of its own (a throw undoes
        // all of it); the projections read no events, so they may come after the rows. Plain loops over
        // arrays: a closure or a wrapper object per event was a tenth of an append, most of it collected.
        const n = events.length;
        const built = new Array<LedgerEvent>(n);
        const texts = new Array<string>(n);
        const storedTs = new Array<number | string>(n);
        for (let i = 0; i < n; i++) {
          built[i] = build(events[i] as NewEvent);
          texts[i] = text;
          storedTs[i] = stored;
        }
        for (let i = 0; i < n; i++) insert(built[i] as LedgerEvent, texts[i], storedTs[i]);
        for (let i = 0; i < n; i++) index(built[i] as LedgerEvent);
        // Nothing reads between these events, so a row they change many times is written once.
        this.projector.deferred(() => {
          for (let i = 0; i < n; i++) project(built[i] as LedgerEvent);
        });
        return built;
      };
      this.active = tx;
      try {
        const result = fn(tx, batch);
        const last = appended.at(-1);
        if (last) {
          this.projector.touch(last);
          const sealed: Tx = {
            db: this.db,
            append: () => {
              throw new GovernorError('internal', 'a transaction hook may not append events');
            },
          };
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
    return this.transaction((tx, batch) => (batch ? batch(events) : events.map((e) => tx.append(e))));
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
    return this.head.get()?.hash.toString('hex') ?? GENESIS_HASH;
  }

  /** Events with seq > after, oldest first. */
  read(after = 0, limit = 1000): LedgerEvent[] {
    const rows = this.db
      .prepare<[number, number], RowWithPrev>(
        `SELECT ${ROW_WITH_PREV} FROM events e WHERE e.seq > ? ORDER BY e.seq LIMIT ?`,
      )
      .all(after, limit);
    return rows.map(toEvent);
  }

  /** Events of the given types with seq > after, oldest first. */
  readTypes(types: readonly EventType[], after = 0, limit = 100_000): LedgerEvent[] {
    const marks = types.map(() => '?').join(',');
    // Several types since a recent cursor (the exporter after each step): the few events are walked by seq.
    // Through the (type, seq) index, `IN (…) ORDER BY seq LIMIT` sorts in a temp b-tree, 5 to 20 times slower.
    const by = types.length > 1 && this.count() - after <= 1000 ? 'events e NOT INDEXED' : 'events e';
    const rows = this.db
      .prepare<unknown[], RowWithPrev>(
        `SELECT ${ROW_WITH_PREV} FROM ${by} WHERE e.type IN (${marks}) AND e.seq > ? ORDER BY e.seq LIMIT ?`,
      )
      .all(...types, after, limit);
    return rows.map(toEvent);
  }

  /**
   * The seq of the newest event of any of these types, 0 when there is none. One indexed lookup per type
   * (`events_type` is (type, seq), so each MAX is a seek): `type IN (…)` would walk every matching entry.
   */
  lastSeqOf(types: readonly EventType[]): number {
    const stmt = this.db.prepare<[string], { seq: number | null }>('SELECT MAX(seq) AS seq FROM events WHERE type = ?');
    return types.reduce((max, t) => Math.max(max, stmt.get(t)?.seq ?? 0), 0);
  }

  /** Events with these seqs (any order in, seq order out): a page the search index found. */
  bySeqs(seqs: readonly number[]): LedgerEvent[] {
    if (seqs.length === 0) return [];
    const rows = this.db
      .prepare<number[], RowWithPrev>(
        `SELECT ${ROW_WITH_PREV} FROM events e WHERE e.seq IN (${seqs.map(() => '?').join(',')}) ORDER BY e.seq`,
      )
      .all(...seqs);
    return rows.map(toEvent);
  }

  /**
   * The events about one record (a concern, a handoff…: naming it as their payload's `id` or `…_id`), oldest
   * first, up to `upTo`. The search index keeps a token per record, so this reads those events only.
   */
  about(id: string, upTo = Number.MAX_SAFE_INTEGER): LedgerEvent[] {
    const seqs = this.db
      .prepare<[string, number], { seq: number }>(
        'SELECT rowid AS seq FROM events_search WHERE events_search MATCH ? AND rowid <= ? ORDER BY rowid',
      )
      .all(`"${subjectToken(id)}"`, upTo)
      .map((r) => r.seq);
    const named = (p: unknown) =>
      Object.entries(p as Record<string, unknown>).some(([k, v]) => (k === 'id' || k.endsWith('_id')) && v === id);
    return this.bySeqs(seqs).filter((e) => e.payload !== null && typeof e.payload === 'object' && named(e.payload));
  }

  byId(id: string): LedgerEvent | null {
    const row = this.db.prepare<[string], RowWithPrev>(`SELECT ${ROW_WITH_PREV} FROM events e WHERE e.id = ?`).get(id);
    return row ? toEvent(row) : null;
  }

  /** Walk the chain from genesis; name the first event whose hash, link or payload does not hold. */
  verify(): VerifyResult {
    const check = chainCheck(this.v2From);
    for (const row of this.db
      .prepare<[], EventRow>('SELECT seq, id, ts, type, actor, payload, hash FROM events ORDER BY seq')
      .iterate()) {
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
  async verifyPaged(
    onProgress: (checked: number, total: number) => void = () => {},
    progressEvery = 20_000,
    sliceMs = 8,
  ): Promise<VerifyResult> {
    const total = this.count();
    // Small pages: a page is read in one synchronous call, so its size bounds the longest wait too.
    const page = this.db.prepare<[number, number, number], EventRow>(
      'SELECT seq, id, ts, type, actor, payload, hash FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?',
    );
    const check = chainCheck(this.v2From);
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
    if (!v.ok && v.firstBad)
      throw new IntegrityError(`ledger event #${v.firstBad.seq} (${v.firstBad.id}): ${v.firstBad.reason}`);
  }

  /** Drop every projection and replay the events into them. */
  rebuildProjections(): void {
    this.db
      .transaction(() => {
        this.projector.begin();
        for (const t of PROJECTION_TABLES) this.db.exec(`DELETE FROM ${t}`);
        // Paged, because one connection cannot write while it is still iterating a read.
        const page = this.db.prepare<[number], Omit<EventRow, 'hash'>>(
          'SELECT seq, id, ts, type, actor, payload FROM events WHERE seq > ? ORDER BY seq LIMIT 5000',
        );
        for (let after = 0; ; ) {
          const rows = page.all(after);
          if (rows.length === 0) break;
          for (const row of rows)
            this.projector.apply(EventTypeSchema.parse(row.type), JSON.parse(row.payload), {
              ...row,
              ts: decodeTs(row.ts),
            });
          const last = rows.at(-1);
          if (last) this.projector.touch({ ...last, ts: decodeTs(last.ts) });
          after = last?.seq ?? after;
        }
      })
      .immediate();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

function toEvent(row: RowWithPrev): LedgerEvent {
  const type = EventTypeSchema.safeParse(row.type);
  if (!type.success) throw new GovernorError('integrity', `ledger event #${row.seq} has unknown type "${row.type}"`);
  return {
    seq: row.seq,
    id: row.id,
    ts: decodeTs(row.ts),
    type: type.data,
    actor: row.actor as LedgerEvent['actor'],
    payload: JSON.parse(row.payload) as unknown,
    prev_hash: row.prev ? row.prev.toString('hex') : GENESIS_HASH,
    hash: row.hash.toString('hex'),
  };
}
