import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../artifacts/atomic.ts';
import { GovernorError } from '../errors.ts';
import { RecordedTestRun, recordingRunner, replayingRunner, type TestCommandRunner } from '../qa/recorded-runs.ts';
import type { Redactor } from '../secrets/redact.ts';
import type { AgentName } from '../../../shared/index.ts';
import { WorkerTape, recordingWorker, replayWorker } from './workers/tape.ts';
import type { Worker } from './workers/worker.ts';

const Exchange = z.object({
  request: z.object({ url: z.string(), method: z.string(), body: z.string() }),
  response: z.object({ status: z.number().int(), headers: z.record(z.string(), z.string()), body: z.string() }),
});

const Ref = z.object({ name: z.string(), oid: z.string() });

/** A file of the working tree as the run found it: its bytes, or null when it was deleted. */
const TreeFile = z.object({ path: z.string(), base64: z.string().nullable() });

/**
 * What the driver of the run did, in order: run the loop until it stopped, or pass on a human decision
 * typed at its prompt; with the ledger's length when the step began and when it ended. A replay does the
 * same, in the same order, and puts other processes' events inside a step or between steps as they were.
 */
const Span = { at_seq: z.number().int().nonnegative(), end_seq: z.number().int().nonnegative() };
const DriverStep = z.discriminatedUnion('step', [
  z.object({ step: z.literal('loop'), ...Span }),
  z.object({ step: z.literal('input'), ...Span, call: z.literal('reviews.decide'), params: z.unknown() }),
]);
export type DriverStep = z.infer<typeof DriverStep>;

/** An event another process appended while the run went on (a decision from another terminal, Discord). */
const ForeignEvent = z.object({
  seq: z.number().int().positive(),
  id: z.string(),
  ts: z.string(),
  type: z.string(),
  actor: z.string(),
  payload: z.unknown(),
});
export type ForeignEvent = z.infer<typeof ForeignEvent>;

/**
 * Everything outside the engine that a run depends on: the project as the run found it (refs, checkout,
 * uncommitted files, configuration), model answers, what each test command measured, clock readings, new
 * ids, the human's decisions and other processes' events — and where the run ended, to compare with.
 */
export const Cassette = z.object({
  run_id: z.string(),
  started_at: z.string(),
  /** The ledger's last event before the run: a replay starts from this state. */
  start_seq: z.number().int().nonnegative(),
  /** Branch and tag tips at that point: every one when `refs_complete`, else only those the ledger recorded. */
  refs: z.array(Ref),
  refs_complete: z.boolean().default(false),
  /** The branch checked out, and the working-tree files that differed from it (configuration included). */
  head: z.string().nullable().default(null),
  files: z.array(TreeFile).default([]),
  calls: z.array(Exchange),
  tests: z.array(RecordedTestRun).default([]),
  /** Each coding agent's session, as the worker interface saw it, in the order they began. */
  workers: z.array(WorkerTape).default([]),
  clock: z.array(z.string()),
  ids: z.array(z.string()),
  script: z.array(DriverStep).default([]),
  foreign: z.array(ForeignEvent).default([]),
  /** Where the run ended; null for a run still going, or one recorded before this was kept. */
  end: z
    .object({ seq: z.number().int().nonnegative(), refs: z.array(Ref) })
    .nullable()
    .default(null),
});
export type Cassette = z.infer<typeof Cassette>;

/** The project as a run finds it, taken before its first step. */
export interface StartState {
  refs: Array<{ name: string; oid: string }>;
  head: string | null;
  files: Array<{ path: string; base64: string | null }>;
}

/**
 * A run id is a name Governor made (`governor run` prints it), never a path: `--replay ../../x` would read any
 * .json and, worse, clear `.governor/replays/../..`.
 */
export function assertRunId(runId: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/.test(runId)) {
    throw new GovernorError(
      'invalid_input',
      `"${runId.slice(0, 60)}" is not a run id; \`governor run\` prints it, ` +
        'and .governor/cassettes/ holds one file per run',
    );
  }
  return runId;
}

export const cassettePath = (projectDir: string, runId: string) =>
  join(projectDir, '.governor', 'cassettes', `${assertRunId(runId)}.json`);

const KEPT_HEADERS = ['content-type', 'retry-after', 'retry-after-ms'];

async function bodyText(body: RequestInit['body']): Promise<string> {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  return new Response(body).text();
}

/**
 * Records a run: every model request and response (through the fetch the AI SDK is given, with keys and
 * auth headers stripped), every test command's measurements, every clock reading and new id, and the
 * driver's steps, saved after each change so a killed run keeps what it recorded.
 */
