import { cp, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import fs from 'node:fs';
import git from 'isomorphic-git';
import type { NewEvent } from '../../../shared/index.ts';
import { AGENTS_FILE, POLICIES_FILE } from '../config/load.ts';
import { GovernorError } from '../errors.ts';
import { Ledger } from '../store/ledger.ts';
import { cassettePath, loadReplay } from './cassette.ts';

/**
 * A replay needs the project exactly as it was when the recorded run began: the same ledger prefix (copied
 * event by event, so the same hashes) and the same refs (taken from the ledger's record of them). It is built
 * in a fresh folder, never on top of the project, so a replay cannot disturb the real history.
 */
export async function prepareReplay(srcDir: string, runId: string, intoDir?: string): Promise<{ dir: string; cassette: string }> {
  const cassette = cassettePath(srcDir, runId);
  const { cassette: c } = loadReplay(cassette);
  const dir = intoDir ?? join(srcDir, '.governor', 'replays', runId);
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, '.governor'), { recursive: true });
  await cp(join(srcDir, '.git'), join(dir, '.git'), { recursive: true });

  // Refs as the ledger recorded them at the start; anything younger is dropped.
  const gitdir = join(dir, '.git');
  const recorded = new Map(c.refs.map((r) => [r.name, r.oid]));
  for (const kind of ['heads', 'tags'] as const) {
    const names = kind === 'heads' ? await git.listBranches({ fs, gitdir }) : await git.listTags({ fs, gitdir });
    for (const name of names) {
      const full = `refs/${kind}/${name}`;
      const oid = recorded.get(full);
      if (oid) await git.writeRef({ fs, gitdir, ref: full, value: oid, force: true });
      // main and develop that Governor never wrote hold only the human's own commits: keep them.
      else if (name !== 'main' && name !== 'develop') await git.deleteRef({ fs, gitdir, ref: full });
    }
  }
  // Notes are re-derived from the ledger on the first sync.
  await git.deleteRef({ fs, gitdir, ref: 'refs/notes/audit' }).catch(() => undefined);
  await git.checkout({ fs, dir, gitdir, ref: 'main', force: true });
  // The configuration the run used is the one in the folder, committed or not.
  for (const f of [AGENTS_FILE, POLICIES_FILE, 'prices.yaml']) await cp(join(srcDir, f), join(dir, f)).catch(() => undefined);

  const src = new Ledger(join(srcDir, '.governor', 'governor.db'));
  const dst = new Ledger(join(dir, '.governor', 'governor.db'));
  try {
    if (src.count() < c.start_seq) throw new GovernorError('replay_mismatch', `the ledger has ${src.count()} events but the run started after event ${c.start_seq}`);
    for (let after = 0; after < c.start_seq; ) {
      const batch = src.read(after, Math.min(5000, c.start_seq - after));
      dst.append(batch.map((ev) => ({ type: ev.type, actor: ev.actor, payload: ev.payload, id: ev.id, ts: ev.ts }) as NewEvent));
      after = batch.at(-1)?.seq ?? c.start_seq;
    }
    if (dst.headHash() !== src.read(c.start_seq - 1, 1)[0]?.hash && c.start_seq > 0) throw new GovernorError('replay_mismatch', 'the copied ledger prefix does not hash like the original');
  } finally {
    src.close();
    dst.close();
  }
  return { dir, cassette };
}
