/**
 * What Governor posts, driven through ledger events, the outbox and the bridge into the fake Discord:
 * git events, gate results and the promotion candidate block, the PM's phase summaries, the daily status
 * in bot mode; answers to /clarify in the place the question was asked; the concern's message id.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GitAction, QaGate } from '../shared/index.ts';
import { handleCommand } from '../electron/core/workflow/commands.ts';
import { runLoop } from '../electron/core/workflow/loop.ts';
import type { RecordedMessage } from './support/fake-discord/index.ts';
import { REVIEWER, buttonId, askReview, botYaml, drained, raise, stoppedAfterEach } from './support/discord.ts';

const embedText = (m: RecordedMessage) =>
  (m.embeds as Array<{ title?: string; description?: string }>)
    .map((e) => `${e.title ?? ''}\n${e.description ?? ''}`)
    .join('\n');
const titled = (messages: RecordedMessage[], title: string) =>
  messages.filter((m) => (m.embeds as Array<{ title?: string }>).some((e) => e.title === title));

function git(action: GitAction['action'], over: Partial<GitAction>): GitAction {
  return {
    id: `git_${action}_${Math.random().toString(36).slice(2, 8)}`,
    action,
    source: 'feature/data-adapter',
    target: 'develop',
    trigger: 'qa_gate_green',
    timestamp: new Date().toISOString(),
    actor: 'System',
    commit: 'a'.repeat(40),
    previous: 'b'.repeat(40),
    message: '',
    files: [],
    ...over,
  };
}

function gate(outcome: QaGate['outcome'], over: Partial<QaGate> = {}): QaGate {
  return {
    phase: 1,
    iteration: 1,
    candidate: 'c'.repeat(40),
    green: true,
    outcome,
    reasons: [],
    totals: { tests: 42, passed: 42, failed: 0, skipped: 0, flaky: 0 },
    coverage_lines: 86.04,
    coverage_branches: 71,
    drift: [{ metric: 'sharpe', baseline: 1.5, value: 1.53, percent: 2, breach: false }],
    metrics: {},
    baseline: 'last_known_good',
    reproducibility: { runs: 0, identical: 0, score: null },
    conditions: [],
    compliance: { docs: [], audit_ids: { ok: true, missing: [] } },
    manifest: [],
    duration_ms: 0,
    report: '# QA report',
    ...over,
  };
}

describe('Discord outbound posts', () => {
  const rig = stoppedAfterEach();

  it(
    'posts git events, gate results (the promotion candidate block), phase summaries and the daily ' +
      'status where the seed says',
    async () => {
      const f = await rig.fake();
      const proj = (await rig.project(botYaml(f, 'daily_status: { at: "09:00", timezone: UTC }'))).p;
      proj.ledger.append([
        {
          type: 'git.action_recorded',
          actor: 'System',
          payload: git('failure', {
            commit: null,
            trigger: 'merge',
            message: 'merge conflict in src/adapters/data.py',
          }),
        },
        {
          type: 'git.action_recorded',
          actor: 'System',
          payload: git('merge', { message: 'merge feature/data-adapter' }),
        },
        { type: 'qa.gate_evaluated', actor: 'Tester', payload: gate('auto_merge') },
        { type: 'qa.gate_evaluated', actor: 'Tester', payload: gate('promotion_candidate') },
        {
          type: 'git.action_recorded',
          actor: 'System',
          payload: git('tag', {
            source: 'main',
            target: 'v1.0-phase1',
            trigger: 'promotion',
            message: 'Phase 1 promoted',
          }),
        },
        {
          type: 'phase.promoted',
          actor: 'Human',
          payload: { phase: 1, tag: 'v1.0-phase1', commit: 'd'.repeat(40), next_phase: 2 },
        },
        { type: 'phase.started', actor: 'System', payload: { phase: 2, name: 'Phase 2', iteration: 1 } },
      ]);
      // The bridge's scheduler at 10:00 UTC on a day whose post is due at 09:00.
      await rig.bridge(proj, { DISCORD_BOT_TOKEN: f.token }, [], () => new Date('2026-11-25T10:00:00Z'));
      await drained(f, proj);
      const updates = f.messages(f.channelId('project-updates'));
      const concerns = f.messages(f.channelId('agent-concerns'));
      const approvals = f.messages(f.channelId('approvals'));
      const health = f.messages(f.channelId('system-health'));

      const [failure] = titled(concerns, '🚫 Git operation failed');
      expect(embedText(failure!)).toContain('feature/data-adapter → develop\nmerge conflict in src/adapters/data.py');
      const [merge] = titled(updates, '🧩 Merge Completed');
      expect(embedText(merge!)).toContain(
        'Source: feature/data-adapter → develop\nTests: ✅ All 42 passed\nApproved by: QA gate\nCommit: aaaaaaaaaaaa',
      );
      expect(embedText(titled(updates, '🚦 Phase 1 QA gate green')[0]!)).toContain(
        'Recommendation: Merged to develop; keep iterating',
      );
      // The seed's promotion summary block, in #approvals.
      const [candidate] = titled(approvals, '🚦 Phase 1 Promotion Candidate');
      expect(embedText(candidate!)).toContain(
        [
          'QA Status: ✅ All 42 tests passed',
          'Coverage: 86%',
          'Drift: +2.0% vs baseline (sharpe)',
          'Concerns: 0 critical',
          'Recommendation: Promote to Phase 2',
        ].join('\n'),
      );
      expect(titled(updates, '🏷️ Release v1.0-phase1')).toHaveLength(1);
      expect(embedText(titled(updates, '🚀 Phase 1 promoted (v1.0-phase1)')[0]!)).toMatch(
        /Next: Phase 2\n\nTasks: \d+ \/ \d+ complete\nOpen concerns: 0 \(0 critical\)\nPending reviews: 0/,
      );
      expect(embedText(titled(updates, '▶️ Phase 2 started (iteration 1)')[0]!)).toMatch(
        /^.*\nTasks: \d+ \/ \d+ complete\nOpen concerns: \d+ \(\d+ critical\)\nPending reviews: \d+$/,
      );
      // Git events and gates are not threads; everything was posted once, by the bot.
      expect(f.channels().filter((c) => c.type === 11)).toEqual([]);
      expect([...updates, ...concerns, ...approvals].every((m) => m.via === 'bot' && m.nonce !== null)).toBe(true);
      // The daily status, in bot mode: the seed's status block in #system-health, once.
      const daily = titled(health, '📊 Daily status — 2026-11-25');
      expect(daily).toHaveLength(1);
      expect(embedText(daily[0]!)).toMatch(
        new RegExp(
          /\nPhase: Phase 2\n.*\nAgents Active: .*\nTasks: \d+ \/ \d+ Complete\nOpen Concerns: 0 \(0 critical\)\n/
            .source +
            /.*\nLast Update: .*\nBuild: ✅ last QA gate green \(phase 1, iteration 1, 42\/42 tests passed\)$/.source,
        ),
      );
    },
  );

  it(
    'an answer to /clarify typed in a thread lands in that thread, as a reply to the bot, once; a ' +
      'console question still goes to #project-updates',
    async () => {
      const f = await rig.fake();
      const proj = (await rig.project(botYaml(f))).p;
      await rig.bridge(proj, { DISCORD_BOT_TOKEN: f.token });
      raise(proj, 'warning', 'Why two data adapters?');
      const concerns = f.channelId('agent-concerns');
      const first = await f.waitFor(() =>
        f.messages(concerns).find((m) => embedText(m).includes('Why two data adapters?')),
      );
      const thread = await f.waitFor(() => f.threadOf(first.id));
      const asked = await f.slash({
        name: 'clarify',
        options: [
          { name: 'agent', type: 3, value: 'Designer' },
          { name: 'question', type: 3, value: 'Why are there two data adapters?' },
        ],
        userId: REVIEWER,
        channelId: thread,
      });
      const botReply = await f.waitFor(() =>
        f.messages(thread).find((m) => m.interaction_id === asked.id && m.content.includes('queued')),
      );
      // The loop's next step is the Designer's answer: clarification.answered and its response.sent, together.
      await runLoop(proj, { maxSteps: 1 });
      const answer = proj.read.clarifications().at(-1);
      expect(answer?.answer).toBeTruthy();
      await drained(f, proj);
      const inThread = titled(f.messages(thread), `💬 Designer answered ${answer?.id}`);
      expect(inThread).toHaveLength(1);
      expect(inThread[0]).toMatchObject({ via: 'bot', reply_to: botReply.id });
      // Not also in #project-updates, and the response.sent with the same text is not posted a second time.
      const everywhere = f.messages().filter((m) => m.via === 'bot' && embedText(m).includes(answer?.answer ?? '?'));
      expect(everywhere).toHaveLength(1);

      // The same command from the console: no Discord message to reply to, so #project-updates as before.
      const console = await handleCommand(
        {
          ledger: proj.ledger,
          read: proj.read,
          agents: ['ProjectManager', 'Designer', 'Implementer', 'Implementer-2', 'Tester'],
          gitStatus: async () => '',
        },
        '/clarify Tester what does the smoke test cover?',
        { user: 'Human', source: 'ui' },
      );
      expect(console.ok).toBe(true);
      await runLoop(proj, { maxSteps: 1 });
      const second = proj.read.clarifications().at(-1);
      await drained(f, proj);
      const [posted] = titled(f.messages(f.channelId('project-updates')), `💬 Tester answered ${second?.id}`);
      expect(posted).toBeDefined();
      expect(posted?.reply_to).toBeUndefined();
    },
  );

  it("the answer to a review's Clarify form goes to that review's thread", async () => {
    const f = await rig.fake();
    const proj = (await rig.project(botYaml(f))).p;
    await rig.bridge(proj, { DISCORD_BOT_TOKEN: f.token });
    const review = askReview(proj);
    const msg = await f.waitFor(() =>
      f.messages(f.channelId('approvals')).find((m) => JSON.stringify(m.components).includes(review.id)),
    );
    const thread = await f.waitFor(() => f.threadOf(msg.id));
    const click = await f.click({
      customId: buttonId(proj, 'clarify', review.id),
      userId: REVIEWER,
      messageId: msg.id,
      channelId: msg.channel_id,
    });
    const modal = await f.waitFor(() =>
      f.interactionResponses().find((r) => r.interaction_id === click.id && r.type === 9),
    );
    await f.submitModal({
      customId: (modal.data as { custom_id: string }).custom_id,
      fields: { text: 'Why five tasks and not four?' },
      userId: REVIEWER,
    });
    await f.waitFor(() => proj.read.review(review.id)?.decision);
    await runLoop(proj, { maxSteps: 1 }); // the owner answers the question on its review
    const answered = proj.read.clarifications().find((c) => c.review_id === review.id);
    expect(answered?.answer).toBeTruthy();
    await drained(f, proj);
    expect(titled(f.messages(thread), `💬 ProjectManager answered ${answered?.id}`)).toHaveLength(1);
    expect(titled(f.messages(f.channelId('project-updates')), `💬 ProjectManager answered ${answered?.id}`)).toEqual(
      [],
    );
  });

  it('records the concern message id in the ledger: the projection and audit/concerns.jsonl carry it, and rebuild the same', async () => {
    const f = await rig.fake();
    const { p: proj, dir } = await rig.project(botYaml(f));
    await rig.bridge(proj, { DISCORD_BOT_TOKEN: f.token });
    const id = raise(proj, 'critical', 'Optimizer runtime exceeded 4h');
    const concerns = f.channelId('agent-concerns');
    const first = await f.waitFor(() => f.messages(concerns).find((m) => embedText(m).includes('Optimizer runtime')));
    await drained(f, proj);
    expect(proj.read.concern(id)?.discord_message_id).toBe(first.id);
    // One event, for the alert only: the escalation posted in its thread records nothing more.
    const posted = proj.ledger.readTypes(['concern.discord_posted']);
    expect(posted.map((e) => e.payload)).toEqual([{ concern_id: id, message_id: first.id, channel_id: concerns }]);
    expect(proj.read.concern(id)?.updated_at).toBe(proj.read.concern(id)?.escalations.at(-1)?.at);
    // The bridge brings the exports in line by itself.
    for (const deadline = Date.now() + 10_000; (await proj.exporter.verify()).length > 0; ) {
      if (Date.now() > deadline)
        throw new Error(`exports still differ: ${JSON.stringify(await proj.exporter.verify())}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const lines = readFileSync(join(dir, 'audit', 'concerns.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; discord_message_id: string | null; event_id: string });
    expect(lines.filter((l) => l.id === id).at(-1)).toMatchObject({
      discord_message_id: first.id,
      event_id: posted[0]?.id,
    });
    expect(lines.filter((l) => l.id === id)[0]?.discord_message_id).toBeNull();
    const before = { concerns: proj.read.concerns(), files: proj.exporter.expected() };
    proj.ledger.rebuildProjections();
    expect(proj.read.concerns()).toEqual(before.concerns);
    expect(proj.exporter.expected()).toEqual(before.files);
    expect(proj.ledger.verify().ok).toBe(true);
  });
});
