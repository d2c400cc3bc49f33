/**
 * Two projects on one bot in one guild (the default with one DISCORD_BOT_TOKEN): each project's gateway
 * client sees every interaction, and exactly the right project acts. Buttons name their project and act
 * only on messages that project's outbox posted; slash commands go to the `project` option's project, else
 * the channel's; autocomplete offers both; a wrong-project click says whose message it is.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DiscordBridge } from '../electron/core/discord/bridge.ts';
import type { OpenedProject } from '../electron/core/host.ts';
import { type FakeDiscord, type RecordedMessage, startFakeDiscord } from './support/fake-discord/index.ts';
import {
  REVIEWER,
  askReview,
  botYaml,
  bridge,
  buttonId,
  discordProject,
  drained,
  raise,
  interactionAnswer,
} from './support/discord.ts';

describe('two projects on one Discord bot', () => {
  let fake: FakeDiscord;
  let a: OpenedProject;
  let b: OpenedProject;
  let ba: DiscordBridge;
  let bb: DiscordBridge;
  const env = () => ({ DISCORD_BOT_TOKEN: fake.token });

  beforeEach(async () => {
    // Each project has its own channel set; #ops is shared and mapped to neither.
    const names = [
      'alpha-updates',
      'alpha-concerns',
      'alpha-approvals',
      'alpha-health',
      'beta-updates',
      'beta-concerns',
      'beta-approvals',
      'beta-health',
      'ops',
    ];
    fake = await startFakeDiscord({ channels: names.map((name) => ({ name })) });
    const channels = (x: string) =>
      `channels:\n  project-updates: ${x}-updates\n  agent-concerns: ${x}-concerns\n` +
      `  approvals: ${x}-approvals\n  system-health: ${x}-health`;
    // Different teams: alpha has one Implementer, beta three.
    ({ p: a } = await discordProject(botYaml(fake, channels('alpha')), 'alpha', 1));
    ({ p: b } = await discordProject(botYaml(fake, channels('beta')), 'beta', 3));
    ba = await bridge(a, env());
    bb = await bridge(b, env());
  });
  afterEach(async () => {
    await ba?.stop();
    await bb?.stop();
    a?.close();
    b?.close();
    await fake?.close();
  });

  const reviewMessage = (p: OpenedProject, channel: string, reviewId: string): Promise<RecordedMessage> =>
    fake.waitFor(() =>
      fake
        .messages(fake.channelId(channel))
        .find((m) => JSON.stringify(m.components).includes(buttonId(p, 'approve', reviewId))),
    );
  const answer = (id: string) => interactionAnswer(fake, id);

  it("an Approve on A's message decides A's review only; B's same-numbered review stays pending", async () => {
    const ra = askReview(a, 'Alpha design spec');
    const rb = askReview(b, 'Beta design spec');
    expect(ra.id).toBe(rb.id); // the case that went wrong: both are review_0001
    const msgA = await reviewMessage(a, 'alpha-approvals', ra.id);
    await reviewMessage(b, 'beta-approvals', rb.id);
    await drained(fake, a);
    await drained(fake, b);
    expect(buttonId(a, 'approve', ra.id)).not.toBe(buttonId(b, 'approve', rb.id));
    const click = await fake.click({
      customId: buttonId(a, 'approve', ra.id),
      userId: REVIEWER,
      messageId: msgA.id,
      channelId: msgA.channel_id,
    });
    expect((await answer(click.id)).text).toContain('approved by');
    expect(a.read.review(ra.id)?.decision).toMatchObject({ decision: 'approve', source: 'discord' });
    expect(b.read.review(rb.id)?.status).toBe('pending');
    // One answer: B stayed quiet (Discord accepts one callback; B never tried).
    expect(fake.requests().filter((r) => r.path.startsWith(`/interactions/${click.id}/`))).toHaveLength(1);
  });

  it("a button naming B on a message A posted (or A's old-style id on B's message) is refused and says whose message it is", async () => {
    const ra = askReview(a, 'Alpha plan');
    const rb = askReview(b, 'Beta plan');
    const msgA = await reviewMessage(a, 'alpha-approvals', ra.id);
    const msgB = await reviewMessage(b, 'beta-approvals', rb.id);
    await drained(fake, a);
    await drained(fake, b);
    const before = [a.ledger.count(), b.ledger.count()];
    // B's button on A's message: A posted the message, so A answers; B does not own the message and acts on nothing.
    const forged = await fake.click({
      customId: buttonId(b, 'approve', rb.id),
      userId: REVIEWER,
      messageId: msgA.id,
      channelId: msgA.channel_id,
    });
    const r1 = await answer(forged.id);
    expect(r1.ephemeral).toBe(true);
    expect(r1.text).toMatch(/belongs to project beta, not to alpha/);
    // The pre-project id on B's message: A did not post it and stays out; B posted it and acts.
    const legacy = await fake.click({
      customId: `gov:approve:${rb.id}`,
      userId: REVIEWER,
      messageId: msgB.id,
      channelId: msgB.channel_id,
    });
    expect((await answer(legacy.id)).text).toContain('approved by');
    expect(a.ledger.count()).toBe(before[0]);
    expect(a.read.review(ra.id)?.status).toBe('pending');
    expect(b.read.review(rb.id)?.decision?.decision).toBe('approve');
  });

  it('a click for a project whose Governor is not running is answered with whose message it is', async () => {
    const rb = askReview(b, 'Beta plan');
    const msgB = await reviewMessage(b, 'beta-approvals', rb.id);
    await drained(fake, b);
    await bb.stop();
    const click = await fake.click({
      customId: buttonId(b, 'approve', rb.id),
      userId: REVIEWER,
      messageId: msgB.id,
      channelId: msgB.channel_id,
    });
    const r = await answer(click.id);
    expect(r.ephemeral).toBe(true);
    expect(r.text).toMatch(/^This message belongs to beta, whose Governor is not running right now\. Nothing was done/);
    expect(b.read.review(rb.id)?.status).toBe('pending');
    bb = await bridge(b, env());
  });

  it("slash commands go to the project option, else the channel's project; a shared channel asks which", async () => {
    const ca = raise(a, 'warning', 'Alpha flaky fixture');
    const cb = raise(b, 'warning', 'Beta flaky fixture');
    expect(ca).toBe(cb);
    await drained(fake, a);
    await drained(fake, b);
    await fake.waitFor(() =>
      fake.commands().some((c) => c.name === 'ack' && JSON.stringify(c.options).includes('"autocomplete":true')),
    );
    // In B's channel, no option: B's concern.
    const inB = await fake.slash({
      name: 'ack',
      options: [{ name: 'concern', type: 3, value: cb }],
      userId: REVIEWER,
      channelId: fake.channelId('beta-concerns'),
    });
    expect((await answer(inB.id)).text).toContain('acknowledged');
    expect(b.read.concern(cb)?.status).toBe('acknowledged');
    expect(a.read.concern(ca)?.status).toBe('open');
    // In B's channel, naming A: A's concern.
    const named = await fake.slash({
      name: 'ack',
      options: [
        { name: 'concern', type: 3, value: ca },
        { name: 'project', type: 3, value: 'alpha' },
      ],
      userId: REVIEWER,
      channelId: fake.channelId('beta-concerns'),
    });
    expect((await answer(named.id)).text).toContain('acknowledged');
    expect(a.read.concern(ca)?.status).toBe('acknowledged');
    // A shared channel with no option: one private question, nothing done in either.
    const before = [a.ledger.count(), b.ledger.count()];
    const shared = await fake.slash({ name: 'status', userId: REVIEWER, channelId: fake.channelId('ops') });
    const asked = await answer(shared.id);
    expect(asked.ephemeral).toBe(true);
    expect(asked.text).toMatch(
      /Several projects are linked here \((alpha, beta|beta, alpha)\): pick one with the `project` option/,
    );
    expect([a.ledger.count(), b.ledger.count()]).toEqual(before);
    // An unknown project name is refused by name.
    const unknown = await fake.slash({
      name: 'status',
      options: [{ name: 'project', type: 3, value: 'gamma' }],
      userId: REVIEWER,
      channelId: fake.channelId('ops'),
    });
    expect((await answer(unknown.id)).text).toMatch(
      /No project called "gamma" is linked to this bot\. Linked: (alpha, beta|beta, alpha)/,
    );
  });

  it('autocomplete of the project option offers both projects, once', async () => {
    await fake.waitFor(() => fake.commands().some((c) => c.name === 'status'));
    const typed = await fake.autocomplete({
      name: 'status',
      options: [{ name: 'project', type: 3, value: '', focused: true }],
      userId: REVIEWER,
      channelId: fake.channelId('ops'),
    });
    const r = await fake.waitFor(() =>
      fake.interactionResponses().find((x) => x.interaction_id === typed.id && x.type === 8),
    );
    const choices = (r.data as { choices: Array<{ name: string; value: string }> }).choices;
    expect(choices.map((c) => c.name).sort()).toEqual(['alpha', 'beta']);
    const narrowed = await fake.autocomplete({
      name: 'status',
      options: [{ name: 'project', type: 3, value: 'bet', focused: true }],
      userId: REVIEWER,
    });
    const r2 = await fake.waitFor(() =>
      fake.interactionResponses().find((x) => x.interaction_id === narrowed.id && x.type === 8),
    );
    expect((r2.data as { choices: Array<{ name: string }> }).choices.map((c) => c.name)).toEqual(['beta']);
  });

  it("autocomplete of an agent offers the chosen project's own agents; a command naming another's is refused", async () => {
    await fake.waitFor(() => fake.commands().some((c) => c.name === 'resume'));
    // One set of commands for every project: agent names are not baked into the registration.
    const resume = fake.commands().find((c) => c.name === 'resume');
    expect(resume?.options?.[0]).toMatchObject({ name: 'agent', autocomplete: true });
    expect(JSON.stringify(resume?.options)).not.toContain('"choices"');
    const offered = async (command: string, channel: string, project?: string, typed = '') => {
      const i = await fake.autocomplete({
        name: command,
        options: [
          { name: 'agent', type: 3, value: typed, focused: true },
          ...(project ? [{ name: 'project', type: 3 as const, value: project }] : []),
        ],
        userId: REVIEWER,
        channelId: fake.channelId(channel),
      });
      const r = await fake.waitFor(() =>
        fake.interactionResponses().find((x) => x.interaction_id === i.id && x.type === 8),
      );
      return (r.data as { choices: Array<{ name: string; value: string }> }).choices;
    };
    const names = (c: Array<{ name: string }>) => c.map((x) => x.name);
    expect(names(await offered('resume', 'alpha-concerns'))).toEqual([
      'ProjectManager',
      'Designer',
      'Implementer',
      'Tester',
      'all',
    ]);
    expect(names(await offered('resume', 'beta-concerns'))).toEqual([
      'ProjectManager',
      'Designer',
      'Implementer',
      'Implementer-2',
      'Implementer-3',
      'Tester',
      'all',
    ]);
    // The project option decides, wherever it is typed; /assign has no "all".
    expect(names(await offered('assign', 'alpha-concerns', 'beta', 'impl'))).toEqual([
      'Implementer',
      'Implementer-2',
      'Implementer-3',
    ]);
    // Not settled yet (a shared channel, no project): every linked project's agents, saying whose.
    const shared = await offered('assign', 'ops', undefined, 'i');
    expect(shared).toEqual([
      { name: 'Designer (alpha, beta)', value: 'Designer' },
      { name: 'Implementer (alpha, beta)', value: 'Implementer' },
      { name: 'Implementer-2 (beta)', value: 'Implementer-2' },
      { name: 'Implementer-3 (beta)', value: 'Implementer-3' },
    ]);
    // Beta's agent in alpha's channel is refused by alpha with its own list; in beta's channel it is assigned.
    const wrong = await fake.slash({
      name: 'assign',
      options: [
        { name: 'agent', type: 3, value: 'Implementer-3' },
        { name: 'task', type: 3, value: 'profile the optimizer' },
      ],
      userId: REVIEWER,
      channelId: fake.channelId('alpha-concerns'),
    });
    expect((await answer(wrong.id)).text).toBe(
      '⚠️ Governor did not accept that: agent: "Implementer-3" is not an agent of this project: one ' +
        'of ProjectManager, Designer, Implementer, Tester. Nothing was changed.',
    );
    const right = await fake.slash({
      name: 'assign',
      options: [
        { name: 'agent', type: 3, value: 'implementer-3' },
        { name: 'task', type: 3, value: 'profile the optimizer' },
      ],
      userId: REVIEWER,
      channelId: fake.channelId('beta-concerns'),
    });
    expect((await answer(right.id)).text).toMatch(/^Task \S+ assigned to Implementer-3: profile the optimizer$/);
    expect(a.read.commands().filter((c) => c.cmd === '/assign')).toEqual([]);
  });
});
