/**
 * `governor discord setup | test | status | retry`, the real CLI against the fake Discord: setup creates
 * the missing channels and registers the commands, says plainly when the token is refused; test and status
 * show what is queued and why it is not delivered; retry queues undeliverable messages again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createOutbox } from '../electron/core/discord/outbox.ts';
import type { OpenedProject } from '../electron/core/host.ts';
import { type FakeDiscord, startFakeDiscord } from './support/fake-discord/index.ts';
import { botYaml, discordProject, governorCli, outboxRows, raise, REGISTERED_COMMANDS } from './support/discord.ts';

describe('governor discord', () => {
  let fake: FakeDiscord | null = null;
  let p: OpenedProject | null = null;
  afterEach(async () => {
    p?.close();
    await fake?.close();
    p = null;
    fake = null;
  });

  it('setup creates the missing channels and registers the slash commands; a second run finds everything', async () => {
    const f = await startFakeDiscord({ channels: [{ name: 'project-updates' }] });
    fake = f;
    const { p: proj, dir } = await discordProject(botYaml(f));
    p = proj;
    const env = { DISCORD_BOT_TOKEN: f.token };
    const first = await governorCli(['discord', 'setup', '--dir', dir], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('✓ token works: the bot is Governor');
    expect(first.stdout).toContain('✓ guild: Governor Test Guild');
    expect(first.stdout).toMatch(/✓ #project-updates → #project-updates \(\d+\)/);
    for (const name of ['agent-concerns', 'approvals', 'system-health'])
      expect(first.stdout).toMatch(new RegExp(`✓ #${name}: created #${name} \\(\\d+\\)`));
    expect(first.stdout).toContain('✓ 11 slash commands registered in the guild');
    expect(
      f
        .channels()
        .map((c) => c.name)
        .sort(),
    ).toEqual(['agent-concerns', 'approvals', 'project-updates', 'system-health']);
    expect(
      f
        .commands()
        .map((c) => c.name)
        .sort(),
    ).toEqual(REGISTERED_COMMANDS);
    const again = await governorCli(['discord', 'setup', '--dir', dir], env);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('created');
    expect(f.channels()).toHaveLength(4);
  });

  it('setup says plainly when the token is refused, without printing it', async () => {
    const f = await startFakeDiscord();
    fake = f;
    const { p: proj, dir } = await discordProject(botYaml(f));
    p = proj;
    const wrong = 'MTAwMDAwMDAwMDAwMDAwMDA5.WrOnG.not-the-bots-token-0123456789';
    const r = await governorCli(['discord', 'setup', '--dir', dir], { DISCORD_BOT_TOKEN: wrong });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      '✗ the token was refused (401: Unauthorized): reset it in the developer portal (your app → Bot ' +
        '→ Reset Token) and set DISCORD_BOT_TOKEN again',
    );
    expect(`${r.stdout}${r.stderr}`).not.toContain(wrong);
    expect(f.commands()).toEqual([]);
  });

  it('test and status show what is queued and the last error; the message goes out once setup fixed the cause', async () => {
    const f = await startFakeDiscord({
      channels: ['project-updates', 'agent-concerns', 'approvals'].map((name) => ({ name })),
    });
    fake = f;
    const { p: proj, dir } = await discordProject(botYaml(f));
    p = proj;
    const env = { DISCORD_BOT_TOKEN: f.token };
    const failed = await governorCli(['discord', 'test', '--wait', '2', '--dir', dir], env);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(
      /✗ not delivered yet: no #system-health channel in the guild; create it or run `governor discord setup`; it stays queued/,
    );
    const status = await governorCli(['discord', 'status', '--dir', dir], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(
      'mode: bot\nbridge: not running\noutbox: 1 pending, 0 sent, 0 undeliverable\nlast error: no #system-health channel in the guild',
    );

    expect((await governorCli(['discord', 'setup', '--dir', dir], env)).code).toBe(0);
    const delivered = await governorCli(['discord', 'test', '--wait', '30', '--dir', dir], env);
    expect(delivered.code).toBe(0);
    expect(delivered.stdout).toMatch(/✓ test message delivered to #system-health \(message \d+\)/);
    // Both test messages, the one queued while the channel was missing first.
    expect(
      f
        .messages(f.channelId('system-health'))
        .filter((m) => JSON.stringify(m.embeds).includes('Governor test message')),
    ).toHaveLength(2);
    const after = await governorCli(['discord', 'status', '--dir', dir], env);
    expect(after.stdout).toContain('outbox: 0 pending, 2 sent, 0 undeliverable\nlast error: none');
  });

  it('retry queues undeliverable messages again, and status says how', async () => {
    const f = await startFakeDiscord();
    fake = f;
    const { p: proj, dir } = await discordProject(botYaml(f));
    p = proj;
    raise(proj, 'warning', 'Refused as malformed once upon a time');
    const row = outboxRows(proj)[0];
    createOutbox(proj.ledger.db).markDead(row?.id ?? 0, 'HTTP 400: Invalid Form Body');
    const env = { DISCORD_BOT_TOKEN: f.token };
    const status = await governorCli(['discord', 'status', '--dir', dir], env);
    expect(status.stdout).toContain(
      'outbox: 0 pending, 0 sent, 1 undeliverable (`governor discord retry` queues them again)',
    );
    const retry = await governorCli(['discord', 'retry', '--dir', dir], env);
    expect(retry.code).toBe(0);
    expect(retry.stdout).toContain(
      '1 message queued again; they go out when the link runs (`governor serve` or `governor discord run`).',
    );
    expect(outboxRows(proj)).toMatchObject([{ state: 'pending', attempts: 0, last_error: null }]);
    expect((await governorCli(['discord', 'retry', '--dir', dir], env)).stdout).toContain('No undeliverable messages.');
  });
});
