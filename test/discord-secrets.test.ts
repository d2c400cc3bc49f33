/**
 * The bot token never leaves the process in a log line, the outbox, the status, the ledger or a Discord
 * message, even when an error text carries it (here a proxy that echoes what it was sent).
 */
import { describe, expect, it } from 'vitest';
import { discordStatus } from '../electron/core/discord/status.ts';
import { REVIEWER, botYaml, drained, outboxRows, raise, stoppedAfterEach } from './support/discord.ts';

const TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAy.GfAkEs.t0k3n-that-must-never-leak_0123456789';

describe('Discord secrets', () => {
  const rig = stoppedAfterEach();

  it('redacts the token from every log line, stored error, status and reply, whoever composed the text', async () => {
    const f = await rig.fake({ token: TOKEN });
    const proj = (await rig.project(botYaml(f))).p;
    const logs: string[] = [];
    await rig.bridge(proj, { DISCORD_BOT_TOKEN: TOKEN }, logs);
    const echo = `proxy refused the request (Authorization: Bot ${TOKEN}; token=${TOKEN})`;

    // An outbound send refused with the token in the error text: stored, logged and shown, redacted.
    f.failRequests({
      method: 'POST',
      path: /^\/channels\/\d+\/messages$/,
      status: 403,
      code: 50001,
      message: echo,
      count: 3,
    });
    raise(proj, 'warning', 'A concern while the proxy misbehaves');
    await f.waitFor(() => (outboxRows(proj)[0]?.attempts ?? 0) >= 2, 10_000, 'two refused sends');
    const stored = outboxRows(proj)[0]?.last_error ?? '';
    const shown = discordStatus(proj).last_error ?? '';
    expect(stored).toContain('«redacted»');
    expect(shown).toContain('«redacted»');

    // An interaction whose acknowledgement fails with the token in the text: logged, and answered, redacted.
    f.failRequests({ method: 'POST', path: /^\/interactions\//, status: 400, code: 50035, message: echo, count: 1 });
    const { id } = await f.slash({ name: 'help', userId: REVIEWER });
    const answer = await f.waitFor(() => f.interactionResponses().find((r) => r.interaction_id === id));
    expect(JSON.stringify(answer.data)).toContain('Something went wrong');
    expect(JSON.stringify(answer.data)).toContain('«redacted»');
    await drained(f, proj, 15_000);

    const everything = [
      stored,
      shown,
      ...logs,
      JSON.stringify(outboxRows(proj)),
      JSON.stringify(proj.ledger.read(0, 100_000)),
      JSON.stringify(f.messages()),
      JSON.stringify(f.interactionResponses()),
    ].join('\n');
    expect(everything).not.toContain(TOKEN);
    expect(logs.some((l) => l.includes('«redacted»') && l.includes('slash /help'))).toBe(true);
    expect(logs.some((l) => l.includes('«redacted»') && l.includes('send failed'))).toBe(true);
  });
});
