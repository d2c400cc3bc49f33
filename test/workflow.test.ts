import { describe, expect, it, onTestFinished } from 'vitest';
import type { Concern } from '../shared/index.ts';
import { InvalidInputError } from '../electron/core/errors.ts';
import { decideReview } from '../electron/core/workflow/decisions.ts';
import { runLoop } from '../electron/core/workflow/loop.ts';
import { raiseConcern } from '../electron/core/workflow/records.ts';
import type { SampleProject } from './support/project.ts';
import { type ProjectTemplate, projectTemplate } from './support/project-template.ts';
import {
  agentStatus,
  approvePlanAndDesign,
  commandNow,
  detailRow,
  payloads,
  taskStatus,
} from './support/workflow-helpers.ts';

/**
 * The governed loop's human touch points on the sample project (scripted runtime, real git, real
 * SQLite): review decisions and what the loop does with them, variations, concerns, and the command
 * handler. Each test starts from its own copy of a project template (see the states below), so any
 * one of them runs alone and in any order.
 */

const DATE = /\d{4}-\d{2}-\d{2}/.source;

/** The plan review of r1 is pending. */
const atPlanGate = projectTemplate(async (sp) => {
  await sp.runUntilGate('plan');
});
/** Plan and design approved; the loop has not yet moved to `build` (every agent but the Designer idle). */
const atBuild = projectTemplate(approvePlanAndDesign, { from: atPlanGate });
/** Phase 1 built; the loop waits on the test plan and variation #1 reviews (and a warning concern). */
const built = projectTemplate(
  async (sp) => {
    await sp.run();
  },
  { from: atBuild },
);

/** A command the setup relies on: it must succeed. */
async function command(sp: SampleProject, text: string): Promise<void> {
  const res = await sp.human.command(text);
  if (!res.ok) throw new Error(`${text}: ${res.response}`);
}

/**
 * Some of everything the tests below do, one after another and unchecked: two clarifications; a plan
 * deferred, rejected and approved; a design rejected and approved; a build with pauses; a task and a
 * critical concern assigned; a variation sent back. Nine commands, seven reviews, two concerns.
 */
async function busyDay(sp: SampleProject): Promise<void> {
  for (const question of ['what is the data model?', 'which interfaces matter most?']) {
    await command(sp, `/clarify Designer ${question}`);
    await sp.run();
  }
  sp.human.decide('plan', 'defer', { comment: 'Revisit after the budget call' });
  const deferred = await sp.runUntilGate('plan');
  await command(sp, `/reject ${deferred.id} Scope must include a fee model`);
  const revised = await sp.runUntilGate('plan');
  await command(sp, `/approve ${revised.id} Plan approved`);
  await sp.runUntilGate('design');
  sp.human.decide('design', 'reject', { comment: 'The engine must not read files' });
  await sp.runUntilGate('design');
  sp.human.decide('design', 'approve', { comment: 'r2 is right' });
  await command(sp, '/pause Implementer');
  await sp.run();
  await command(sp, '/pause all');
  await command(sp, '/resume all');
  await sp.run();
  const critical = raiseCriticalConcern(sp);
  await command(sp, '/assign Implementer-2 write a README section');
  await command(sp, `/assign Designer ${critical} check the line loop`);
  sp.human.decide('variation', 'request_changes', { comment: 'Benchmark the CSV path first' });
  await sp.run();
}
const busy = projectTemplate(busyDay, { from: atPlanGate });

/** A copy of the template, open for this test and closed when it ends. */
async function start(template: ProjectTemplate): Promise<SampleProject> {
  const sp = await template.copy();
  onTestFinished(() => sp.close());
  return sp;
}

/** Implementer raises a critical data-loss concern to the Designer (it goes straight to the human). */
function raiseCriticalConcern(sp: SampleProject): string {
  return sp.p.ledger.transact((tx) =>
    raiseConcern(
      tx,
      {
        phase: 1,
        from: 'Implementer',
        to: 'Designer',
        severity: 'critical',
        category: 'data_loss',
        summary: 'CSV adapter drops the last row',
        details: 'Off-by-one in the line loop.',
      },
      new Date().toISOString(),
    ),
  );
}

