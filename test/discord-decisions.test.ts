/**
 * Review decisions from Discord against the fake: who may decide (buttons, modals), the first decision
 * winning over a racing second click or a decision made elsewhere, buttons on messages posted before a
 * restart, and inbound input that is validated before anything acts on it.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createApi, dispatch } from '../electron/core/api.ts';
import type { DiscordBridge } from '../electron/core/discord/bridge.ts';
import type { OpenedProject } from '../electron/core/host.ts';
import { decideReview } from '../electron/core/workflow/decisions.ts';
import { discordHelp, refusalText } from '../electron/core/discord/help.ts';
import { slashCommands } from '../electron/core/discord/slash-commands.ts';
import type { FakeDiscord, RecordedMessage } from './support/fake-discord/index.ts';
import {
  NO_LOOP,
  REVIEWER,
  REVIEWER_ROLE,
  STRANGER,
  askReview,
  buttonId,
  formId,
  botYaml,
  drained,
  raise,
  stoppedAfterEach,
} from './support/discord.ts';

/** The contract without a loop: these tests look at decisions, not at what the loop does next. */

describe('Discord review decisions', () => {
  let fake: FakeDiscord;
  let p: OpenedProject;
  let b: DiscordBridge;
  const env = () => ({ DISCORD_BOT_TOKEN: fake.token });
  const rig = stoppedAfterEach();

  beforeEach(async () => {
    fake = await rig.fake({ roles: [{ id: REVIEWER_ROLE, name: 'Human Reviewer' }] });
    ({ p } = await rig.project(botYaml(fake)));
    b = await rig.bridge(p, env());
  });

  const reviewMessage = (reviewId: string): Promise<RecordedMessage> =>
    fake.waitFor(() =>
      fake
        .messages(fake.channelId('approvals'))
        .find((m) => JSON.stringify(m.components).includes(buttonId(p, 'approve', reviewId))),
    );
  const decisions = (reviewId: string) =>
    p.ledger.readTypes(['review.decided']).filter((e) => (e.payload as { review_id: string }).review_id === reviewId);
  /** The text an interaction ended with: its reply, or its deferred reply once edited. */
  const answer = (interactionId: string): Promise<string> =>
    fake.waitFor(() => {
      const m = fake.messages().find((x) => x.interaction_id === interactionId && x.content !== '');
      if (m) return m.content;
      const r = fake.interactionResponses().find((x) => x.interaction_id === interactionId && x.type === 4);
      return r ? JSON.stringify(r.data) : undefined;
    });

  it('refuses a modal submitted by someone not on the allowlist: ephemeral, recorded, the review still pending', async () => {
    const review = askReview(p);
    await reviewMessage(review.id);
    await drained(fake, p);
    const before = p.ledger.count();
    const submit = await fake.submitModal({
      customId: formId(p, 'changes', review.id),
      fields: { text: 'Rewrite it all' },
      userId: STRANGER,
      channelId: fake.channelId('approvals'),
    });
    const r = await fake.waitFor(() => fake.interactionResponses().find((x) => x.interaction_id === submit.id));
    expect(r.type).toBe(4);
    expect((r.data as { flags?: number }).flags! & 64).toBe(64);
    expect(JSON.stringify(r.data)).toContain('allowlist');
    const refused = p.ledger.read(before);
    expect(refused.map((e) => e.type)).toEqual(['discord.interaction_refused']);
    expect(refused[0]?.payload).toMatchObject({
      interaction_id: submit.id,
      user_id: STRANGER,
      kind: 'modal',
      name: formId(p, 'changes', review.id),
    });
    expect(p.read.review(review.id)?.status).toBe('pending');
  });

  it(
    'two clicks racing on Approve (both past the first check before either decides): one decision, ' +
      'the other told who decided',
    async () => {
      const review = askReview(p);
      const msg = await reviewMessage(review.id);
      // Park both acknowledgements so both clicks are in flight, undecided, at the same time.
      const gate = fake.holdRequests(/^\/interactions\/\d+\/[^/]+\/callback$/, 'POST');
      const click = () =>
        fake.click({
          customId: buttonId(p, 'approve', review.id),
          userId: REVIEWER,
          messageId: msg.id,
          channelId: msg.channel_id,
        });
      const [a, c] = await Promise.all([click(), click()]);
      expect(a.id).not.toBe(c.id);
      await fake.waitFor(() => gate.held() === 2, 5000, 'both clicks to be deferring');
      gate.release();
      const texts = await Promise.all([answer(a.id), answer(c.id)]);
      // Both were deferred (type 5): the losing one reached decideReview and lost there, not at the pre-check.
      expect(
        fake
          .interactionResponses()
          .filter((r) => r.interaction_id === a.id || r.interaction_id === c.id)
          .map((r) => r.type),
      ).toEqual([5, 5]);
      expect(texts.filter((t) => t.includes('approved by'))).toHaveLength(1);
      const loser = texts.find((t) => !t.includes('approved by'));
      expect(loser).toMatch(
        /already decided by \S+ via discord at \d{4}-\d\d-\d\d \d\d:\d\d UTC: approved\. The first decision stands/,
      );
      // "Already decided" is private on this path too: the public "thinking…" reply is replaced by a private one.
      const shown = fake
        .messages()
        .filter(
          (m) => (m.interaction_id === a.id || m.interaction_id === c.id) && m.content.includes('already decided'),
        );
      expect(shown.map((m) => (m.flags ?? 0) & 64)).toEqual([64]);
      expect(decisions(review.id)).toHaveLength(1);
    },
  );

  it('a decision made first in the app or the CLI wins: the button and the form then say who decided, and nothing changes', async () => {
    const viaUi = askReview(p, 'Design spec r1');
    const viaCli = askReview(p, 'Test plan r1');
    const uiMsg = await reviewMessage(viaUi.id);
    const cliMsg = await reviewMessage(viaCli.id);
    // The Clarify form is opened in Discord before the CLI decides; it is submitted after.
    const opened = await fake.click({
      customId: buttonId(p, 'clarify', viaCli.id),
      userId: REVIEWER,
      messageId: cliMsg.id,
      channelId: cliMsg.channel_id,
    });
    const modal = await fake.waitFor(() =>
      fake.interactionResponses().find((r) => r.interaction_id === opened.id && r.type === 9),
    );
    await dispatch(createApi(p, NO_LOOP, { user: 'Human', source: 'ui' }), 'reviews.decide', {
      reviewId: viaUi.id,
      decision: 'approve',
      comment: '',
      inline: [],
    });
    decideReview(p.ledger, p.read, {
      reviewId: viaCli.id,
      decision: 'request_changes',
      comment: 'split it',
      source: 'cli',
    });
    await drained(fake, p);
    const before = p.ledger.count();

    const click = await fake.click({
      customId: buttonId(p, 'approve', viaUi.id),
      userId: REVIEWER,
      messageId: uiMsg.id,
      channelId: uiMsg.channel_id,
    });
    const r = await fake.waitFor(() => fake.interactionResponses().find((x) => x.interaction_id === click.id));
    expect(r.type).toBe(4);
    expect((r.data as { flags?: number }).flags! & 64).toBe(64);
    expect(JSON.stringify(r.data)).toMatch(
      /already decided by Human via ui at \d{4}-\d\d-\d\d \d\d:\d\d UTC: approved/,
    );

    const submit = await fake.submitModal({
      customId: (modal.data as { custom_id: string }).custom_id,
      fields: { text: 'why two adapters?' },
      userId: REVIEWER,
    });
    expect(await answer(submit.id)).toMatch(
      /already decided by Human via cli at \d{4}-\d\d-\d\d \d\d:\d\d UTC: changes requested/,
    );

    expect(p.ledger.count()).toBe(before);
    expect(p.read.review(viaUi.id)?.decision).toMatchObject({ decision: 'approve', source: 'ui' });
    expect(p.read.review(viaCli.id)?.decision).toMatchObject({
      decision: 'request_changes',
      source: 'cli',
      comment: 'split it',
    });
  });

  it('a button on a message posted before a restart still decides its review', async () => {
    const review = askReview(p);
    const msg = await reviewMessage(review.id);
    await drained(fake, p);
    await b.stop();
    b = await rig.bridge(p, env());
    const click = await fake.click({
      customId: buttonId(p, 'approve', review.id),
      userId: REVIEWER,
      messageId: msg.id,
      channelId: msg.channel_id,
    });
    expect(await answer(click.id)).toContain('approved by');
    expect(p.read.review(review.id)?.decision).toMatchObject({ decision: 'approve', source: 'discord' });
    expect(decisions(review.id)).toHaveLength(1);
  });

  it('refuses input it will not act on, privately and before anything changes', async () => {
    const review = askReview(p);
    const concern = raise(p, 'warning', 'Flaky fixture');
    const msg = await reviewMessage(review.id);
    await drained(fake, p);
    const before = p.ledger.count();
    const refusals = [
      await fake.slash({
        name: 'resolve',
        options: [{ name: 'concern', type: 3, value: '../../etc/passwd' }],
        userId: REVIEWER,
      }),
      await fake.slash({
        name: 'clarify',
        options: [
          { name: 'agent', type: 3, value: 'Mallory' },
          { name: 'question', type: 3, value: 'who are you?' },
        ],
        userId: REVIEWER,
      }),
      await fake.slash({ name: 'help', options: [{ name: 'evil', type: 3, value: 'x' }], userId: REVIEWER }),
      await fake.slash({
        name: 'assign',
        options: [
          { name: 'agent', type: 3, value: 'Designer' },
          { name: 'task', type: 3, value: 'x'.repeat(2001) },
        ],
        userId: REVIEWER,
      }),
      await fake.submitModal({ customId: formId(p, 'changes', review.id), fields: { text: '   ' }, userId: REVIEWER }),
      await fake.submitModal({
        customId: formId(p, 'clarify', review.id),
        fields: { text: 'ok', other: 'injected' },
        userId: REVIEWER,
      }),
    ];
    const why: string[] = [];
    for (const i of refusals) {
      const r = await fake.waitFor(() => fake.interactionResponses().find((x) => x.interaction_id === i.id));
      expect(r.type).toBe(4);
      expect((r.data as { flags?: number }).flags! & 64).toBe(64);
      why.push((r.data as { content: string }).content);
    }
    expect(
      why.every((w) => w.startsWith('⚠️ Governor did not accept that:') && w.endsWith('Nothing was changed.')),
    ).toBe(true);
    expect(why[0]).toContain('a concern id such as concern_0004 or 4');
    expect(why[1]).toContain('agent: "Mallory" is not an agent of this project: one of ProjectManager');
    expect(why[2]).toContain('unexpected option evil');
    expect(why[3]).toContain('at most 2000 characters');
    expect(why[4]).toContain('the text is empty');
    expect(why[5]).toContain('unexpected option other');
    // A button id that is not one of ours is not acted on either.
    const foreign = await fake.click({
      customId: `gov:approve:${review.id}/../review_0001`,
      userId: REVIEWER,
      messageId: msg.id,
    });
    const r = await fake.waitFor(() => fake.interactionResponses().find((x) => x.interaction_id === foreign.id));
    expect(JSON.stringify(r.data)).toContain("not one of Governor's");
    expect(p.ledger.read(before)).toEqual([]);
    expect(p.read.review(review.id)?.status).toBe('pending');
    expect(p.read.concern(concern)?.status).toBe('open');
  });

  it('a second /approve is told who decided, privately; the first is answered in public', async () => {
    const review = askReview(p);
    await reviewMessage(review.id);
    await drained(fake, p);
    const approve = async () => {
      const { id } = await fake.slash({
        name: 'approve',
        options: [{ name: 'review', type: 3, value: review.id }],
        userId: REVIEWER,
        channelId: fake.channelId('approvals'),
      });
      const m = await fake.waitFor(() => fake.messages().find((x) => x.interaction_id === id && x.content !== ''));
      // The public "thinking…" of a refusal is removed: the private answer is all that is left.
      expect(fake.messages().filter((x) => x.interaction_id === id)).toHaveLength(1);
      return { text: m.content, flags: (m.flags ?? 0) & 64 };
    };
    expect(await approve()).toEqual({ text: `Review ${review.id} (${review.title}) approved.`, flags: 0 });
    const again = await approve();
    expect(again.flags).toBe(64);
    expect(again.text).toMatch(
      /^⚠️ review \S+ was already decided by user_000003 via discord at \d{4}-\d\d-\d\d \d\d:\d\d UTC: approve; the first/,
    );
    expect(decisions(review.id)).toHaveLength(1);
  });

  it('help on Discord lists exactly the registered slash commands, for /help and for text the grammar refused', async () => {
    const registered = slashCommands().map((c) => `/${c.name}`);
    const listed = (text: string) => [...text.matchAll(/^ {2}(\/[a-z]+)/gm)].map((m) => m[1]);
    const { id } = await fake.slash({ name: 'help', userId: REVIEWER });
    const shown = await answer(id);
    expect(listed(shown)).toEqual(registered);
    expect(shown).not.toContain('/escalate');
    expect(shown).toContain('/ack concern: [note:] — acknowledge');
    const one = await fake.slash({
      name: 'help',
      options: [{ name: 'command', type: 3, value: 'ack' }],
      userId: REVIEWER,
    });
    expect(listed(await answer(one.id))).toEqual(['/ack']);
    // A parse refusal carries the console's help in its response; Discord shows its own, chosen by the code.
    const refused = refusalText({ code: 'unparsed', message: 'name a concern: /ack <concern-id>' });
    expect(refused.startsWith('⚠️ name a concern: /ack <concern-id>\n\nCommands:')).toBe(true);
    expect(refused).toContain(discordHelp());
    expect(listed(refused)).toEqual(registered);
    expect(refusalText({ code: 'conflict', message: 'already' })).toBe('⚠️ already');
  });
});
