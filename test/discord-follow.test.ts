/**
 * Messages that follow the state, pings that matter, a review readable on a phone, permission requests as
 * buttons, and exactly-once delivery when the thread fails after the alert was posted (500 and 403, with
 * Discord's nonce check on and off).
 */
import { describe, expect, it } from 'vitest';
import { createApi, dispatch } from '../electron/core/api.ts';
import { denyFormId, permissionId, projectTag } from '../electron/core/discord/custom-id.ts';
import { projectKey } from '../electron/core/discord/bridge.ts';
import type { OpenedProject } from '../electron/core/host.ts';
import type { FakeDiscord, RecordedMessage } from './support/fake-discord/index.ts';
import {
  NO_LOOP,
  REVIEWER,
  REVIEWER_ROLE,
  askPermission,
  askReview,
  botYaml,
  buttonId,
  drained,
  formId,
  outboxRows,
  raise,
  summaries,
  stoppedAfterEach,
} from './support/discord.ts';

type Embed = { title?: string; description?: string; color?: number };
type Button = { custom_id: string; disabled?: boolean; label: string };
const embed = (m: RecordedMessage | undefined) => (m?.embeds[0] ?? {}) as Embed;
const buttons = (m: RecordedMessage | undefined) =>
  (m?.components[0] as { components?: Button[] } | undefined)?.components ?? [];

