import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { monotonicFactory } from 'ulid';
import { hostKeyStore } from '../../core/secrets/key-store.ts';
import pc from 'picocolors';
import type { AgentsFile } from '../../../shared/index.ts';
import { RoleKind } from '../../../shared/index.ts';
import { createRecorder, loadReplay } from '../../core/agents/cassette.ts';
import { prepareReplay } from '../../core/agents/replay.ts';
import { canonicalJson } from '../../core/store/hash.ts';
import { Ledger } from '../../core/store/ledger.ts';
import { type OpenedProject, ledgerPath, openProject } from '../../core/host.ts';
import { runLoop } from '../../core/workflow/loop.ts';
import { formatProgress } from './output.ts';

interface Sources {
  clock: () => Date;
  ids: () => string;
  fetch: typeof globalThis.fetch;
}

export function usesModels(agents: AgentsFile): boolean {
  return RoleKind.options.some((r) => agents.agents[r].runtime !== 'scripted');
}

/**
 * Open a project whose clock, ids and model fetch can be switched after opening: the recording (or the
 * replay) starts once the project is open, so both see exactly the same calls from then on.
 */
export async function openSwitchable(dir: string, progress: boolean): Promise<{ p: OpenedProject; use(s: Sources): void }> {
  const ulid = monotonicFactory();
  let src: Sources = { clock: () => new Date(), ids: () => ulid(), fetch: (...a) => globalThis.fetch(...a) };
  const p = await openProject(dir, {
    clock: () => src.clock(),
    ids: () => src.ids(),
    fetch: ((...a: Parameters<typeof fetch>) => src.fetch(...a)) as typeof fetch,
    progress: progress ? (x) => console.log(formatProgress(x)) : () => {},
    keyStore: hostKeyStore(),
  });
  return { p, use: (s) => (src = s) };
}

/** Start recording every model call, clock reading and id of this run to .governor/cassettes/<run-id>.json. */
export function startRecording(p: OpenedProject, use: (s: Sources) => void): { runId: string; save(): Promise<void> } {
  const ulid = monotonicFactory();
  const runId = `run_${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}_${randomBytes(2).toString('hex')}`;
  const rec = createRecorder({ projectDir: p.dir, runId, startSeq: p.ledger.count(), refs: p.read.recordedRefs(), redactor: p.redactor ?? { redact: (t: string) => t, add: () => {} } as never, clock: () => new Date(), ids: () => ulid() });
  use({ clock: rec.clock, ids: rec.ids, fetch: rec.fetch });
  console.log(pc.dim(`recording model calls as ${runId} (replay: governor run --replay ${runId})`));
  return { runId, save: rec.save };
}

/**
 * `governor run --replay <run-id>`: rebuild the project as the run found it, in its own folder, play the
 * cassette (no network), and compare what it produced with what the recorded run produced.
 */
export async function replayRun(srcDir: string, runId: string): Promise<number> {
  const { dir, cassette } = await prepareReplay(srcDir, runId);
  const replay = loadReplay(cassette);
  const { p, use } = await openSwitchable(dir, true);
  try {
    use({ clock: replay.clock, ids: replay.ids, fetch: replay.fetch });
    await runLoop(p);
    const start = replay.cassette.start_seq;
    const produced = p.ledger.read(start, 1_000_000);
    const original = new Ledger(ledgerPath(srcDir));
    const recorded = original.read(start, produced.length);
    const runEnded = original.count() === start + produced.length;
    original.close();
    const firstDiff = produced.findIndex((ev, i) => ev.type !== recorded[i]?.type || canonicalJson(ev.payload) !== canonicalJson(recorded[i]?.payload));
    console.log(`\nreplayed ${replay.cassette.calls.length - replay.remaining().calls} model call(s) from ${cassette}, without network`);
    if (firstDiff >= 0 || produced.length !== recorded.length) {
      console.log(pc.red(`✗ ledger differs from the recorded run at event #${start + (firstDiff >= 0 ? firstDiff : produced.length) + 1}`));
      return 1;
    }
    console.log(pc.green(`✓ ledger: ${produced.length} events, payloads identical to the recorded run`));
    if (!runEnded) {
      console.log(pc.dim('exports not compared: the project has moved on since that run'));
      return 0;
    }
    const differing: string[] = [];
    for (const [path, content] of p.exporter.expected()) {
      const theirs = await readFile(join(srcDir, path), 'utf8').catch(() => null);
      if (theirs !== content) differing.push(path);
    }
    if (differing.length) {
      console.log(pc.red(`✗ exports differ: ${differing.join(', ')}`));
      return 1;
    }
    console.log(pc.green(`✓ exports: ${p.exporter.expected().size} files byte-identical (replay in ${dir})`));
    return 0;
  } finally {
    p.close();
  }
}
