import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { monotonicFactory } from 'ulid';
import pc from 'picocolors';
import { type DriverStep, type ForeignEvent, createRecorder, loadReplay } from '../../core/agents/cassette.ts';
import { firstDifference, injectForeign, prepareReplay, repoRefs, startState } from '../../core/agents/replay.ts';
import { createApi, dispatch, noLoop } from '../../core/api.ts';
import { type OpenedProject, ledgerPath, openProject } from '../../core/host.ts';
import type { TestCommandRunner } from '../../core/qa/recorded-runs.ts';
import { runCommand } from '../../core/qa/run-command.ts';
import { hostKeyStore } from '../../core/secrets/key-store.ts';
import type { AgentName, LedgerEvent } from '../../../shared/index.ts';
import type { Worker } from '../../core/agents/workers/worker.ts';
import { Ledger } from '../../core/store/ledger.ts';
import { runLoop } from '../../core/workflow/loop.ts';
import { formatProgress } from './output.ts';

interface Sources {
  clock: () => Date;
  ids: () => string;
  fetch: typeof globalThis.fetch;
  runTests: TestCommandRunner;
  /** A coding agent's worker, taped (recording) or played back (replay). */
  worker?: (agent: AgentName, w: Worker) => Worker;
}

/**
 * Open a project whose clock, ids, model fetch and test runner can be switched after opening: the
 * recording (or the replay) starts once the project is open, so both see exactly the same calls from then on.
 */
export async function openSwitchable(
  dir: string,
  progress: boolean,
): Promise<{ p: OpenedProject; use(s: Sources): void }> {
  const ulid = monotonicFactory();
  let src: Sources = {
    clock: () => new Date(),
    ids: () => ulid(),
    fetch: (...a) => globalThis.fetch(...a),
    runTests: runCommand,
  };
  const p = await openProject(dir, {
    clock: () => src.clock(),
    ids: () => src.ids(),
    fetch: ((...a: Parameters<typeof fetch>) => src.fetch(...a)) as typeof fetch,
    runTests: (o) => src.runTests(o),
    wrapWorker: (agent, w) => (src.worker ? src.worker(agent, w) : w),
    progress: progress ? (x) => console.log(formatProgress(x)) : () => {},
    keyStore: hostKeyStore(),
  });
  return { p, use: (s) => (src = s) };
}

/** What the interactive driver tells a recording: each loop run and each decision typed at its prompt. */
export interface RunRecording {
  runId: string;
  step(s: DriverStep): void;
  /** Take down what other processes appended and where the run ended, and write the cassette. */
  finish(): Promise<void>;
}

/**
 * Record this run to .governor/cassettes/<run-id>.json: the project as the run found it, every model call,
 * test run, clock reading and id, the driver's steps, and (at the end) other processes' events and where
 * the ledger and refs stand. Every run is recorded, scripted or not: the QA gate measures real things.
 */
export async function startRecording(p: OpenedProject, use: (s: Sources) => void): Promise<RunRecording> {
  const ulid = monotonicFactory();
  const runId = `run_${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}_${randomBytes(2).toString('hex')}`;
  const startSeq = p.ledger.count();
  const rec = createRecorder({
    projectDir: p.dir,
    runId,
    startSeq,
    start: await startState(p.dir),
    redactor: p.redactor ?? ({ redact: (t: string) => t, add: () => {} } as never),
    clock: () => new Date(),
    ids: () => ulid(),
  });
  // Our own appends; whatever else lands in the ledger meanwhile came from another process.
  const own = new Set<number>();
  const offAppend = p.ledger.onAppend((events) => {
    for (const ev of events) own.add(ev.seq);
  });
  use({ clock: rec.clock, ids: rec.ids, fetch: rec.fetch, runTests: rec.runTests, worker: (_a, w) => rec.worker(w) });
  await rec.save();
  console.log(pc.dim(`recording this run as ${runId} (replay: governor run --replay ${runId})`));
  return {
    runId,
    step: rec.step,
    async finish() {
      offAppend();
      const end = p.ledger.count();
      const foreign: ForeignEvent[] = [];
      for (let after = startSeq; after < end; ) {
        const batch = p.ledger.read(after, Math.min(5000, end - after));
        if (batch.length === 0) break;
        for (const ev of batch)
          if (!own.has(ev.seq))
            foreign.push({ seq: ev.seq, id: ev.id, ts: ev.ts, type: ev.type, actor: ev.actor, payload: ev.payload });
        after = batch.at(-1)?.seq ?? end;
      }
      await rec.finish({ seq: end, refs: await repoRefs(p.dir), foreign });
    },
  };
}

/** The first way a replayed event differs from the recorded one, naming the event type and the field. */
function eventDifference(
  seq: number,
  recorded: LedgerEvent | undefined,
  replayed: LedgerEvent | undefined,
): string | null {
  if (!recorded && !replayed) return null;
  if (!recorded) return `event #${seq} (${replayed?.type}): the replay produced it, the run never recorded it`;
  if (!replayed) return `event #${seq} (${recorded.type}): the run recorded it, the replay stopped before it`;
  if (recorded.type !== replayed.type)
    return `event #${seq}: the run recorded ${recorded.type}, the replay produced ${replayed.type}`;
  const d = firstDifference(
    { actor: recorded.actor, ts: recorded.ts, id: recorded.id, payload: recorded.payload },
    { actor: replayed.actor, ts: replayed.ts, id: replayed.id, payload: replayed.payload },
    '',
  );
  if (!d) return null;
  const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v).slice(0, 200));
  return (
    `event #${seq} (${recorded.type}) differs at ${d.path.slice(1)}: recorded ${show(d.recorded)}, ` +
    `replayed ${show(d.replayed)}`
  );
}