export function createRecorder(o: {
  projectDir: string;
  runId: string;
  startSeq: number;
  start: StartState;
  redactor: Redactor;
  clock: () => Date;
  ids: () => string;
  fetch?: typeof globalThis.fetch;
  runTests?: TestCommandRunner;
}) {
  const cassette: Cassette = {
    run_id: o.runId,
    started_at: o.clock().toISOString(),
    start_seq: o.startSeq,
    refs: o.start.refs,
    refs_complete: true,
    head: o.start.head,
    files: o.start.files,
    calls: [],
    tests: [],
    workers: [],
    clock: [],
    ids: [],
    script: [],
    foreign: [],
    end: null,
  };
  const path = cassettePath(o.projectDir, o.runId);
  let saving = Promise.resolve();
  const save = () =>
    (saving = saving.then(async () => {
      await mkdir(join(o.projectDir, '.governor', 'cassettes'), { recursive: true });
      await writeFileAtomic(path, `${JSON.stringify(cassette, null, 1)}\n`);
    }));
  // A session streams many small entries: one save in flight and one queued at most, not one per entry.
  let queued = false;
  const saveSoon = () => {
    if (queued) return;
    queued = true;
    void saving.then(() => {
      queued = false;
      return save();
    });
  };
  const base = o.fetch ?? globalThis.fetch;
  return {
    path,
    clock: (): Date => {
      const d = o.clock();
      cassette.clock.push(d.toISOString());
      return d;
    },
    ids: (): string => {
      const id = o.ids();
      cassette.ids.push(id);
      return id;
    },
    fetch: (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const res = await base(input, init);
      const body = await res.text();
      const headers: Record<string, string> = {};
      for (const h of KEPT_HEADERS) {
        const v = res.headers.get(h);
        if (v !== null) headers[h] = v;
      }
      cassette.calls.push({
        request: {
          url: o.redactor.redact(url),
          method: init?.method ?? 'GET',
          body: o.redactor.redact(await bodyText(init?.body)),
        },
        response: { status: res.status, headers, body: o.redactor.redact(body) },
      });
      await save();
      return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
    }) as typeof globalThis.fetch,
    runTests: recordingRunner((run) => {
      cassette.tests.push(run);
      void save();
    }, o.runTests),
    /** A coding agent's worker, its sessions taped as they go (other workers' calls are recorded below them). */
    worker: (w: Worker): Worker =>
      w.usesGit
        ? recordingWorker(w, {
            redactor: o.redactor,
            start: (tape) => void cassette.workers.push(tape),
            changed: saveSoon,
          })
        : w,
    /** The driver ran the loop, or passed on a decision the human typed at its prompt. */
    step: (s: DriverStep) => {
      cassette.script.push(s);
      void save();
    },
    /** The run is over: what other processes appended meanwhile, and where the ledger and the refs stand. */
    finish: (end: { seq: number; refs: Array<{ name: string; oid: string }>; foreign: ForeignEvent[] }) => {
      cassette.foreign = end.foreign;
      cassette.end = { seq: end.seq, refs: end.refs };
      return save();
    },
    save,
    cassette,
  };
}

/**
 * Plays a cassette back: the recorded responses in order (no network at all), the recorded test runs, the
 * recorded clock and the recorded ids, so the same engine code yields the same ledger payloads and files.
 */
export function loadReplay(path: string) {
  let cassette: Cassette;
  try {
    cassette = Cassette.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (err) {
    throw new GovernorError(
      'cassette_invalid',
      `cannot read the cassette ${path}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  let call = 0;
  let tick = 0;
  let id = 0;
  const last = cassette.clock.at(-1) ?? cassette.started_at;
  const runTests = replayingRunner(cassette.tests);
  const taken = new Set<number>();
  const mismatches: string[] = [];
  /** The next recorded session of `agent`, in the order sessions began. */
  const nextTape = (agent: AgentName) => {
    const i = cassette.workers.findIndex((t, k) => t.agent === agent && !taken.has(k));
    if (i < 0) return null;
    taken.add(i);
    return cassette.workers[i] ?? null;
  };
  return {
    cassette,
    /** A coding agent's worker played from the cassette: its binary is never started. */
    worker: (agent: AgentName, w: Worker): Worker =>
      w.usesGit
        ? replayWorker(
            w,
            agent,
            () => nextTape(agent),
            (m) => mismatches.push(m),
          )
        : w,
    /** Where a played-back session went differently from the recorded one. */
    mismatches: () => [...mismatches],
    fetch: (async (input: Parameters<typeof fetch>[0]) => {
      const rec = cassette.calls[call++];
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (!rec)
        throw new GovernorError(
          'replay_exhausted',
          `replay asked for a model call the cassette does not have (#${call}, ${url}); the run went differently`,
        );
      return new Response(rec.response.body, { status: rec.response.status, headers: rec.response.headers });
    }) as typeof globalThis.fetch,
    runTests,
    // Past the recording (the run went further), time stands still rather than jumping to now.
    clock: (): Date => new Date(cassette.clock[tick++] ?? last),
    ids: (): string => {
      const next = cassette.ids[id++];
      if (!next)
        throw new GovernorError(
          'replay_exhausted',
          'replay needs more ids than the run recorded; the run went differently',
        );
      return next;
    },
    remaining: () => ({
      calls: cassette.calls.length - call,
      tests: runTests.remaining(),
      sessions: cassette.workers.length - taken.size,
      clock: cassette.clock.length - tick,
      ids: cassette.ids.length - id,
    }),
  };
}
