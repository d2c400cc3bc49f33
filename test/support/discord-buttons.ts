import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { EventPayloads, type PermissionRequest } from '../../shared/index.ts';
import { type DiscordBridge, projectKey } from '../../electron/core/discord/bridge.ts';
import { type PermissionAction, permissionId, projectTag } from '../../electron/core/discord/custom-id.ts';
import type { OpenedProject } from '../../electron/core/host.ts';
import { runLoop } from '../../electron/core/workflow/loop.ts';
import { until } from './coding-agent.ts';
import { type FakeDiscord, type RecordedMessage, startFakeDiscord } from './fake-discord/index.ts';
import { REVIEWER, REVIEWER_ROLE, botYaml, bridge } from './discord.ts';

/** The fake Discord names a user after the end of its id: what Governor records as who decided. */
export const REVIEWER_NAME = `user_${REVIEWER.slice(-6)}`;

interface Button {
  label: string;
  custom_id: string;
  disabled?: boolean;
}
const buttons = (m: RecordedMessage | undefined): Button[] =>
  ((m?.components ?? []) as { components: Button[] }[]).flatMap((r) => r.components);
const description = (m: RecordedMessage | undefined): string =>
  ((m?.embeds[0] ?? {}) as { description?: string }).description ?? '';

/**
 * The reviewer's thumb: waits for a permission request's message in #approvals (posted by the real bridge)
 * and presses one of its buttons through the fake Discord, remembering the message and the interaction.
 */
export interface ButtonPresser {
  press(req: PermissionRequest, action: PermissionAction): Promise<void>;
  readonly posted: Map<string, RecordedMessage>;
  readonly clicks: Map<string, string>;
}

export function buttonPresser(p: OpenedProject, discord: FakeDiscord): ButtonPresser {
  const tag = projectTag(projectKey(p));
  const posted = new Map<string, RecordedMessage>();
  const clicks = new Map<string, string>();
  return {
    posted,
    clicks,
    async press(req, action) {
      const id = permissionId(tag, action, req.id, req.input_digest);
      const message = await discord.waitFor(
        () => discord.messages(discord.channelId('approvals')).find((m) => buttons(m).some((x) => x.custom_id === id)),
        60_000,
        `the permission request ${req.id} on Discord`,
      );
      posted.set(req.id, message);
      clicks.set(req.id, (await discord.click({ customId: id, userId: REVIEWER, messageId: message.id })).id);
    },
  };
}

/**
 * The run every coding agent's Discord-button test makes once its fake model is scripted to ask for two
 * commands, `allowed` and then `denied`: a fake Discord with the reviewer role, the project's bot
 * discord.yaml, the real bridge and the loop; the reviewer presses Allow once on the request for `allowed`
 * and Deny on the one for `denied`, and the loop runs to its end. `close` stops what was started, however
 * far it got.
 */
export function discordButtonRun() {
  let discord: FakeDiscord | undefined;
  let p: OpenedProject | undefined;
  let b: DiscordBridge | undefined;
  let presser: ButtonPresser | undefined;
  const started = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('the Discord button run has not started');
    return v;
  };
  return {
    /** What `itDecidedFromDiscordButtons` and the test's own checks read, once the run is over. */
    ctx: () => ({ p: started(p), discord: started(discord), presser: started(presser) }),

    async decide(
      proj: { dir: string; open(): Promise<OpenedProject> },
      commands: { allowed: string; denied: string },
    ): Promise<void> {
      discord = await startFakeDiscord({ roles: [{ id: REVIEWER_ROLE, name: 'Human Reviewer' }] });
      writeFileSync(join(proj.dir, 'discord.yaml'), `${botYaml(discord)}\n`);
      const opened = await proj.open();
      p = opened;
      const thumb = buttonPresser(opened, discord);
      presser = thumb;
      b = await bridge(opened, { DISCORD_BOT_TOKEN: discord.token });
      const loop = runLoop(opened);
      const asking = (command: string) => () =>
        opened.read.permissionRequests('pending').find((r) => JSON.stringify(r.input).includes(command));
      const allowed = await until(asking(commands.allowed), `${commands.allowed} to be asked`, 180_000);
      await thumb.press(allowed, 'allow_once');
      const denied = await until(asking(commands.denied), `${commands.denied} to be asked`, 180_000);
      await thumb.press(denied, 'deny');
      await loop;
    },

    async close(): Promise<void> {
      await b?.stop();
      p?.close();
      await discord?.close();
    },
  };
}

/**
 * The Discord side of "an asked command decided from a Discord button", the same for every coding agent:
 * `allowed` was pressed Allow once and `denied` Deny, in that order, and nothing else was decided.
 */