/**
 * `governor run --replay <run-id>`: rebuild the project as the run found it, in its own folder, play the
 * cassette (no network, no test process: what was measured is handed back), drive it as the run was driven
 * (its loop runs and the decisions typed at its prompt, other processes' events where they landed), and
 * compare: every event, the refs where the run ended, and the exports.
 */
export async function replayRun(srcDir: string, runId: string): Promise<number> {
  const { dir, cassette } = await prepareReplay(srcDir, runId);
  const replay = loadReplay(cassette);
  const c = replay.cassette;
  const { p, use } = await openSwitchable(dir, true);
  const problems: string[] = [];
  try {
    use({
      clock: replay.clock,
      ids: replay.ids,
      fetch: replay.fetch,
      runTests: replay.runTests,
      worker: replay.worker,
    });
    const injected = injectForeign(p.ledger, c.foreign);
    const api = createApi(p, noLoop(p, 'the replay drives the loop itself'), { user: 'Human', source: 'cli' });
    // A cassette from before driver steps were kept: the run was one loop run with no decision in it.
    const script: DriverStep[] =
      c.script.length > 0 ? c.script : [{ step: 'loop', at_seq: c.start_seq, end_seq: Number.MAX_SAFE_INTEGER }];
    try {
      for (const [k, s] of script.entries()) {
        injected.upTo(s.at_seq);
        if (p.ledger.count() !== s.at_seq) {
          const what = s.step === 'loop' ? 'a loop run' : "the human's decision";
          problems.push(
            `driver step ${k + 1} (${what}) began after event #${s.at_seq} in the run, but the replay ` +
              `stood at #${p.ledger.count()}`,
          );
          break;
        }
        injected.upTo(s.end_seq);
        if (s.step === 'loop') await runLoop(p);
        else await dispatch(api, s.call, s.params);
      }
      injected.upTo(c.end?.seq ?? Number.MAX_SAFE_INTEGER);
    } catch (err) {
      problems.push(`the replay stopped: ${err instanceof Error ? err.message : String(err)}`);
    }
    injected.stop();
    problems.push(...replay.mismatches());

    const start = c.start_seq;
    const produced = p.ledger.read(start, 1_000_000);
    const original = new Ledger(ledgerPath(srcDir));
    const end = c.end?.seq ?? start + produced.length;
    const recorded = original.read(start, end - start);
    const runIsLatest = original.count() === end;
    original.close();
    console.log(
      `\nreplayed ${c.calls.length - replay.remaining().calls} model call(s), ` +
        `${c.workers.length - replay.remaining().sessions} coding-agent session(s) and ` +
        `${c.tests.length - replay.remaining().tests} test run(s) from ${cassette}, without network, ` +
        `agents or test processes`,
    );
    for (let i = 0; i < Math.max(produced.length, recorded.length); i++) {
      const diff = eventDifference(start + i + 1, recorded[i], produced[i]);
      if (diff) {
        problems.push(diff);
        break;
      }
    }
    if (problems.length === 0)
      console.log(
        pc.green(`✓ ledger: ${produced.length} events identical to the recorded run (types, times, ids and payloads)`),
      );

    if (c.end) {
      const theirs = new Map(c.end.refs.map((r) => [r.name, r.oid]));
      const ours = new Map((await repoRefs(dir)).map((r) => [r.name, r.oid]));
      const refDiffs = [...new Set([...theirs.keys(), ...ours.keys()])]
        .sort()
        .filter((n) => theirs.get(n) !== ours.get(n));
      for (const n of refDiffs)
        problems.push(
          `git ${n}: the run left ${theirs.get(n)?.slice(0, 12) ?? 'no such ref'}, the replay ` +
            `${ours.get(n)?.slice(0, 12) ?? 'no such ref'}`,
        );
      if (refDiffs.length === 0)
        console.log(pc.green(`✓ git: ${theirs.size} branches and tags at the same commits as the run left them`));
    }

    const stale = await p.exporter.verify();
    for (const m of stale) problems.push(`export ${m.path} in the replay does not match its ledger (${m.problem})`);
    if (runIsLatest) {
      const differing: string[] = [];
      for (const [path, content] of p.exporter.expected()) {
        const theirs = await readFile(join(srcDir, path), 'utf8').catch(() => null);
        if (theirs !== content) differing.push(path);
      }
      if (differing.length) problems.push(`exports differ from the project's: ${differing.join(', ')}`);
      else if (stale.length === 0)
        console.log(pc.green(`✓ exports: ${p.exporter.expected().size} files byte-identical (replay in ${dir})`));
    } else if (stale.length === 0) {
      console.log(
        pc.dim(
          `exports: the replay's match its ledger; the project has moved on since that run, so they are ` +
            `not compared with today's files`,
        ),
      );
    }
    for (const problem of problems) console.log(pc.red(`✗ ${problem}`));
    return problems.length === 0 ? 0 : 1;
  } finally {
    p.close();
  }
}
