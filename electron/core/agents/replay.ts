import { cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import fs from 'node:fs';
import { iso } from '../git/iso.ts';
import type { NewEvent } from '../../../shared/index.ts';
import { AGENTS_FILE, POLICIES_FILE } from '../config/load.ts';
import { GovernorError } from '../errors.ts';
import { settledStatusMatrix } from '../git/checkout.ts';
import { Ledger } from '../store/ledger.ts';
import { type Cassette, type StartState, cassettePath, loadReplay } from './cassette.ts';

/** A working-tree file bigger than this is left out of the start state (a replay then reads today's). */
const MAX_TREE_FILE = 2 * 1024 * 1024;

/** Every branch and tag tip as git holds it now (tags unpeeled), by full ref name. */
export async function repoRefs(dir: string): Promise<Array<{ name: string; oid: string }>> {
  const gitdir = join(dir, '.git');
  const out: Array<{ name: string; oid: string }> = [];
  for (const [kind, names] of [
    ['heads', await (await iso()).listBranches({ fs, gitdir })],
    ['tags', await (await iso()).listTags({ fs, gitdir })],
  ] as const) {
    for (const name of names) {
      const oid = await (await iso())
        .resolveRef({ fs, gitdir, ref: `refs/${kind}/${name}`, depth: 1 })
        .catch(() => null);
      if (oid) out.push({ name: `refs/${kind}/${name}`, oid });
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The project as a run finds it, before its first step: every ref as git has it (so a run from before
 * `develop` or `main` existed replays without them), the branch checked out, and the files the human had
 * changed or added without committing (configuration edits among them), which the engine may read.
 */
export async function startState(dir: string): Promise<StartState> {
  const gitdir = join(dir, '.git');
  const head = (await (await iso()).currentBranch({ fs, dir, gitdir, fullname: false }).catch(() => null)) ?? null;
  const files: StartState['files'] = [];
  const rows = head ? await settledStatusMatrix({ fs, dir, gitdir }) : [];
  for (const [path, inHead, inTree] of rows) {
    if (inHead === 1 && inTree === 1) continue;
    if (inTree === 0) {
      if (inHead === 1) files.push({ path, base64: null });
      continue;
    }
    const size = (await stat(join(dir, path))).size;
    if (size > MAX_TREE_FILE) continue;
    files.push({ path, base64: (await readFile(join(dir, path))).toString('base64') });
  }
  return { refs: await repoRefs(dir), head, files };
}

/** Put the refs back as `c` recorded them; refs younger than the run are dropped. */
async function restoreRefs(gitdir: string, c: Cassette): Promise<void> {
  const recorded = new Map(c.refs.map((r) => [r.name, r.oid]));
  for (const kind of ['heads', 'tags'] as const) {
    const names =
      kind === 'heads'
        ? await (await iso()).listBranches({ fs, gitdir })
        : await (await iso()).listTags({ fs, gitdir });
    for (const name of names) {
      const full = `refs/${kind}/${name}`;
      if (recorded.has(full)) continue;
      // Older cassettes knew only the refs the ledger recorded: main and develop Governor never wrote
      // then held only the human's own commits, and are kept.
      if (!c.refs_complete && (name === 'main' || name === 'develop')) continue;
      await (await iso()).deleteRef({ fs, gitdir, ref: full });
    }
  }
  for (const [ref, oid] of recorded) await (await iso()).writeRef({ fs, gitdir, ref, value: oid, force: true });
}

/**
 * A replay needs the project exactly as it was when the recorded run began: the same ledger prefix (copied
 * event by event, so the same hashes), the same refs, the same checkout and uncommitted files. It is built
 * in a fresh folder, never on top of the project, so a replay cannot disturb the real history.
 */
export async function prepareReplay(
  srcDir: string,
  runId: string,
  intoDir?: string,
): Promise<{ dir: string; cassette: string }> {
  const cassette = cassettePath(srcDir, runId);
  const { cassette: c } = loadReplay(cassette);
  const dir = intoDir ?? join(srcDir, '.governor', 'replays', runId);
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, '.governor'), { recursive: true });
  await cp(join(srcDir, '.git'), join(dir, '.git'), { recursive: true });

  const gitdir = join(dir, '.git');
  await restoreRefs(gitdir, c);
  // Notes are re-derived from the ledger on the first sync.
  await (await iso()).deleteRef({ fs, gitdir, ref: 'refs/notes/audit' }).catch(() => undefined);
  const head = c.head ?? 'main';
  if (c.refs_complete && !c.refs.some((r) => r.name === `refs/heads/${head}`))
    throw new GovernorError(
      'replay_invalid',
      `the run had ${head} checked out, but the cassette records no such branch`,
    );
  await (await iso()).checkout({ fs, dir, gitdir, ref: head, force: true });
  if (c.refs_complete) {
    for (const f of c.files) {
      const abs = join(dir, f.path);
      if (f.base64 === null) await rm(abs, { force: true });
      else {
        await mkdir(dirname(abs), { recursive: true });
        await writeFile(abs, Buffer.from(f.base64, 'base64'));
      }
    }
  } else {
    // Older cassettes: the configuration the run used is the one in the folder, committed or not.
    for (const f of [AGENTS_FILE, POLICIES_FILE, 'prices.yaml'])
      await cp(join(srcDir, f), join(dir, f)).catch(() => undefined);
  }

  const src = new Ledger(join(srcDir, '.governor', 'governor.db'));
  const dst = new Ledger(join(dir, '.governor', 'governor.db'));
  try {
    if (src.count() < c.start_seq)
      throw new GovernorError(
        'replay_mismatch',
        `the ledger has ${src.count()} events but the run started after event ${c.start_seq}`,
      );
    for (let after = 0; after < c.start_seq; ) {
      const batch = src.read(after, Math.min(5000, c.start_seq - after));
      dst.append(
        batch.map((ev) => ({ type: ev.type, actor: ev.actor, payload: ev.payload, id: ev.id, ts: ev.ts }) as NewEvent),
      );
      after = batch.at(-1)?.seq ?? c.start_seq;
    }
    if (dst.headHash() !== src.read(c.start_seq - 1, 1)[0]?.hash && c.start_seq > 0)
      throw new GovernorError('replay_mismatch', 'the copied ledger prefix does not hash like the original');
  } finally {
    src.close();
    dst.close();
  }
  return { dir, cassette };
}

/**
 * Events other processes appended during the run go into the replay's ledger at the same places, exactly as
 * recorded (id, time, payload): each one as soon as the replay's ledger holds the event before it, but only
 * up to `upTo` — the end of the driver's current step — so an event that landed between two steps (a
 * decision from another terminal while the run waited at its prompt) goes in between them, not inside the
 * step before, where the loop would have acted on it sooner than it did.
 */
export function injectForeign(
  ledger: Ledger,
  foreign: Cassette['foreign'],
): { upTo(seq: number): void; pending(): number; stop(): void } {
  let next = 0;
  let limit = 0;
  const due = () => {
    while (next < foreign.length) {
      const ev = foreign[next];
      if (!ev || ev.seq > limit || ev.seq !== ledger.count() + 1) return;
      next += 1;
      ledger.append([{ type: ev.type, actor: ev.actor, payload: ev.payload, id: ev.id, ts: ev.ts } as NewEvent]);
    }
  };
  const off = ledger.onAppend(() => due());
  return {
    upTo(seq) {
      limit = seq;
      due();
    },
    pending: () => foreign.length - next,
    stop: off,
  };
}

/** Where the first difference between two values lies, as a path (`payload.results[0].duration_ms`). */
export function firstDifference(
  a: unknown,
  b: unknown,
  path: string,
): { path: string; recorded: unknown; replayed: unknown } | null {
  if (Object.is(a, b)) return null;
  if (
    typeof a !== 'object' ||
    typeof b !== 'object' ||
    a === null ||
    b === null ||
    Array.isArray(a) !== Array.isArray(b)
  )
    return { path, recorded: a, replayed: b };
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const k of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) {
    const d = firstDifference(x[k], y[k], `${path}.${k}`);
    if (d) return d;
  }
  return null;
}
