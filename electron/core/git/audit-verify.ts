import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GitAction } from '../../../shared/index.ts';
import { GitAction as GitActionSchema } from '../../../shared/index.ts';
import type { Ledger } from '../store/ledger.ts';
import type { Reader } from '../store/read.ts';
import { sealedSegments } from '../artifacts/render/segments.ts';
import { annotatable, noteFor } from './audit-notes.ts';
import type { GitService } from './service.ts';

const GOVERNED = /^(main|develop|phase\d+\/[a-z0-9-]+|experiments\/.+)$/;

/**
 * `governor audit verify --git`: the ledger's git actions, `audit/git_actions.jsonl`, the notes under
 * `refs/notes/audit` and the real history must tell the same story. Returns the disagreements, in words.
 */
export async function verifyGitAudit(p: {
  dir: string;
  git: GitService;
  read: Reader;
  ledger: Ledger;
}): Promise<string[]> {
  const problems: string[] = [];
  const actions = p.read.gitActions();
  const byId = new Map(actions.map((a) => [a.id, a]));

  // 1. The JSONL file against the ledger, line by line.
  // Older records sit in sealed segments (audit/git_actions/000001.jsonl, …) before the file's own lines.
  const lines: string[] = [];
  try {
    const files = [...(await sealedSegments(p.dir, 'audit/git_actions.jsonl')), 'audit/git_actions.jsonl'];
    for (const f of files) lines.push(...(await readFile(join(p.dir, f), 'utf8')).split('\n').filter(Boolean));
  } catch {
    if (actions.length > 0) problems.push('audit/git_actions.jsonl is missing');
  }
  const seen = new Set<string>();
  for (const [i, line] of lines.entries()) {
    let parsed: GitAction;
    try {
      parsed = GitActionSchema.parse(JSON.parse(line));
    } catch {
      problems.push(`audit/git_actions.jsonl:${i + 1} is not a git action record`);
      continue;
    }
    const ledger = byId.get(parsed.id);
    if (!ledger) problems.push(`audit/git_actions.jsonl:${i + 1} (${parsed.id}) is not in the ledger`);
    else if (noteFor(ledger) !== noteFor(parsed))
      problems.push(`audit/git_actions.jsonl:${i + 1} (${parsed.id}) differs from the ledger`);
    seen.add(parsed.id);
  }
  for (const a of actions)
    if (!seen.has(a.id))
      problems.push(`ledger git action ${a.id} (${a.action} ${a.target}) is missing from audit/git_actions.jsonl`);

  // 2. Each action against history and its note.
  for (const a of actions.filter(annotatable)) {
    const oid = a.commit ?? '';
    const [c] = await p.git.logBranch(oid, 1).catch(() => []);
    if (!c) {
      problems.push(
        `${a.id}: ${a.action} ${a.target} names commit ${oid.slice(0, 12)}, which is not in the repository`,
      );
      continue;
    }
    if (a.action === 'commit' && c.auditId !== a.id)
      problems.push(`${a.id}: commit ${oid.slice(0, 12)} carries Audit-ID ${c.auditId ?? '(none)'}`);
    if (a.action === 'merge') {
      if (c.parents.length !== 2)
        problems.push(`${a.id}: merge ${oid.slice(0, 12)} has ${c.parents.length} parent(s), not 2`);
      if (a.previous && c.parents[0] !== a.previous)
        problems.push(
          `${a.id}: merge ${oid.slice(0, 12)} does not sit on ${a.target}'s previous tip ${a.previous.slice(0, 12)}`,
        );
    }
    if (a.action === 'tag' || a.action === 'archive') {
      const at = await p.git.resolveRef(`refs/tags/${a.target}`);
      // A release tag marks the promotion merge, and points at the commit right on top of it that holds the
      // final exports (its Audit-ID is the tag's own): see workflow/stages/promote.ts.
      const [records] = at && at !== oid ? await p.git.logBranch(at, 1).catch(() => []) : [];
      const onRecords = records !== undefined && records.auditId === a.id && records.parents[0] === oid;
      if (at !== oid && !onRecords) problems.push(`${a.id}: tag ${a.target} does not point at ${oid.slice(0, 12)}`);
    } else {
      const tip = await p.git.resolveRef(a.target);
      if (tip && !(await p.git.isAncestor(oid, tip)))
        problems.push(`${a.id}: ${oid.slice(0, 12)} is not on ${a.target} any more`);
    }
    const note = await p.git.readNote(oid);
    if (!note || !`\n${note}\n`.includes(`\n${noteFor(a)}\n`))
      problems.push(`${a.id}: no audit note for ${a.action} ${a.target} on ${oid.slice(0, 12)}`);
  }

  // 3. Every Governor commit in history (it carries an Audit-ID) is known to the ledger.
  for (const branch of (await p.git.listBranches()).filter((b) => GOVERNED.test(b))) {
    for (const c of await p.git.logBranch(branch, 5000)) {
      if (c.auditId && !byId.has(c.auditId) && !p.ledger.byId(c.auditId))
        problems.push(
          `${branch}: commit ${c.oid.slice(0, 12)} has Audit-ID ${c.auditId}, which the ledger does not know`,
        );
    }
  }
  return [...new Set(problems)];
}
