import { describe, expect, it } from 'vitest';
import { validateDiscordYaml, webhookTargets } from '../electron/core/discord/config.ts';
import { customId, nextPhaseId, parseCustomId, permissionId, projectTag } from '../electron/core/discord/custom-id.ts';
import { forPhone } from '../electron/core/discord/phone-text.ts';
import { dailyKey } from '../electron/core/discord/daily.ts';
import { nonceFor } from '../electron/core/discord/deliverer.ts';
import { modalText, slashCommandText } from '../electron/core/discord/inbound.ts';
import { renderNotification, renderText } from '../electron/core/discord/render.ts';
import { RESUME_HINT } from '../electron/core/workflow/stages/promotion-waits.ts';

describe('discord.yaml and the message rules', () => {
  it('names the line and key of a bad discord.yaml', () => {
    const r = validateDiscordYaml('mode: bot\nguild_id: "100000000000000001"\nreviewers:\n  users: ["alice"]\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]).toMatchObject({ line: 4, path: 'reviewers.users[0]' });
    const none = validateDiscordYaml('mode: bot\nguild_id: "100000000000000001"\n');
    expect(none.ok).toBe(false);
    if (!none.ok) expect(none.issues.map((i) => i.message).join()).toMatch(/at least one reviewer/);
    const tz = validateDiscordYaml(
      'mode: webhook\nwebhooks:\n  system-health: { url_env: HOOK }\ndaily_status: { at: "09:00", timezone: Mars/Olympus }\n',
    );
    expect(tz.ok).toBe(false);
    if (!tz.ok) expect(tz.issues[0]?.message).toMatch(/not a time zone/);
  });

  it('reads webhook URLs from the environment only, and says which are missing', () => {
    const r = validateDiscordYaml(
      'mode: webhook\nwebhooks:\n  system-health: { url_env: HOOK_A }\n  approvals: { url_env: HOOK_B }\n',
    );
    if (!r.ok) throw new Error('valid');
    const t = webhookTargets(r.value, { HOOK_A: 'https://discord.com/api/webhooks/123456789012345678/abc-DEF_123' });
    expect(t.targets['system-health']).toEqual({ id: '123456789012345678', token: 'abc-DEF_123' });
    expect(t.missing).toEqual(['approvals: HOOK_B is not set']);
  });

  it('nonces are at most 25 characters and stable per project and key', () => {
    expect(nonceFor('p1', 'k1')).toHaveLength(25);
    expect(nonceFor('p1', 'k1')).toBe(nonceFor('p1', 'k1'));
    expect(nonceFor('p1', 'k1')).not.toBe(nonceFor('p2', 'k1'));
  });

  it('cuts at Discord limits and attaches the whole text', () => {
    const long = 'y'.repeat(5000);
    const m = renderNotification({
      event_id: 'e1',
      channel: 'project-updates',
      severity: 'info',
      title: 't'.repeat(300),
      body: long,
      ref: null,
    });
    expect(m.embeds[0]?.title?.length).toBe(256);
    expect(m.embeds[0]?.description?.length).toBeLessThanOrEqual(4096);
    expect(m.files[0]?.text).toContain(long);
    const reply = renderText('z'.repeat(2500));
    expect(reply.content.length).toBeLessThanOrEqual(2000);
    expect(reply.files[0]?.text).toHaveLength(2500);
  });

  it('replies read on a phone name no CLI command', () => {
    expect(forPhone('review review_0009 not found; list pending reviews with `governor reviews`')).toBe(
      'review review_0009 not found',
    );
    // A console command is what a phone can type: it stays, unwrapped; the loop needs no `governor run` there.
    expect(
      forPhone('Commit or stash them, then `governor command "/resolve <this concern>"` and `governor run`.'),
    ).toBe('Commit or stash them, then `/resolve <this concern>`.');
    expect(
      forPhone('this front end cannot switch projects; serve another folder with `governor serve --dir <f>`'),
    ).toBe('this front end cannot switch projects');
    expect(forPhone('not the input digest (12 to 64 hex characters, as `governor reviews` shows it)')).toBe(
      'not the input digest',
    );
    expect(forPhone('plain text, nothing to drop.')).toBe('plain text, nothing to drop.');
    expect(forPhone('It only plays the sample. `governor doctor` checks the setup; `governor demo` makes one.')).toBe(
      'It only plays the sample.',
    );
    expect(forPhone('A. `governor doctor` checks it. B.')).toBe('A. B.');
    // Alerts too: a promotion that waits on the human says what to type in Discord.
    const waits = renderNotification({
      event_id: 'e1',
      channel: 'agent-concerns',
      severity: 'warning',
      title: '⚠️ The promotion waits on uncommitted edits',
      body: `Action: your decision is needed.\nCommit or stash them, ${RESUME_HINT}.`,
      ref: { kind: 'concern', id: 'concern_0009' },
    });
    expect(waits.embeds[0]?.description).toBe(
      'Action: your decision is needed.\nCommit or stash them, then `/resolve <this concern>`.',
    );
  });

  it('buttons carry the project and the review id; foreign ids are ignored', () => {
    const tag = projectTag('01JABCDEF');
    expect(tag).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(parseCustomId(customId(tag, 'approve', 'review_0003'))).toEqual({
      kind: 'button',
      project: tag,
      action: 'approve',
      reviewId: 'review_0003',
    });
    expect(parseCustomId(customId(tag, 'conditions', 'review_0003'))).toEqual({
      kind: 'button',
      project: tag,
      action: 'conditions',
      reviewId: 'review_0003',
    });
    expect(parseCustomId(`gov:${tag}:modal:changes:review_0012`)).toEqual({
      kind: 'modal',
      project: tag,
      action: 'changes',
      reviewId: 'review_0012',
    });
    expect(parseCustomId(permissionId(tag, 'allow_session', 'perm_0002', 'ab'.repeat(32)))).toEqual({
      kind: 'permission',
      project: tag,
      action: 'allow_session',
      requestId: 'perm_0002',
      digest: 'ab'.repeat(8),
    });
    expect(parseCustomId(nextPhaseId(tag, 1))).toEqual({ kind: 'phase', project: tag, promoted: 1 });
    expect(parseCustomId(`gov:${tag}:next_phase:one`)).toBeNull();
    // Messages posted before ids named their project still parse, with no project: only their poster acts.
    expect(parseCustomId('gov:approve:review_0003')).toEqual({
      kind: 'button',
      project: null,
      action: 'approve',
      reviewId: 'review_0003',
    });
    expect(parseCustomId('gov:modal:changes:review_0012')).toEqual({
      kind: 'modal',
      project: null,
      action: 'changes',
      reviewId: 'review_0012',
    });
    expect(parseCustomId(`gov:${tag}:approve:perm_0001`)).toBeNull();
    expect(parseCustomId(`gov:${tag}:deny:perm_0001:nothex`)).toBeNull();
    expect(parseCustomId('gov:approve:../../x')).toBeNull();
    expect(parseCustomId('gov:approve:review_0003:extra')).toBeNull();
    expect(parseCustomId(`gov:approve:review_${'1'.repeat(200)}`)).toBeNull();
  });

  it('turns slash options into the console text, and refuses what the registered commands cannot carry', () => {
    const agents = ['ProjectManager', 'Designer', 'Tester'];
    const s = (o: Record<string, string>) => Object.entries(o).map(([name, value]) => ({ name, type: 3, value }));
    expect(slashCommandText('resolve', s({ concern: 'concern_0004', note: 'fixed upstream' }), agents)).toEqual({
      ok: true,
      value: '/resolve concern_0004 fixed upstream',
    });
    expect(slashCommandText('approve', s({ review: '#3' }), agents)).toEqual({ ok: true, value: '/approve #3' });
    expect(slashCommandText('status', [], agents)).toEqual({ ok: true, value: '/status' });
    expect(slashCommandText('pause', s({ agent: 'all' }), agents)).toEqual({ ok: true, value: '/pause all' });
    // Typed rather than picked: matched as the console matches it, passed on by the agent's real name.
    expect(slashCommandText('resume', s({ agent: 'pm' }), agents)).toEqual({
      ok: true,
      value: '/resume ProjectManager',
    });
    expect(slashCommandText('phase', s({ action: 'next' }), agents)).toEqual({ ok: true, value: '/phase next' });
    expect(slashCommandText('phase', [], agents)).toEqual({ ok: true, value: '/phase' });
    expect(slashCommandText('clarify', s({ agent: 'all', question: 'x' }), agents)).toMatchObject({
      ok: false,
      error: 'agent: "all" is not an agent of this project: one of ProjectManager, Designer, Tester',
    });
    expect(slashCommandText('reject', s({ review: '3', reason: '  ' }), agents)).toMatchObject({
      ok: false,
      error: 'reason: the reason is empty',
    });
    expect(slashCommandText('assign', s({ agent: 'Tester', task: 'a\u0000b' }), agents)).toMatchObject({
      ok: false,
      error: 'task: control characters are not allowed',
    });
    expect(slashCommandText('ack', [{ name: 'concern', type: 4, value: 4 }], agents)).toMatchObject({
      ok: false,
      error: 'option concern is not a text option Governor registered',
    });
    expect(slashCommandText('deploy', [], agents)).toMatchObject({
      ok: false,
      error: "/deploy is not one of Governor's commands",
    });
    expect(slashCommandText('toString', [], agents)).toMatchObject({ ok: false });
    expect(modalText([{ customId: 'text', value: '  Split the adapter  ' }])).toEqual({
      ok: true,
      value: 'Split the adapter',
    });
    expect(modalText([{ customId: 'text', value: 'y'.repeat(4001) }])).toMatchObject({
      ok: false,
      error: 'text: at most 4000 characters',
    });
    expect(modalText([])).toMatchObject({ ok: false });
  });

  it('the daily post is due once the local time reaches the hour, keyed by the local date', () => {
    expect(dailyKey(new Date('2026-11-25T07:59:00Z'), '09:00', 'Europe/Paris')).toBeNull();
    expect(dailyKey(new Date('2026-11-25T08:00:00Z'), '09:00', 'Europe/Paris')).toBe('daily:2026-11-25');
    expect(dailyKey(new Date('2026-11-25T23:30:00Z'), '09:00', 'Europe/Paris')).toBeNull(); // 00:30 on the 26th in Paris
    expect(dailyKey(new Date('2026-11-26T08:30:00Z'), '09:00', 'Europe/Paris')).toBe('daily:2026-11-26');
  });
});
