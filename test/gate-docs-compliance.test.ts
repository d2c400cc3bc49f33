import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { evaluateGate } from '../electron/core/workflow/stages/evidence.ts';
import { type SampleProject, sampleProject } from './support/project.ts';

/**
 * The gate's docs check judges the files a promotion commits (the exports, synced first), and renders no
 * document to do it: rendering the overview again was most of the gate's own time. The git CLI says what the
 * release tag holds.
 */
describe('QA gate: required docs compared as exported, none rendered', () => {
  let sp: SampleProject;
  const OVERVIEW = 'docs/PROJECT_OVERVIEW.md';
  const git = (...args: string[]) => execFileSync('git', ['-C', sp.dir, ...args], { encoding: 'utf8' });

  beforeAll(async () => {
    sp = await sampleProject();
    const file = join(sp.dir, '.project_policies.yaml');
    const doc = parseDocument(readFileSync(file, 'utf8'));
    doc.setIn(['promotion_policy', 'docs_required'], ['PROJECT_OVERVIEW.md', 'QA_REPORT.md', 'NOT_THERE.md']);
    writeFileSync(file, doc.toString());
    await sp.reopen();
  });
  afterAll(() => sp?.close());

  it('before any release tag: new in this phase, and no document rendered', async () => {
    const rendered = vi.spyOn(sp.p.exporter, 'rendered');
    const gate = await evaluateGate(sp.p, 1);
    expect(gate.compliance.docs).toEqual([
      { path: OVERVIEW, updated: true, note: 'new in this phase (no release tag yet)' },
      { path: 'QA_REPORT.md', updated: true, note: 'written by this gate' },
      { path: 'NOT_THERE.md', updated: false, note: 'does not exist' },
    ]);
    expect(rendered).toHaveBeenCalledTimes(0);
    rendered.mockRestore();
  });

  it('after a release tag: unchanged when the exported file is the tagged one, changed once it differs', async () => {
    await sp.p.exporter.sync();
    const exported = readFileSync(join(sp.dir, OVERVIEW), 'utf8');
    const res = await sp.p.git.commitChanges({
      branch: 'experiments/tagged',
      actor: 'Implementer',
      changes: [{ path: OVERVIEW, content: exported }],
      subject: 'docs: the overview as released',
      auditId: 'tag-fixture',
      timestamp: Math.floor(Date.now() / 1000),
    });
    sp.p.ledger.append([
      {
        type: 'git.action_recorded',
        actor: 'System',
        payload: {
          id: 'tag-fixture',
          action: 'tag',
          source: 'main',
          target: 'v0.1.0',
          trigger: 'test',
          actor: 'System',
          commit: res.oid,
          previous: null,
          message: 'v0.1.0',
          files: [],
          timestamp: new Date().toISOString(),
        },
      },
    ]);
    const rendered = vi.spyOn(sp.p.exporter, 'rendered');
    const gate = await evaluateGate(sp.p, 1);
    // Whatever the recorded tag did to the overview, the verdict is git's: the tagged blob against the file.
    const now = readFileSync(join(sp.dir, OVERVIEW), 'utf8');
    const tagged = git('show', `${res.oid}:${OVERVIEW}`);
    const same = now === tagged;
    expect(gate.compliance.docs[0]).toEqual({
      path: OVERVIEW,
      updated: !same,
      note: same ? 'unchanged since v0.1.0' : 'changed since v0.1.0',
    });

    // The tagged content edited: the file the exports hold differs from the tag's.
    await sp.p.git.commitChanges({
      branch: 'experiments/tagged',
      actor: 'Implementer',
      changes: [{ path: OVERVIEW, content: `${now}\nedited at the tag\n` }],
      subject: 'docs: an overview that differs',
      auditId: 'tag-fixture-2',
      timestamp: Math.floor(Date.now() / 1000),
    });
    const moved = (await sp.p.git.resolveRef('experiments/tagged')) ?? '';
    sp.p.ledger.append([
      {
        type: 'git.action_recorded',
        actor: 'System',
        payload: {
          id: 'tag-fixture-2',
          action: 'tag',
          source: 'main',
          target: 'v0.1.1',
          trigger: 'test',
          actor: 'System',
          commit: moved,
          previous: null,
          message: 'v0.1.1',
          files: [],
          timestamp: new Date().toISOString(),
        },
      },
    ]);
    const again = await evaluateGate(sp.p, 1);
    expect(git('show', `${moved}:${OVERVIEW}`)).not.toBe(readFileSync(join(sp.dir, OVERVIEW), 'utf8'));
    expect(again.compliance.docs[0]).toEqual({ path: OVERVIEW, updated: true, note: 'changed since v0.1.1' });
    expect(rendered).toHaveBeenCalledTimes(0);
    rendered.mockRestore();
  });
});