describe('reviews, commands and concerns (plan → build)', () => {
  it('allows one pending clarification per agent and answers it with a response linked to the command', async () => {
    const sp = await start(atPlanGate);
    const first = await sp.human.command('/clarify Designer what is the data model?');
    expect(first.ok).toBe(true);
    expect(first.command_id).toMatch(/^cmd_/);
    const before = sp.p.read.clarifications().length;

    const second = await sp.human.command('/clarify Designer and which interfaces?');
    expect(second.ok).toBe(false);
    expect(second.response).toContain('already has a pending question');
    expect(second.response).toContain('"what is the data model?"');
    // The refused command is still on record, with its failed answer; no second question was queued.
    expect(sp.p.read.clarifications()).toHaveLength(before);
    expect(sp.p.read.responses().find((r) => r.command_id === second.command_id)).toMatchObject({
      ok: false,
      from: 'System',
    });

    await sp.run();
    const answers = payloads<{ command_id: string; from: string; to: string; response: string; ok: boolean }>(
      sp.p,
      'response.sent',
    ).filter((r) => r.command_id === first.command_id && r.from === 'Designer');
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ to: 'Human', ok: true });
    expect(answers[0]?.response).toMatch(/A Bar is .*\(scripted\)$/);
    expect(sp.p.read.pendingClarification('Designer')).toBeNull();
    // Now that the first is answered, a new question is accepted.
    const third = await sp.human.command('/clarify Designer which interfaces matter most?');
    expect(third.ok).toBe(true);
    await sp.run();
    expect(sp.p.read.pendingClarification('Designer')).toBeNull();
  });

  it('refuses an inline comment on a path the review does not cover, and records nothing', async () => {
    const sp = await start(atPlanGate);
    const review = sp.p.read.pendingReviews().find((r) => r.kind === 'plan');
    expect(review).toBeTruthy();
    const count = sp.p.ledger.count();
    let error: unknown;
    try {
      sp.human.decide('plan', 'approve', {
        comment: 'ok',
        inline: [{ path: 'src/engine/backtest.js', line: 3, text: 'not part of this review' }],
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toContain('inline comment on src/engine/backtest.js:3');
    expect((error as Error).message).toContain(`review ${review?.id} covers REQUIREMENTS.md`);
    expect(sp.p.ledger.count()).toBe(count);
    expect(sp.p.read.review(review?.id ?? '')?.status).toBe('pending');
  });

  it('re-requests a deferred plan review, following the deferred one, and logs the deferral in REQUIREMENTS.md', async () => {
    const sp = await start(atPlanGate);
    const deferred = sp.human.decide('plan', 'defer', {
      comment: 'Revisit after the budget call',
      inline: [{ path: 'AGENT_TASKS.md', line: 2, text: 'who owns T9?' }],
    });
    expect(deferred.decision).toMatchObject({ decision: 'defer', reviewed_by: 'Human', source: 'cli' });
    // An inline comment on one of the review's context documents is accepted.
    expect(deferred.decision?.inline).toEqual([{ path: 'AGENT_TASKS.md', line: 2, text: 'who owns T9?' }]);
    const again = await sp.runUntilGate('plan');
    expect(again.id).not.toBe(deferred.id);
    expect(again.follows).toBe(deferred.id);
    expect(again.subject).toEqual(deferred.subject);
    expect(again.summary).toContain('Revisit after the budget call');
    expect(sp.p.read.review(deferred.id)?.status).toBe('decided');
    const requirements = sp.file('REQUIREMENTS.md');
    expect(requirements).toMatch(new RegExp(`⏸️ Deferred by Human ${DATE} — Revisit after the budget call`));
    expect(requirements).toMatch(/⏳ Plan review of r1 pending, requested by ProjectManager/);
    // The handoff of the deferred review carries the decision.
    const handoff = sp.p.read.handoffs().find((h) => h.id === deferred.handoff_id);
    expect(handoff?.status).toBe('deferred');
  });

  it('decides reviews with /reject and /approve, and a second /approve of the same review gets "already decided"', async () => {
    const sp = await start(atPlanGate);
    const pending = sp.p.read.pendingReviews().find((r) => r.kind === 'plan');
    if (!pending) throw new Error('no pending plan review');
    const rejected = await sp.human.command(`/reject ${pending.id} Scope must include a fee model`);
    expect(rejected.ok).toBe(true);
    expect(rejected.response).toContain(`Review ${pending.id}`);
    expect(rejected.response).toContain('rejected');
    expect(sp.p.read.review(pending.id)?.decision).toMatchObject({
      decision: 'reject',
      comment: 'Scope must include a fee model',
      source: 'cli',
      reviewed_by: 'Human',
    });

    // The PM revises the plan in answer to the rejection.
    const revised = await sp.runUntilGate('plan');
    expect(revised.follows).toBe(pending.id);
    expect(sp.p.read.latestArtifact('REQUIREMENTS.md')?.revision).toBe(2);

    // Short ids work too: what people type on a phone.
    const shortId = String(Number(revised.id.replace('review_', '')));
    const approved = await sp.human.command(`/approve ${shortId} Plan approved`);
    expect(approved.ok).toBe(true);
    expect(sp.p.read.review(revised.id)?.decision).toMatchObject({
      decision: 'approve',
      comment: 'Plan approved',
      source: 'cli',
      reviewed_by: 'Human',
    });

    const count = sp.p.read.reviews().length;
    const twice = await sp.human.command(`/approve ${revised.id} again`);
    expect(twice.ok).toBe(false);
    expect(twice.response).toContain('already decided');
    expect(twice.response).toContain('the first decision stands');
    expect(sp.p.read.review(revised.id)?.decision?.comment).toBe('Plan approved');
    expect(sp.p.read.reviews()).toHaveLength(count);
    // Both commands and all three answers are on record, linked by command_id.
    const cmds = sp.p.read.commands().filter((c) => c.cmd === '/approve' || c.cmd === '/reject');
    expect(cmds.map((c) => c.cmd)).toEqual(['/reject', '/approve', '/approve']);
    for (const c of cmds) expect(sp.p.read.responses().some((r) => r.command_id === c.command_id)).toBe(true);
  });

  it('revises a rejected design to r2 and asks again; a reject without a comment is refused', async () => {
    const sp = await start(atPlanGate);
    sp.human.decide('plan', 'approve', { comment: 'plan ok' });
    const r1 = await sp.runUntilGate('design');
    expect(r1.subject.revision).toBe(1);
    const count = sp.p.ledger.count();
    expect(() => sp.human.decide('design', 'reject')).toThrow(InvalidInputError);
    expect(() =>
      decideReview(sp.p.ledger, sp.p.read, { reviewId: r1.id, decision: 'reject', comment: '   ', source: 'ui' }),
    ).toThrow(/needs a comment/);
    expect(sp.p.ledger.count()).toBe(count);
    expect(sp.p.read.review(r1.id)?.status).toBe('pending');

    sp.human.decide('design', 'reject', { comment: 'The engine must not read files' });
    const r2 = await sp.runUntilGate('design');
    expect(r2.id).not.toBe(r1.id);
    expect(r2.follows).toBe(r1.id);
    expect(r2.subject).toEqual({ path: 'design/DESIGN_SPEC.md', revision: 2 });
    expect(sp.p.read.latestArtifact('design/DESIGN_SPEC.md')).toMatchObject({ revision: 2, in_response_to: r1.id });
    expect(sp.p.read.latestArtifact('design/ARCHITECTURE.md')?.revision).toBe(2);
    const spec = sp.file('design/DESIGN_SPEC.md');
    expect(spec).toMatch(/^<!-- Governor export: r2 by Designer \(scripted\)/);
    expect(spec).toMatch(/> \*\*Changes since r1\*\*/);
    expect(spec).toMatch(new RegExp(`⛔ Rejected by Human ${DATE} — The engine must not read files`));
    expect(sp.p.read.project()?.stage).toBe('design_review');

    sp.human.decide('design', 'approve', { comment: 'r2 is right' });
    await runLoop(sp.p, { maxSteps: 1 });
    expect(sp.p.read.project()?.stage).toBe('build');
  });

  it('pauses an idle Implementer: its tasks wait while Implementer-2 works; /pause all and /resume all', async () => {
    const sp = await start(atBuild);
    expect(sp.p.read.agent('Implementer')?.status).toBe('idle');
    const pause = await sp.human.command('/pause Implementer');
    expect(pause).toMatchObject({ ok: true, response: 'Implementer paused.' });
    expect(sp.p.read.agent('Implementer')).toMatchObject({ status: 'paused', pause_requested: false });

    const again = await sp.human.command('/pause implementer');
    expect(again.response).toBe('Nothing to pause.');

    const out = await sp.run();
    expect(out.waitingOn).toContain('paused: Implementer');
    expect(taskStatus(sp)).toMatchObject({ T4: 'To Do', T5: 'To Do', T6: 'Done', T7: 'Done' });
    expect(
      payloads<{ task_id: string }>(sp.p, 'task.updated').some((u) => u.task_id === 'T4' || u.task_id === 'T5'),
    ).toBe(false);
    expect(await sp.p.git.resolveRef('phase1/implementer')).toBeNull();
    expect(await sp.p.git.resolveRef('phase1/implementer-2')).toBeTruthy();
    expect(sp.p.read.agent('Implementer')?.status).toBe('paused');

    const all = await sp.human.command('/pause all');
    expect(all.ok).toBe(true);
    // Implementer was already paused, so it is not named again.
    expect(all.response.split('\n').sort()).toEqual([
      'Designer paused.',
      'Implementer-2 paused.',
      'ProjectManager paused.',
      'Tester paused.',
    ]);
    expect(Object.values(agentStatus(sp)).every((s) => s === 'paused')).toBe(true);
    const stalled = await sp.run();
    expect(stalled.steps).toBe(0);

    const resume = await sp.human.command('/resume all');
    expect(resume.response.split('\n')).toHaveLength(5);
    expect(Object.values(agentStatus(sp)).every((s) => s === 'idle')).toBe(true);
    expect((await sp.human.command('/resume Implementer')).response).toBe('Nothing to resume.');

    const resumed = await sp.run();
    expect(resumed.waitingOn.some((w) => w.startsWith('paused:'))).toBe(false);
    expect(taskStatus(sp)).toMatchObject({ T4: 'Done', T5: 'Done' });
    expect(sp.git('log', '--format=%s', 'phase1/implementer')).toMatch(/SMA-crossover strategy/);
  });

  it('sends a critical concern to the human at once, in one escalation hop', async () => {
    const sp = await start(built);
    const id = raiseCriticalConcern(sp);
    await sp.p.exporter.sync();
    const c = sp.p.read.concern(id);
    expect(c).toMatchObject({ from: 'Implementer', to: 'Human', severity: 'critical', status: 'open' });
    expect(c?.escalations).toHaveLength(1);
    expect(c?.escalations[0]).toMatchObject({ from: 'Designer', to: 'Human' });
    expect(c?.escalations[0]?.reason).toMatch(/immediately/);
    // The escalation is its own event, by System, in the same transaction as the concern.
    const raised = sp.p.ledger.readTypes(['concern.raised']).find((e) => (e.payload as Concern).id === id);
    const escalated = sp.p.ledger
      .readTypes(['concern.escalated'])
      .filter((e) => (e.payload as { concern_id: string }).concern_id === id);
    expect(escalated).toHaveLength(1);
    expect(escalated[0]?.actor).toBe('System');
    expect(escalated[0]?.seq).toBe((raised?.seq ?? 0) + 1);
    const status = JSON.parse(sp.file('status.json')) as { critical_alerts: number };
    expect(status.critical_alerts).toBe(1);
    // The loop does not hand a concern that reached the human to any agent.
    await sp.run();
    expect(sp.p.read.concern(id)).toMatchObject({ to: 'Human', status: 'open' });
    expect(sp.p.read.concern(id)?.escalations).toHaveLength(1);
  });

  it('/assign gives an agent a new task (T10, To Do, in PROJECT_DETAIL.md) or assigns it a concern', async () => {
    const sp = await start(built);
    const criticalId = raiseCriticalConcern(sp);
    // Pause Implementer-2 first so the loop cannot pick the task up before we look at it.
    await sp.human.command('/pause Implementer-2');
    const res = await sp.human.command('/assign Implementer-2 write a README section');
    expect(res).toMatchObject({ ok: true, response: 'Task T10 assigned to Implementer-2: write a README section' });
    expect(sp.p.read.task('T10')).toMatchObject({
      phase: 1,
      agent: 'Implementer-2',
      title: 'write a README section',
      status: 'To Do',
      depends_on: [],
    });
    expect(payloads<{ task: { id: string }; command_id: string }>(sp.p, 'task.assigned').at(-1)).toMatchObject({
      task: { id: 'T10' },
      command_id: res.command_id,
    });
    const row = detailRow(sp, 'T10');
    expect(row?.slice(0, 3)).toEqual(['T10', 'write a README section', '⬜ To Do']);
    expect(sp.file('docs/PROJECT_DETAIL.md')).toMatch(/### Implementer-2[\s\S]*\| T10 \|/);

    const critical = sp.p.read.concern(criticalId);
    if (!critical) throw new Error('the critical concern raised above is missing');
    const assign = await sp.human.command(`/assign Designer ${critical.id} check the line loop`);
    expect(assign).toMatchObject({ ok: true, response: `Concern ${critical.id} assigned to Designer.` });
    expect(sp.p.read.concern(critical.id)).toMatchObject({
      status: 'assigned',
      assigned_to: 'Designer',
      response: 'check the line loop',
    });
    // Assigning a concern is not a task.
    expect(sp.p.read.tasks().map((t) => t.id)).not.toContain('T11');
    await sp.human.command('/resume Implementer-2');
  });

  it(// Regression test for a fixed bug: decisions.ts VARIATION_STATUS has no entry for `request_changes`, and follow-up.ts
  // `case 'variation'` only marks the review followed up. So after "request changes" on a variation
  // the variation stays `proposed` with no review pending: PROJECT_VARIATIONS.md says "Pending human
  // review" for ever, and nobody is asked to change anything.
  'a variation the human asked to change is either sent back for review or no longer shown as pending', async () => {
    const sp = await start(built);
    const review = sp.p.read.pendingReviews().find((r) => r.kind === 'variation');
    if (!review?.variation_id) throw new Error('no pending variation review');
    sp.human.decide('variation', 'request_changes', { comment: 'Benchmark the CSV path first' });
    await sp.run();
    const stillPending = sp.p.read.pendingReviews().some((r) => r.variation_id === review.variation_id);
    const shownPending = sp.file('docs/PROJECT_VARIATIONS.md').includes('**Decision:** Pending human review');
    expect({ status: sp.p.read.variation(review.variation_id)?.status, shownPending, stillPending }).toSatisfy(
      (x: { status?: string; shownPending: boolean; stillPending: boolean }) =>
        x.stillPending || (x.status !== 'proposed' && !x.shownPending),
    );
  });

  it('rebuilds the projections from the events alone, to the same snapshot and the same exports', async () => {
    const sp = await start(busy);
    await sp.p.exporter.sync();
    const before = sp.p.read.snapshot();
    // Sanity: the snapshot holds some of everything the tests above produce.
    expect(before.reviews.length).toBeGreaterThan(6);
    expect(before.commands.length).toBeGreaterThan(8);
    expect(before.concerns.length).toBeGreaterThanOrEqual(2);
    expect(before.clarifications.length).toBeGreaterThanOrEqual(2);
    sp.p.ledger.rebuildProjections();
    expect(sp.p.read.snapshot()).toEqual(before);
    expect(sp.p.read.unhandledDecisions()).toEqual([]);
    expect(await sp.p.exporter.verify()).toEqual([]);
    // And in a fresh process on the same files.
    await sp.reopen();
    sp.p.ledger.rebuildProjections();
    expect(sp.p.read.snapshot()).toEqual(before);
    expect(sp.p.ledger.verify().ok).toBe(true);
  });
});

describe('pause semantics (in build)', () => {
  it('lets a working agent finish its current step, then idles it', async () => {
    const sp = await start(atBuild);
    const original = sp.p.progress;
    // Assigned inside the callback, so kept in an object (TS would otherwise narrow a `let` to null).
    const seen: { reply: Promise<{ ok: boolean; response: string }> | null; during?: string } = { reply: null };
    sp.p.progress = (x) => {
      // The first time the Implementer starts a task, the human pauses it mid-step.
      if (!seen.reply && x.kind === 'work' && x.agent === 'Implementer') {
        seen.reply = commandNow(sp.p, '/pause Implementer');
        seen.during = sp.p.read.agent('Implementer')?.status;
      }
      original(x);
    };
    try {
      await sp.run();
    } finally {
      sp.p.progress = original;
    }
    expect(seen.reply).not.toBeNull();
    expect((await seen.reply)?.response).toBe('Implementer will pause after its current step.');
    expect(seen.during).toBe('working');
    // The task in hand (T4) was finished and committed; the next one (T5) was not started.
    expect(taskStatus(sp)).toMatchObject({ T4: 'Done', T5: 'To Do' });
    expect(sp.git('log', '--format=%s', 'phase1/implementer')).toMatch(/CSV data adapter/);
    expect(sp.p.read.agent('Implementer')).toMatchObject({ status: 'paused', pause_requested: false });
  });

  it(// Regression test for a fixed bug: loop.ts nextStep() acts on decided reviews (followUp) without checking whether the
  // document's owner is paused, so a paused Tester/Designer revises its document anyway; and
  // projections.ts 'agent.status_changed' turns `paused` into `working` (then `waiting_human`),
  // so the human's pause is silently dropped without any /resume.
  'does not make a paused owner revise its document, and keeps it paused', async () => {
    const sp = await start(built);
    const review = sp.p.read.pendingReviews().find((r) => r.kind === 'test_plan');
    if (!review) throw new Error('no pending test plan review');
    expect((await sp.human.command('/pause Tester')).response).toBe('Tester paused.');
    sp.human.decide('test_plan', 'request_changes', { comment: 'Add a fee test' });
    await sp.run();
    expect(sp.p.read.agent('Tester')?.status).toBe('paused');
    expect(sp.p.read.latestArtifact('tests/TEST_PLAN.md')?.revision).toBe(1);
  });
});