describe('Discord messages follow the state', () => {
  const rig = stoppedAfterEach();

  async function setup(
    extra = '',
    o: { enforceNonce?: boolean } = {},
  ): Promise<{ f: FakeDiscord; proj: OpenedProject }> {
    const f = await rig.fake({ roles: [{ id: REVIEWER_ROLE, name: 'Human Reviewer' }], ...o });
    const proj = (await rig.project(botYaml(f, extra))).p;
    await rig.bridge(proj, { DISCORD_BOT_TOKEN: f.token });
    return { f, proj };
  }
  const byId = (f: FakeDiscord, id: string) => f.waitFor(() => f.messages().find((m) => m.id === id));
  const answered = (f: FakeDiscord, id: string) =>
    f.waitFor(() => f.messages().find((x) => x.interaction_id === id && x.content !== ''), 8000);

  it('edits the review request after each decision: status, who, via where; buttons greyed out', async () => {
    const { f, proj } = await setup();
    const api = createApi(proj, NO_LOOP, { user: 'Human', source: 'ui' });
    const viaButton = askReview(proj, 'Plan A');
    const viaForm = askReview(proj, 'Plan B');
    const viaUi = askReview(proj, 'Plan C');
    await drained(f, proj);
    const approvals = f.channelId('approvals');
    const [mA, mB, mC] = f.messages(approvals).filter((m) => m.via === 'bot');
    expect(buttons(mA).map((x) => x.label)).toEqual([
      'Approve',
      'Request changes',
      'Clarify',
      'Approve with conditions',
    ]);
    expect(buttons(mA).some((x) => x.disabled)).toBe(false);

    await f.click({
      customId: buttonId(proj, 'approve', viaButton.id),
      userId: REVIEWER,
      messageId: mA?.id ?? '',
      channelId: approvals,
    });
    const opened = await f.click({
      customId: buttonId(proj, 'conditions', viaForm.id),
      userId: REVIEWER,
      messageId: mB?.id ?? '',
      channelId: approvals,
    });
    await f.waitFor(() => f.interactionResponses().find((r) => r.interaction_id === opened.id && r.type === 9));
    await f.submitModal({
      customId: formId(proj, 'conditions', viaForm.id),
      fields: { text: 'keep the cache off by default' },
      userId: REVIEWER,
    });
    await dispatch(api, 'reviews.decide', {
      reviewId: viaUi.id,
      decision: 'request_changes',
      comment: 'split the adapters',
      inline: [],
    });
    const edits = (m: RecordedMessage | undefined) => f.messages().find((x) => x.id === m?.id)?.edits ?? 0;
    await f.waitFor(() => [mA, mB, mC].every((m) => edits(m) > 0), 8000, 'three edits');
    await drained(f, proj);

    const a = await byId(f, mA?.id ?? '');
    const bm = await byId(f, mB?.id ?? '');
    const c = await byId(f, mC?.id ?? '');
    expect(embed(a).description).toMatch(
      /^\*\*Status:\*\* ✅ Approved by \S+ via discord · \d{4}-\d\d-\d\d \d\d:\d\d UTC\n/,
    );
    expect(embed(bm).description).toMatch(
      /^\*\*Status:\*\* ☑️ Approved with conditions by \S+ via discord · .* UTC\n> keep the cache off by default/,
    );
    expect(embed(c).description).toMatch(
      /^\*\*Status:\*\* ✏️ Changes requested by Human via ui · .* UTC\n> split the adapters/,
    );
    for (const m of [a, bm, c]) {
      expect(buttons(m).map((x) => x.disabled)).toEqual([true, true, true, true]);
      expect(m.content).toBe(''); // the ping is gone once it no longer needs anyone
    }
    // Edited, not re-posted: still one message per review in the channel.
    expect(f.messages(approvals).filter((m) => m.via === 'bot')).toHaveLength(3);
  });

  it('edits a concern after its escalation to the human and its resolution; "needs you" only while it does', async () => {
    const { f, proj } = await setup();
    const id = raise(proj, 'warning', 'Drift above the threshold on ES futures');
    await drained(f, proj);
    const concerns = f.channelId('agent-concerns');
    const first = f.messages(concerns)[0];
    expect(embed(first).description).toContain('Action: ProjectManager review needed.');
    proj.ledger.transact((tx) =>
      tx.append({
        type: 'concern.escalated',
        actor: 'ProjectManager',
        payload: { concern_id: id, from: 'ProjectManager', to: 'Human', reason: 'needs a budget call' },
      }),
    );
    await drained(f, proj);
    const escalated = await byId(f, first?.id ?? '');
    expect(embed(escalated).description).toMatch(/^\*\*Status:\*\* ⏫ Escalated ProjectManager → you/);
    // Re-posted where the human looks, pinging them.
    const repost = f.messages(concerns).find((m) => embed(m).title?.startsWith('⏫ Needs you'));
    expect(repost?.content).toBe(`<@${REVIEWER}> <@&${REVIEWER_ROLE}>`);
    await dispatch(createApi(proj, NO_LOOP, { user: 'Human', source: 'ui' }), 'concerns.act', {
      concernId: id,
      action: 'resolve',
      note: 'budget raised',
    });
    await drained(f, proj);
    const resolved = await byId(f, first?.id ?? '');
    expect(embed(resolved).description).toMatch(
      /^\*\*Status:\*\* ✅ Resolved by Human via ui · .* UTC\n> budget raised/,
    );
    expect(embed(resolved).description).not.toContain('Action:');
    expect(resolved.edits).toBe(2);
  });

  it('pings only for critical concerns, review requests and permission requests, and only the configured people', async () => {
    const { f, proj } = await setup('mentions:\n  users: ["311111111111111111"]\n  roles: []');
    raise(proj, 'warning', 'A warning pings nobody');
    raise(proj, 'critical', 'A critical concern pings');
    askReview(proj, 'A review pings');
    askPermission(proj);
    await drained(f, proj);
    // Who Discord actually notified (allowed_mentions applied), not just what the text says.
    const pinged = f.messages().filter((m) => m.pinged.users.length + m.pinged.roles.length > 0);
    expect(pinged.map((m) => embed(m).title)).toEqual([
      '🔴 A critical concern pings',
      expect.stringMatching(/^⏫ Needs you: A critical concern pings/),
      '📝 Review requested: A review pings',
      expect.stringMatching(/^🔐 Implementer asks to use Bash: rm -rf build/),
    ]);
    expect(
      pinged.every(
        (m) =>
          m.content === '<@311111111111111111>' &&
          m.pinged.users.join() === '311111111111111111' &&
          m.pinged.roles.length === 0,
      ),
    ).toBe(true);
    expect(f.messages().find((m) => embed(m).title === '⚠️ A warning pings nobody')?.content).toBe('');
  });

  it('a review request carries an excerpt, the document attached as .md, and a link to the web UI', async () => {
    const { f, proj } = await setup('web_url: https://governor.example.test:8443/');
    const r = proj.ledger.transact((tx) => {
      tx.append({
        type: 'artifact.revised',
        actor: 'Designer',
        payload: {
          path: 'design/DESIGN_SPEC.md',
          revision: 1,
          phase: 1,
          owner: 'Designer',
          content:
            '# Design spec\n\nA small event-driven backtester with one adapter per broker.\n\n## Components\n\nLots more here.',
          delta_summary: null,
          in_response_to: null,
          scripted: false,
          at: new Date().toISOString(),
        },
      });
      return null;
    });
    expect(r).toBeNull();
    askReview(proj, 'Design spec r1', 'The design, first revision.', 'design/DESIGN_SPEC.md');
    await drained(f, proj);
    const m = f
      .messages(f.channelId('approvals'))
      .find((x) => embed(x).title === '📝 Review requested: Design spec r1');
    expect(embed(m).description).toContain('> A small event-driven backtester with one adapter per broker.');
    expect(embed(m).description).not.toContain('Lots more here');
    expect(embed(m).description).toContain(
      '[Open the review](https://governor.example.test:8443/#/reviews/review_0001)',
    );
    expect(m?.attachments.map((a) => a.filename)).toContain('DESIGN_SPEC.md');
    expect(m?.attachments.find((a) => a.filename === 'DESIGN_SPEC.md')?.content).toContain('Lots more here.');
    expect(f.channels().find((c) => c.id === f.threadOf(m?.id ?? ''))?.name).toBe('Review: Design spec r1');
  });

  it('a permission request shows the exact input with Allow once / Allow for session / Deny, decided through the API', async () => {
    const { f, proj } = await setup();
    const req = askPermission(proj);
    await drained(f, proj);
    const m = f.messages(f.channelId('approvals')).find((x) => embed(x).title?.startsWith('🔐'));
    expect(embed(m).description).toContain('"command": "rm -rf build/ && npm run build"');
    expect(buttons(m).map((x) => x.label)).toEqual(['Allow once', 'Allow for session', 'Deny', 'Deny with reason…']);
    const tag = projectTag(projectKey(proj));
    const click = await f.click({
      customId: permissionId(tag, 'allow_session', req.id, req.input_digest),
      userId: REVIEWER,
      messageId: m?.id ?? '',
    });
    expect((await answered(f, click.id)).content).toMatch(/allowed for the session by \S+ via discord/);
    expect(proj.read.permissionRequest(req.id)?.decision).toMatchObject({
      decision: 'allow_session',
      source: 'discord',
      rule: 'Bash(npm run build:*)',
    });
    await f.waitFor(() => (f.messages().find((x) => x.id === m?.id)?.edits ?? 0) > 0, 8000, 'the edit');
    const edited = await byId(f, m?.id ?? '');
    expect(embed(edited).description).toMatch(/^\*\*Status:\*\* ✅ Allowed for the session by \S+ via discord/);
    expect(buttons(edited).every((x) => x.disabled)).toBe(true);
    // A second click (a stale phone screen) changes nothing and says so, privately.
    const again = await f.click({
      customId: permissionId(tag, 'deny', req.id, req.input_digest),
      userId: REVIEWER,
      messageId: m?.id ?? '',
    });
    const late = await f.waitFor(
      () => f.messages().find((x) => x.interaction_id === again.id && x.content.includes('already decided')),
      8000,
    );
    expect((late.flags ?? 0) & 64).toBe(64);
    expect(proj.read.permissionRequest(req.id)?.decision?.decision).toBe('allow_session');
  });

  it('"Deny with reason…" opens a form; the denial carries the reason the agent reads, once', async () => {
    const { f, proj } = await setup();
    const req = askPermission(proj);
    await drained(f, proj);
    const m = f.messages(f.channelId('approvals')).find((x) => embed(x).title?.startsWith('🔐'));
    const tag = projectTag(projectKey(proj));
    const click = await f.click({
      customId: denyFormId(tag, req.id, req.input_digest),
      userId: REVIEWER,
      messageId: m?.id ?? '',
    });
    const form = await f.waitFor(() => f.interactionResponses().find((x) => x.interaction_id === click.id));
    expect(form.type).toBe(9);
    // Opening the form decides nothing: the request still waits.
    expect(proj.read.permissionRequest(req.id)?.status).toBe('pending');
    const formId = (form.data as { custom_id: string }).custom_id;
    const reason = 'Do not delete build/; run `npm run build` alone, it cleans up itself.';
    const submit = await f.submitModal({ customId: formId, fields: { text: reason }, userId: REVIEWER });
    expect((await answered(f, submit.id)).content).toMatch(/denied by \S+ via discord\.\n> Do not delete build/);
    expect(proj.read.permissionRequest(req.id)?.decision).toMatchObject({
      decision: 'deny',
      source: 'discord',
      message: reason,
    });
    // A second form sent from a stale screen changes nothing.
    const again = await f.submitModal({ customId: formId, fields: { text: 'changed my mind' }, userId: REVIEWER });
    expect((await answered(f, again.id)).content).toMatch(/already decided/);
    expect(proj.read.permissionRequest(req.id)?.decision?.message).toBe(reason);
    // And the button on the old message now says so privately instead of opening a form.
    const late = await f.click({
      customId: denyFormId(tag, req.id, req.input_digest),
      userId: REVIEWER,
      messageId: m?.id ?? '',
    });
    const lateAnswer = await f.waitFor(() => f.interactionResponses().find((x) => x.interaction_id === late.id));
    expect(lateAnswer.type).toBe(4);
    expect(JSON.stringify(lateAnswer.data)).toContain('was already denied');
  });

  for (const nonce of [true, false]) {
    it(`a thread that fails with 500 after the alert was posted never re-posts it (nonce check ${nonce ? 'on' : 'off'})`, async () => {
      const { f, proj } = await setup('', { enforceNonce: nonce });
      f.failRequests({ method: 'POST', path: /^\/channels\/\d+\/messages\/\d+\/threads$/, status: 500, count: 2 });
      raise(proj, 'warning', 'Thread fails twice');
      raise(proj, 'warning', 'Right behind it');
      await drained(f, proj, 15_000);
      const concerns = f.channelId('agent-concerns');
      expect(summaries(f.messages(concerns))).toEqual(['Thread fails twice', 'Right behind it']);
      const first = f.messages(concerns)[0];
      expect(f.threadOf(first?.id ?? '')).not.toBeNull();
      expect(outboxRows(proj).every((r) => r.state === 'sent')).toBe(true);
    });

    it(`a POST answered 500 after Discord stored it is found, not re-posted (nonce check ${nonce ? 'on' : 'off'})`, async () => {
      const { f, proj } = await setup('', { enforceNonce: nonce });
      f.failNext(1, 500, { afterCommit: true });
      raise(proj, 'info', 'Stored, then the answer was lost');
      await drained(f, proj, 15_000);
      expect(summaries(f.messages(f.channelId('agent-concerns')))).toEqual(['Stored, then the answer was lost']);
    });

    it(
      `a 403 on threads is reported once with the fix; alerts go out without threads and nothing ` +
        `waits (nonce check ${nonce ? 'on' : 'off'})`,
      async () => {
        const { f, proj } = await setup('', { enforceNonce: nonce });
        f.failRequests({
          method: 'POST',
          path: /^\/channels\/\d+\/messages\/\d+\/threads$/,
          status: 403,
          code: 50013,
          message: 'Missing Permissions',
          count: 100,
        });
        const id = raise(proj, 'warning', 'First without a thread');
        raise(proj, 'warning', 'Second without a thread');
        askReview(proj, 'A review without a thread');
        await drained(f, proj, 15_000);
        const concerns = f.channelId('agent-concerns');
        expect(summaries(f.messages(concerns))).toEqual(['First without a thread', 'Second without a thread']);
        expect(f.messages(f.channelId('approvals')).filter((m) => m.via === 'bot')).toHaveLength(1);
        const fixes = f
          .messages(f.channelId('system-health'))
          .filter((m) => embed(m).title === '🔧 Discord needs a fix');
        expect(fixes).toHaveLength(2); // once per channel, not once per alert
        expect(embed(fixes[0]).description).toMatch(
          /cannot start threads in .*Give the bot \*Create Public Threads\* and \*Send Messages in Threads\*/,
        );
        // Its updates follow in the channel.
        proj.ledger.transact((tx) =>
          tx.append({
            type: 'concern.resolved',
            actor: 'Human',
            payload: { concern_id: id, by: 'Human', note: 'done' },
          }),
        );
        await drained(f, proj);
        expect(f.messages(concerns).some((m) => embed(m).title === `✅ ${id} resolved by Human`)).toBe(true);
        expect(f.requests().filter((r) => r.status === 403)).toHaveLength(3);
      },
    );
  }
});
