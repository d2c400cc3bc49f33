import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createApi, createLoopRunner, dispatch } from '../electron/core/api.ts';
import type { OpenedProject } from '../electron/core/host.ts';
import type { FakeDiscord } from './support/fake-discord/index.ts';
import { enqueueDailyIfDue } from '../electron/core/discord/daily.ts';
import { createOutbox } from '../electron/core/discord/outbox.ts';
import { refusalLine } from '../shared/refusal-line.ts';
import { refusals } from '../electron/core/discord/refusals.ts';
import {
  NO_LOOP,
  REVIEWER,
  REVIEWER_ROLE,
  STRANGER,
  buttonId,
  askReview,
  botYaml,
  drained,
  raise,
  stoppedAfterEach,
  REGISTERED_COMMANDS,
} from './support/discord.ts';

describe('Discord bridge (bot mode) against a fake Discord', () => {
  let fake: FakeDiscord;
  let p: OpenedProject;
  let dir: string;
  const logs: string[] = [];
  const rig = stoppedAfterEach();

  beforeEach(async () => {
    fake = await rig.fake({ roles: [{ id: REVIEWER_ROLE, name: 'Human Reviewer' }] });
    ({ p, dir } = await rig.project(botYaml(fake)));
    await rig.bridge(p, { DISCORD_BOT_TOKEN: fake.token }, logs);
  });

  it('posts a critical concern to #agent-concerns in its own thread, and its lifecycle into that thread', async () => {
    const id = raise(p, 'critical', 'Optimizer runtime exceeded 4h', 'Trial 37 stuck; see run logs #4891');
    const concerns = fake.channelId('agent-concerns');
    const first = await fake.waitFor(() =>
      fake.messages(concerns).find((m) => JSON.stringify(m.embeds).includes('Optimizer runtime')),
    );
    const embed = first.embeds[0] as { title: string; description: string };
    // The title says what the concern is; the seed's "[from → to] Concern Raised" opens the body.
    expect(embed.title).toBe('🔴 Optimizer runtime exceeded 4h');
    expect(embed.description).toContain('[Tester → ProjectManager] Concern Raised');
    expect(embed.description).toContain('Category: test_failure');
    expect(embed.description).toContain('Summary: Optimizer runtime exceeded 4h');
    expect(first.nonce).toMatch(/^.{1,25}$/);
    const thread = await fake.waitFor(() => fake.threadOf(first.id));
    expect(fake.channels().find((c) => c.id === thread)?.name).toBe('Optimizer runtime exceeded 4h');
    // The escalation to the human (critical concerns go straight up) lands in the thread, and is re-posted in
    // the channel, where the human looks, pinging the reviewers; the alert itself now says it needs them.
    await fake.waitFor(() => fake.messages(thread).some((m) => JSON.stringify(m.embeds).includes('escalated')));
    await drained(fake, p);
    const inChannel = fake.messages(concerns).filter((m) => m.via === 'bot');
    expect(inChannel.map((m) => (m.embeds[0] as { title: string }).title)).toEqual([
      '🔴 Optimizer runtime exceeded 4h',
      '⏫ Needs you: Optimizer runtime exceeded 4h',
    ]);
    expect(inChannel.map((m) => m.content)).toEqual([
      `<@${REVIEWER}> <@&${REVIEWER_ROLE}>`,
      `<@${REVIEWER}> <@&${REVIEWER_ROLE}>`,
    ]);
    expect(JSON.stringify(fake.messages(concerns)[0]?.embeds)).toContain(
      '**Status:** ⏫ Escalated ProjectManager → you',
    );
    expect(p.read.concern(id)?.status).toBe('open');
  });

  it('answers /status through the shared command handler, deferring first', async () => {
    const { id } = await fake.slash({ name: 'status', userId: REVIEWER, channelId: fake.channelId('project-updates') });

    const reply = await fake.waitFor(() =>
      fake.messages().find((m) => m.interaction_id === id && m.content.includes('System Status')),
    );
    expect(reply.content).toMatch(/Phase: .*\n/);
    expect(reply.content).toMatch(/Tasks: \d+ \/ \d+ Complete/);
    expect(reply.content).toMatch(/Open Concerns: \d+ \(\d+ critical\)/);
    expect(reply.content).toMatch(/Last Update: /);
    expect(fake.interactionResponses().find((r) => r.interaction_id === id)?.type).toBe(5);
    const cmd = p.read.commands().at(-1);
    expect(cmd).toMatchObject({ cmd: '/status', source: 'discord' });
    expect(
      fake
        .commands()
        .map((c) => c.name)
        .sort(),
    ).toEqual(REGISTERED_COMMANDS);
  });

  it('answers /status git with the branches, the last merge and tag, and open conflicts', async () => {
    const { id } = await fake.slash({
      name: 'status',
      options: [{ name: 'scope', type: 3, value: 'git' }],
      userId: REVIEWER,
      channelId: fake.channelId('project-updates'),
    });
    const reply = await fake.waitFor(() =>
      fake.messages().find((m) => m.interaction_id === id && m.content.includes('Git Status')),
    );
    expect(reply.content).toMatch(/^🌿 Git Status\nmain: \S+ +develop: \S+/);
    expect(reply.content).toContain('Last gate merge: none yet');
    expect(reply.content).toContain('Last tag: none yet');
    expect(reply.content).toContain('Open conflicts: none');
    expect(p.read.commands().at(-1)).toMatchObject({ cmd: '/status', target: 'git', args: '', source: 'discord' });
    // Recorded as typed, once: "/status git", never "/status git git" (the scope was both target and args).
    const detail = readFileSync(join(dir, 'docs', 'PROJECT_DETAIL.md'), 'utf8');
    expect(detail).toMatch(/ · discord · \S+ · `\/status git` → /);
    expect(detail).not.toContain('git git');
  });

  it('/resolve changes the ledger, visible through the contract, and the resolution lands in the thread', async () => {
    const id = raise(p, 'warning', 'Regression tests failing');
    const api = createApi(
      p,
      createLoopRunner(p, () => {}),
      { user: 'Human', source: 'ui' },
    );
    const concerns = fake.channelId('agent-concerns');
    const first = await fake.waitFor(() =>
      fake.messages(concerns).find((m) => JSON.stringify(m.embeds).includes('Regression tests failing')),
    );
    const thread = await fake.waitFor(() => fake.threadOf(first.id));
    const { id: iid } = await fake.slash({
      name: 'resolve',
      options: [
        { name: 'concern', type: 3, value: id },
        { name: 'note', type: 3, value: 'fixed upstream' },
      ],
      userId: REVIEWER,
      channelId: thread,
    });
    await fake.waitFor(() => fake.messages().find((m) => m.interaction_id === iid && m.content.includes('resolved')));
    const list = await dispatch(api, 'concerns.list', {});
    expect(list.items.find((c) => c.id === id)).toMatchObject({ status: 'resolved', resolution: 'fixed upstream' });
    await fake.waitFor(() =>
      fake
        .messages(thread)
        .some((m) => m.via === 'bot' && JSON.stringify(m.embeds).includes('resolved by user_000003 via discord')),
    );
  });

  it('a second /ack is told who acknowledged first, and records no second acknowledgement', async () => {
    const first = raise(p, 'warning', 'Fixture drift in the 2019 data');
    const second = raise(p, 'warning', 'Slow optimizer trials');
    await drained(fake, p);
    const ack = async (concern: string) => {
      const { id } = await fake.slash({
        name: 'ack',
        options: [{ name: 'concern', type: 3, value: concern }],
        userId: REVIEWER,
        channelId: fake.channelId('agent-concerns'),
      });
      const m = await fake.waitFor(() => fake.messages().find((x) => x.interaction_id === id && x.content !== ''));
      // Only the answer is left: a refusal's public "thinking…" is removed, not left beside the private answer.
      expect(fake.messages().filter((x) => x.interaction_id === id)).toHaveLength(1);
      shown.push((m.flags ?? 0) & 64);
      return m.content;
    };
    const shown: number[] = [];
    const acks = (concern: string) =>
      p.ledger
        .readTypes(['concern.acknowledged'])
        .filter((e) => (e.payload as { concern_id: string }).concern_id === concern);
    expect(await ack(first)).toBe(`Concern ${first} acknowledged.`);
    expect(acks(first)[0]?.payload).toMatchObject({ by: 'Human', user: 'user_000003', source: 'discord' });
    const again = await ack(first);
    expect(again).toMatch(
      new RegExp(
        `^⚠️ concern ${first} was already acknowledged by user_000003 via discord at ` +
          `\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC; nothing was changed$`,
      ),
    );
    expect(acks(first)).toHaveLength(1);
    // Acknowledged in the app first: the phone is told so, by name and surface.
    const ui = createApi(p, NO_LOOP, { user: 'Human', source: 'ui' });
    await dispatch(ui, 'concerns.act', { concernId: second, action: 'ack', note: '' });
    expect(await ack(second)).toMatch(/^⚠️ concern \S+ was already acknowledged by Human via ui at .* UTC; nothing/);
    expect(acks(second)).toHaveLength(1);
    // The first /ack is answered in public; both "already acknowledged" answers privately (flag 64).
    expect(shown).toEqual([0, 64, 64]);
    // The refusal is still recorded as the command it was, with its answer.
    expect(p.read.commands().at(-1)).toMatchObject({ cmd: '/ack', target: second, source: 'discord' });
    // The channel message follows the first acknowledgement, and names who made it.
    const concerns = fake.channelId('agent-concerns');
    await fake.waitFor(() =>
      fake
        .messages(concerns)
        .some((m) => JSON.stringify(m.embeds).includes('👀 Acknowledged by user_000003 via discord')),
    );
  });

  it('an Approve button decides the review; Discord re-delivering it acts once; a later click gets a polite reply', async () => {
    const review = askReview(p);
    const approvals = fake.channelId('approvals');
    const msg = await fake.waitFor(() => fake.messages(approvals).find((m) => m.components.length > 0));
    expect(JSON.stringify(msg.components)).toContain(buttonId(p, 'approve', review.id));
    const one = await fake.click({
      customId: buttonId(p, 'approve', review.id),
      userId: REVIEWER,
      messageId: msg.id,
      channelId: approvals,
    });
    // The same interaction (same id and token) delivered twice, before the first is even answered.
    fake.resendInteraction(one.id);
    await fake.waitFor(() =>
      fake.messages().find((m) => m.interaction_id === one.id && m.content.includes('approved')),
    );
    const two = await fake.click({
      customId: buttonId(p, 'approve', review.id),
      userId: REVIEWER,
      messageId: msg.id,
      channelId: approvals,
    });
    const polite = await fake.waitFor(() => fake.interactionResponses().find((r) => r.interaction_id === two.id));
    expect(JSON.stringify(polite.data)).toMatch(/already decided by \S+ via discord at \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    // The duplicate was dropped by its id: one callback for that interaction (a second would be Discord's 40060), one row.
    const callbacks = fake
      .requests()
      .filter((r) => r.method === 'POST' && r.path.startsWith(`/interactions/${one.id}/`));
    expect(callbacks.map((r) => r.status)).toEqual([204]);
    expect(fake.requests().filter((r) => r.path.startsWith('/interactions/') && r.status >= 400)).toEqual([]);
    expect(
      p.ledger.db
        .prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM discord_interactions WHERE id = ?')
        .get(one.id)?.n,
    ).toBe(1);
    expect(fake.messages().filter((m) => m.interaction_id === one.id)).toHaveLength(1);
    const api = createApi(
      p,
      createLoopRunner(p, () => {}),
      { user: 'Human', source: 'ui' },
    );
    const after = await dispatch(api, 'reviews.get', { id: review.id });
    expect(after.decision).toMatchObject({ decision: 'approve', source: 'discord' });
    expect(
      p.ledger
        .readTypes(['review.decided'])
        .filter((e) => (e.payload as { review_id: string }).review_id === review.id),
    ).toHaveLength(1);
    // The decision is posted in the review's thread and shows in PROJECT_DETAIL's "Recent Human Interactions".
    const thread = await fake.waitFor(() => fake.threadOf(msg.id));
    await fake.waitFor(() => fake.messages(thread).some((m) => JSON.stringify(m.embeds).includes('Approved')));
    await p.exporter.sync();
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(`${dir}/docs/PROJECT_DETAIL.md`, 'utf8')).toMatch(/· discord · \S+ · .*Plan/);
  });

  it('Request changes opens a modal; its text becomes the decision comment', async () => {
    const review = askReview(p);
    const approvals = fake.channelId('approvals');
    const msg = await fake.waitFor(() => fake.messages(approvals).find((m) => m.components.length > 0));
    const click = await fake.click({
      customId: buttonId(p, 'changes', review.id),
      userId: REVIEWER,
      messageId: msg.id,
      channelId: approvals,
    });
    const modal = await fake.waitFor(() => fake.interactionResponses().find((r) => r.interaction_id === click.id));
    expect(modal.type).toBe(9);
    const customId = (modal.data as { custom_id: string }).custom_id;
    const submit = await fake.submitModal({
      customId,
      fields: { text: 'Split the data adapter into its own task' },
      userId: REVIEWER,
      channelId: approvals,
    });
    await fake.waitFor(() =>
      fake.messages().find((m) => m.interaction_id === submit.id && m.content.includes('changes requested')),
    );
    expect(p.read.review(review.id)?.decision).toMatchObject({
      decision: 'request_changes',
      comment: 'Split the data adapter into its own task',
      source: 'discord',
    });
  });

  it('refuses a user not on the allowlist: ephemeral reply, a ledger event, nothing else changes', async () => {
    const review = askReview(p);
    const id = raise(p, 'warning', 'Something odd');
    await drained(fake, p);
    await p.exporter.sync(); // the test's own appends above went around the API
    const before = p.ledger.count();
    const click = await fake.click({
      customId: buttonId(p, 'approve', review.id),
      userId: STRANGER,
      roles: ['123456789012345678'],
    });
    const slash = await fake.slash({
      name: 'resolve',
      options: [{ name: 'concern', type: 3, value: id }],
      userId: STRANGER,
    });
    for (const i of [click, slash]) {
      const r = await fake.waitFor(() => fake.interactionResponses().find((x) => x.interaction_id === i.id));
      expect(r.type).toBe(4);
      expect((r.data as { flags?: number }).flags! & 64).toBe(64);
      expect(JSON.stringify(r.data)).toContain('allowlist');
    }
    const refused = p.ledger.read(before);
    expect(refused.map((e) => e.type)).toEqual(['discord.interaction_refused', 'discord.interaction_refused']);
    // The exports follow a refusal as they follow any change (status.json's last event, the timeline).
    await vi.waitFor(async () => expect(await p.exporter.verify()).toEqual([]), { timeout: 8000 });
    expect(refused[0]?.payload).toMatchObject({
      user_id: STRANGER,
      kind: 'button',
      name: buttonId(p, 'approve', review.id),
    });
    expect(p.read.review(review.id)?.status).toBe('pending');
    expect(p.read.concern(id)?.status).toBe('open');
    // Surfaced, not only stopped: the status (Settings → Discord, `governor discord status`) and the daily post.
    const status = await dispatch(createApi(p, NO_LOOP, { user: 'Human', source: 'ui' }), 'discord.status', {});
    expect(status.refused_24h).toBe(2);
    expect(status.refused.map((r) => r.what)).toEqual([`/resolve concern:${id}`, buttonId(p, 'approve', review.id)]);
    expect(status.refused[0]).toMatchObject({ user_id: STRANGER });
    const outbox = createOutbox(p.ledger.db);
    // Due at 00:00 UTC, so the post is due whatever the time of day the suite runs (09:00 failed before 9 am).
    const later = new Date(Date.now() + 60_000);
    expect(enqueueDailyIfDue(outbox, p.read, '00:00', 'UTC', later, refusalLine(refusals(p.ledger.db)))).toBe(true);
    const daily = outbox.byKey(`daily:${later.toISOString().slice(0, 10)}`);
    expect(daily?.payload).toMatch(
      /Refused Discord attempts: 2 refused in the last 24 h; latest: \S+ \(399999999999999999\) tried \/resolve/,
    );
    // A reviewer by role is let in.
    const byRole = await fake.slash({ name: 'help', userId: STRANGER, roles: [REVIEWER_ROLE] });
    await fake.waitFor(() =>
      fake.messages().find((m) => m.interaction_id === byRole.id && m.content.includes('Commands:')),
    );
  });

  it('truncates text beyond the embed limit and attaches the whole of it as .md', async () => {
    const details = `${'The optimizer trial log says: '.repeat(10)}${'x'.repeat(9000)} END-OF-DETAILS`;
    const id = raise(p, 'warning', 'Very long details', details);
    const concerns = fake.channelId('agent-concerns');
    const msg = await fake.waitFor(() =>
      fake.messages(concerns).find((m) => JSON.stringify(m.embeds).includes('Very long details')),
    );
    const embed = msg.embeds[0] as { description: string };
    expect(embed.description.length).toBeLessThanOrEqual(4096);
    expect(embed.description).not.toContain('END-OF-DETAILS');
    expect(msg.attachments).toHaveLength(1);
    expect(msg.attachments[0]?.filename).toBe(`${id}.md`);
    expect(msg.attachments[0]?.content).toContain('END-OF-DETAILS');
  });
});
