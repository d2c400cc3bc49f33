/**
 * Starting the next phase from a phone: `/phase next` and the promotion message's "Start phase N" button
 * both go through the contract's `phase.next`, are recorded as the human's command, and the promotion
 * message follows: it says who started the phase, and its button is greyed out. The second try is told
 * who was first, privately, and starts nothing.
 */
import { execFileSync } from 'node:child_process';
import { beforeEach, describe, expect, it } from 'vitest';
import { projectKey } from '../electron/core/discord/bridge.ts';
import { nextPhaseId, projectTag } from '../electron/core/discord/custom-id.ts';
import type { OpenedProject } from '../electron/core/host.ts';
import { decideReview } from '../electron/core/workflow/decisions.ts';
import { runLoop } from '../electron/core/workflow/loop.ts';
import type { FakeDiscord, RecordedMessage } from './support/fake-discord/index.ts';
import { REVIEWER, STRANGER, botYaml, drained, stoppedAfterEach, interactionAnswer } from './support/discord.ts';

type Embed = { title?: string; description?: string };
type Button = { custom_id: string; disabled?: boolean; label: string };
const buttons = (m: RecordedMessage | undefined) =>
  (m?.components[0] as { components?: Button[] } | undefined)?.components ?? [];

describe('the next phase from Discord', () => {
  let fake: FakeDiscord;
  let p: OpenedProject;
  let dir: string;
  const rig = stoppedAfterEach();

  beforeEach(async () => {
    fake = await rig.fake();
    ({ p, dir } = await rig.project(botYaml(fake)));
    // The sample's phase 1 to its end, as the promotion records it (full-loop.test.ts tells the whole story).
    await runLoop(p);
    decideReview(p.ledger, p.read, { reviewId: 'review_0001', decision: 'approve', comment: '', source: 'cli' });
    await runLoop(p);
    const main = execFileSync('git', ['-C', dir, 'rev-parse', 'main'], { encoding: 'utf8' }).trim();
    p.ledger.append([
      { type: 'phase.promoted', actor: 'Human', payload: { phase: 1, tag: 'v0.1.0', commit: main, next_phase: 2 } },
    ]);
    expect(p.read.project()).toMatchObject({ phase: 1, stage: 'promoted' });
    await rig.bridge(p, { DISCORD_BOT_TOKEN: fake.token });
    await drained(fake, p, 60_000);
  }, 120_000);

  const promotion = () =>
    fake.waitFor(() =>
      fake
        .messages(fake.channelId('project-updates'))
        .find((m) => (m.embeds[0] as Embed | undefined)?.title === '🚀 Phase 1 promoted (v0.1.0)'),
    );
  const answer = (id: string) => interactionAnswer(fake, id);
  const starts = () =>
    p.ledger.readTypes(['phase.started']).filter((e) => (e.payload as { phase: number }).phase === 2);
  /** The promotion message once edited: its status line and its buttons. */
  const followed = async (id: string): Promise<RecordedMessage> => {
    await fake.waitFor(() => fake.messages().find((x) => x.id === id && x.edits > 0), 8000, 'the edit');
    await drained(fake, p);
    return fake.waitFor(() => fake.messages().find((x) => x.id === id));
  };

  it('"Start phase 2" on the promotion message starts it once; a second press is told who did', async () => {
    const msg = await promotion();
    const id = nextPhaseId(projectTag(projectKey(p)), 1);
    expect(buttons(msg)).toEqual([expect.objectContaining({ label: 'Start phase 2', custom_id: id })]);
    expect((msg.embeds[0] as Embed).description).toContain('Next: Phase 2 — Parameter optimizer');

    const click = await fake.click({ customId: id, userId: REVIEWER, messageId: msg.id });
    const r = await answer(click.id);
    expect(r.ephemeral).toBe(false);
    expect(r.text).toBe(
      '▶️ Phase 2 — Parameter optimizer started by user_000003 via discord; the project manager plans it next.',
    );
    expect(p.read.project()).toMatchObject({ phase: 2, stage: 'plan' });
    expect(starts()[0]?.payload).toMatchObject({ user: 'user_000003', source: 'discord' });
    // The audit record: the human's `/phase next`, by this Discord user, through the one contract call.
    expect(p.read.commands().at(-1)).toMatchObject({
      cmd: '/phase',
      target: 'next',
      user: 'user_000003',
      source: 'discord',
    });

    const edited = await followed(msg.id);
    expect((edited.embeds[0] as Embed).description).toMatch(
      /^\*\*Status:\*\* ▶️ Phase 2 — Parameter optimizer started by user_000003 via discord · \d{4}-\d\d-\d\d \d\d:\d\d UTC\n/,
    );
    expect(buttons(edited).map((x) => x.disabled)).toEqual([true]);

    // A second press (a stale screen, or another reviewer): private, says who was first, starts nothing.
    const again = await fake.click({ customId: id, userId: REVIEWER, messageId: msg.id });
    const r2 = await answer(again.id);
    expect(r2.ephemeral).toBe(true);
    expect(r2.text).toMatch(
      /^Phase 2 — Parameter optimizer was already started by user_000003 via discord at .* UTC\. Nothing was changed\.$/,
    );
    expect(starts()).toHaveLength(1);
    // A stranger is refused before anything else, and recorded.
    const before = p.ledger.count();
    const stranger = await fake.click({ customId: id, userId: STRANGER, messageId: msg.id });
    expect((await answer(stranger.id)).text).toContain('allowlist');
    expect(p.ledger.read(before).map((e) => e.type)).toEqual(['discord.interaction_refused']);
  });

  it('/phase next starts it through the contract; /phase shows the roadmap; a repeat is refused', async () => {
    const msg = await promotion();
    const updates = fake.channelId('project-updates');
    await fake.waitFor(() => fake.commands().some((c) => c.name === 'phase'));
    const roadmap = await fake.slash({ name: 'phase', userId: REVIEWER, channelId: updates });
    const listed = (await answer(roadmap.id)).text;
    expect(listed).toMatch(/▶ Phase 1 — .*: promoted/);
    expect(listed).toContain('Next: phase 2 — Parameter optimizer (`/phase next` starts it).');

    const next = await fake.slash({
      name: 'phase',
      options: [{ name: 'action', type: 3, value: 'next' }],
      userId: REVIEWER,
      channelId: updates,
    });
    expect(await answer(next.id)).toEqual({
      text: "Phase 2 — Parameter optimizer started: the PM plans it on the loop's next step.",
      ephemeral: false,
    });
    expect(starts()).toHaveLength(1);
    expect(p.read.commands().at(-1)).toMatchObject({ cmd: '/phase', target: 'next', source: 'discord' });
    const edited = await followed(msg.id);
    expect((edited.embeds[0] as Embed).description).toMatch(
      /^\*\*Status:\*\* ▶️ Phase 2 — Parameter optimizer started by user_000003 via discord · /,
    );
    expect(buttons(edited).every((x) => x.disabled)).toBe(true);

    const repeat = await fake.slash({
      name: 'phase',
      options: [{ name: 'action', type: 3, value: 'next' }],
      userId: REVIEWER,
      channelId: updates,
    });
    // Refused, and privately, like every refusal (the first /phase next was answered in public).
    const refused = await answer(repeat.id);
    expect(refused.text).toMatch(/^⚠️ phase 2 is at plan; the next phase starts once it is promoted/);
    expect(refused.ephemeral).toBe(true);
    expect(starts()).toHaveLength(1);
    // An action Governor did not register is refused before anything runs.
    const odd = await fake.slash({
      name: 'phase',
      options: [{ name: 'action', type: 3, value: 'back' }],
      userId: REVIEWER,
      channelId: updates,
    });
    expect((await answer(odd.id)).text).toMatch(/did not accept that: action: /);
  });
});
