import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../artifacts/atomic.ts';
import { GovernorError } from '../errors.ts';
import type { Redactor } from '../secrets/redact.ts';

const Exchange = z.object({
  request: z.object({ url: z.string(), method: z.string(), body: z.string() }),
  response: z.object({ status: z.number().int(), headers: z.record(z.string(), z.string()), body: z.string() }),
});

/** Everything outside the engine that a run depends on: model answers, clock readings and new ids. */
export const Cassette = z.object({
  run_id: z.string(),
  started_at: z.string(),
  /** The ledger's last event before the run: a replay starts from this state. */
  start_seq: z.number().int().nonnegative(),
  /** Recorded git ref tips at that point. */
  refs: z.array(z.object({ name: z.string(), oid: z.string() })),
  calls: z.array(Exchange),
  clock: z.array(z.string()),
  ids: z.array(z.string()),
});
export type Cassette = z.infer<typeof Cassette>;

/**
 * A run id is a name Governor made (`governor run` prints it), never a path: `--replay ../../x` would read any
 * .json and, worse, clear `.governor/replays/../..`.
 */
export function assertRunId(runId: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/.test(runId)) {
    throw new GovernorError('invalid_input', `"${runId.slice(0, 60)}" is not a run id; \`governor run\` prints it, and .governor/cassettes/ holds one file per run`);
  }
  return runId;
}

export const cassettePath = (projectDir: string, runId: string) => join(projectDir, '.governor', 'cassettes', `${assertRunId(runId)}.json`);

const KEPT_HEADERS = ['content-type', 'retry-after', 'retry-after-ms'];

async function bodyText(body: RequestInit['body']): Promise<string> {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  return new Response(body).text();
}

/**
 * Records a run: every model request and response (through the fetch the AI SDK is given, with keys and
 * auth headers stripped), every clock reading and every new id, saved after each change so a killed run
 * keeps what it recorded.
 */
export function createRecorder(o: { projectDir: string; runId: string; startSeq: number; refs: Cassette['refs']; redactor: Redactor; clock: () => Date; ids: () => string; fetch?: typeof globalThis.fetch }) {
  const cassette: Cassette = { run_id: o.runId, started_at: o.clock().toISOString(), start_seq: o.startSeq, refs: o.refs, calls: [], clock: [], ids: [] };
  const path = cassettePath(o.projectDir, o.runId);
  let saving = Promise.resolve();
  const save = () => (saving = saving.then(async () => {
    await mkdir(join(o.projectDir, '.governor', 'cassettes'), { recursive: true });
    await writeFileAtomic(path, `${JSON.stringify(cassette, null, 1)}\n`);
  }));
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
      cassette.calls.push({ request: { url: o.redactor.redact(url), method: init?.method ?? 'GET', body: o.redactor.redact(await bodyText(init?.body)) }, response: { status: res.status, headers, body: o.redactor.redact(body) } });
      await save();
      return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
    }) as typeof globalThis.fetch,
    save,
    cassette,
  };
}

/**
 * Plays a cassette back: the recorded responses in order (no network at all), the recorded clock and the
 * recorded ids, so the same engine code yields the same ledger payloads and the same files.
 */
export function loadReplay(path: string) {
  let cassette: Cassette;
  try {
    cassette = Cassette.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (err) {
    throw new GovernorError('cassette_invalid', `cannot read the cassette ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  let call = 0;
  let tick = 0;
  let id = 0;
  const last = cassette.clock.at(-1) ?? cassette.started_at;
  return {
    cassette,
    fetch: (async (input: Parameters<typeof fetch>[0]) => {
      const rec = cassette.calls[call++];
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (!rec) throw new GovernorError('replay_exhausted', `replay asked for a model call the cassette does not have (#${call}, ${url}); the run went differently`);
      return new Response(rec.response.body, { status: rec.response.status, headers: rec.response.headers });
    }) as typeof globalThis.fetch,
    // Past the recording (the run went further), time stands still rather than jumping to now.
    clock: (): Date => new Date(cassette.clock[tick++] ?? last),
    ids: (): string => {
      const next = cassette.ids[id++];
      if (!next) throw new GovernorError('replay_exhausted', 'replay needs more ids than the run recorded; the run went differently');
      return next;
    },
    remaining: () => ({ calls: cassette.calls.length - call }),
  };
}