export function itDecidedFromDiscordButtons(
  ctx: () => { p: OpenedProject; discord: FakeDiscord; presser: ButtonPresser; worker: string },
  commands: { allowed: string; denied: string },
): void {
  const requests = () => {
    const { p } = ctx();
    const all = p.read.permissionRequests();
    const allowed = all.find((r) => JSON.stringify(r.input).includes(commands.allowed));
    const denied = all.find((r) => JSON.stringify(r.input).includes(commands.denied));
    if (!allowed || !denied) throw new Error(`expected requests for ${commands.allowed} and ${commands.denied}`);
    return { allowed, denied };
  };

  it('posted each request with its exact command and the Allow once / Allow for session / Deny (with reason) buttons', () => {
    const { presser } = ctx();
    const { allowed, denied } = requests();
    expect(description(presser.posted.get(allowed.id))).toContain(commands.allowed);
    expect(description(presser.posted.get(denied.id))).toContain(commands.denied);
    // The copy recorded at the press is the one posted, before any edit: its buttons were live.
    for (const r of [allowed, denied]) {
      expect(buttons(presser.posted.get(r.id)).map((x) => [x.label, x.disabled ?? false])).toEqual([
        ['Allow once', false],
        ['Allow for session', false],
        ['Deny', false],
        ['Deny with reason…', false],
      ]);
    }
  });

  it('the ledger records each request and the button that decided it: source discord, the reviewer', () => {
    const { p, worker } = ctx();
    const { allowed, denied } = requests();
    expect(allowed).toMatchObject({ worker, tool: 'Bash', status: 'allowed' });
    expect(allowed.decision).toMatchObject({ decision: 'allow_once', source: 'discord', by: REVIEWER_NAME });
    expect(denied).toMatchObject({ worker, tool: 'Bash', status: 'denied' });
    expect(denied.decision).toMatchObject({ decision: 'deny', source: 'discord', by: REVIEWER_NAME });
    const asked = p.ledger
      .readTypes(['permission.requested'])
      .map((e) => EventPayloads['permission.requested'].parse(e.payload).id);
    expect(asked).toEqual(expect.arrayContaining([allowed.id, denied.id]));
    const decided = p.ledger
      .readTypes(['permission.decided'])
      .map((e) => EventPayloads['permission.decided'].parse(e.payload));
    expect(decided.map((d) => [d.request_id, d.status, d.decision.source, d.decision.by])).toEqual([
      [allowed.id, 'allowed', 'discord', REVIEWER_NAME],
      [denied.id, 'denied', 'discord', REVIEWER_NAME],
    ]);
  });

  it('answered each press in the channel, then edited the request: who acted, buttons greyed out', async () => {
    const { discord, presser } = ctx();
    const { allowed, denied } = requests();
    for (const [r, words, status] of [
      [allowed, /allowed once by \S+ via discord/, /^\*\*Status:\*\* ✅ Allowed once by \S+ via discord/],
      [denied, /denied by \S+ via discord/, /^\*\*Status:\*\* ⛔ Denied by \S+ via discord/],
    ] as const) {
      const answer = await discord.waitFor(
        () => discord.messages().find((m) => m.interaction_id === presser.clicks.get(r.id) && m.content !== ''),
        8000,
        `the answer to the press on ${r.id}`,
      );
      expect(answer.content).toMatch(words);
      expect(answer.content).toContain(REVIEWER_NAME);
      const edited = await discord.waitFor(
        () => discord.messages().find((m) => m.id === presser.posted.get(r.id)?.id && m.edits > 0),
        8000,
        `the edit of ${r.id}'s message`,
      );
      expect(description(edited)).toMatch(status);
      expect(description(edited)).toContain(REVIEWER_NAME);
      expect(buttons(edited).length).toBeGreaterThan(0);
      expect(buttons(edited).every((x) => x.disabled)).toBe(true);
    }
  });

  it('a second press on a decided request changes nothing and says so, privately', async () => {
    const { p, discord, presser } = ctx();
    const { allowed } = requests();
    const again = await discord.click({
      customId: permissionId(projectTag(projectKey(p)), 'deny', allowed.id, allowed.input_digest),
      userId: REVIEWER,
      messageId: presser.posted.get(allowed.id)?.id ?? '',
    });
    const late = await discord.waitFor(
      () => discord.messages().find((m) => m.interaction_id === again.id && m.content.includes('already decided')),
      8000,
      'the refusal of the second press',
    );
    expect((late.flags ?? 0) & 64).toBe(64);
    expect(p.read.permissionRequest(allowed.id)).toMatchObject({
      status: 'allowed',
      decision: { decision: 'allow_once' },
    });
    expect(p.ledger.readTypes(['permission.decided'])).toHaveLength(2);
  });
}
