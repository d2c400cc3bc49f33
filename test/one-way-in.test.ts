import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { runLoop } from '../electron/core/workflow/loop.ts';
import { type RunningHost, startHost } from '../electron/server/host/server.ts';
import { type FakeDiscord, startFakeDiscord } from './support/fake-discord/index.ts';
import { REVIEWER, botYaml, governorCli, raise } from './support/discord.ts';
import { folderTemplate } from './support/project-template.ts';
import { tempDir } from './support/tmp.ts';

/**
 * Every surface goes into the engine the same way, so whatever a command changes reaches the exports and the
 * log of human interactions the same way: the CLI with no host, the CLI through a host, the UI over the
 * WebSocket and Discord. The judge is the real `governor audit verify`, run after each surface's command.
 */

const detail = (dir: string) => readFileSync(join(dir, 'docs', 'PROJECT_DETAIL.md'), 'utf8');
const interactions = (dir: string) => detail(dir).split('## Recent Human Interactions')[1] ?? '';

async function auditVerify(dir: string): Promise<{ code: number | null; out: string }> {
  const r = await governorCli(['audit', 'verify', '--dir', dir], {});
  return { code: r.code, out: r.stdout + r.stderr };
}

/** A UI page's socket: the host's own Origin, as a browser tab sends it. */
async function uiCall(
  host: RunningHost,
  call: string,
  params: unknown,
): Promise<{ ok: boolean; result?: unknown; error?: { message: string } }> {
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws?token=${host.token}`, {
    headers: { origin: `http://127.0.0.1:${host.port}` },
  });
  try {
    return await new Promise((resolve, reject) => {
      ws.on('error', reject);
      ws.on('open', () => ws.send(JSON.stringify({ id: 1, call, params })));
      ws.on('message', (raw) => {
        const f = JSON.parse(raw.toString()) as {
          id?: number;
          ok: boolean;
          result?: unknown;
          error?: { message: string };
        };
        if (f.id === 1) resolve(f);
      });
    });
  } finally {
    ws.close();
  }
}

/** Wait until the host's own exports agree with its ledger: what a follow-up wrote, without another command. */
async function settled(host: RunningHost): Promise<void> {
  await host.projects.current().loop.idle();
  for (let i = 0; i < 100; i++) {
    if ((await host.project.exporter.verify()).length === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`exports still stale: ${JSON.stringify(await host.project.exporter.verify())}`);
}

describe('one way in: every surface leaves the exports in line with the ledger', () => {
  let fake: FakeDiscord;
  let host: RunningHost | null = null;
  const savedToken = process.env.DISCORD_BOT_TOKEN;

  /** The sample at its plan review, linked to the fake Discord; each test works on its own copy. */
  const atPlanReview = folderTemplate(async (dir) => {
    await initProject(dir, { sample: true });
    writeFileSync(join(dir, 'discord.yaml'), `${botYaml(fake)}\n`);
    const p = await openProject(dir);
    try {
      await runLoop(p); // to the plan review
    } finally {
      p.close();
    }
  });
  /** Then a clarification asked from the CLI with no host, already in the log of human interactions. */
  const clarified = folderTemplate(
    async (dir) => {
      const clarify = await governorCli(['decide', '1', 'clarify', '--comment', 'why nine tasks?', '--dir', dir], {});
      if (clarify.code !== 0) throw new Error(`governor decide failed: ${clarify.stderr}`);
    },
    { from: atPlanReview },
  );

  /** A host over `dir` in this process, linked to the fake Discord; closed after the test. */
  async function hostOver(dir: string): Promise<RunningHost> {
    process.env.DISCORD_BOT_TOKEN = fake.token;
    host = await startHost({ dir, port: 0, rendererDir: join(tempDir(), 'no-renderer') });
    return host;
  }

  beforeAll(async () => {
    fake = await startFakeDiscord();
  });
  afterEach(async () => {
    await host?.close();
    host = null;
    if (savedToken === undefined) delete process.env.DISCORD_BOT_TOKEN;
    else process.env.DISCORD_BOT_TOKEN = savedToken;
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('the CLI with no host: a refused command and a clarification are in the exports at once', async () => {
    const dir = await atPlanReview.copy();
    const refused = await governorCli(['command', '/resolve concern_0099 not a concern', '--dir', dir], {});
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/concern "concern_0099" not found/);
    expect(await auditVerify(dir)).toMatchObject({ code: 0 });

    const clarify = await governorCli(['decide', '1', 'clarify', '--comment', 'why nine tasks?', '--dir', dir], {});
    expect(clarify.code, clarify.stderr).toBe(0);
    expect(clarify.stdout).toMatch(/request_clarification \(`governor run` acts on it\)/);
    expect(await auditVerify(dir)).toMatchObject({ code: 0 });
    expect(interactions(dir)).toMatch(
      /· cli · Human · `\/resolve concern_0099 not a concern` → ⚠️ System: concern "concern_0099" not found/,
    );
  });

  it('the CLI through a host, the UI and Discord: each command is followed up where it lands', async () => {
    const dir = await clarified.copy();
    const h = await hostOver(dir);

    // CLI through the host: a refused command goes through the host's API and its exports.
    const viaHost = await governorCli(['command', '/ack concern_0042', '--dir', dir], {});
    expect(viaHost.code).toBe(1);
    expect(viaHost.stdout).toMatch(/through the running host/);
    await settled(h);
    expect(await auditVerify(dir)).toMatchObject({ code: 0 });

    // The UI acts on a concern: logged as the console command it stands for, exports at once.
    const concern = raise(h.project, 'warning', 'Fixture data is stale');
    const ack = await uiCall(h, 'concerns.act', { concernId: concern, action: 'ack', note: 'looking into it' });
    expect(ack).toMatchObject({ ok: true, result: { id: concern, status: 'acknowledged' } });
    const refusedUi = await uiCall(h, 'concerns.act', { concernId: 'concern_0077', action: 'resolve', note: '' });
    expect(refusedUi).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/concern "concern_0077" not found/) },
    });
    await settled(h);
    expect(await auditVerify(dir)).toMatchObject({ code: 0 });

    // Discord: a command that fails is recorded and exported like one that succeeds.
    const bad = await fake.slash({
      name: 'resolve',
      options: [{ name: 'concern', type: 3, value: 'concern_0055' }],
      userId: REVIEWER,
      channelId: fake.channelId('project-updates'),
    });
    await fake.waitFor(() =>
      fake.messages().find((m) => m.interaction_id === bad.id && m.content.includes('not found')),
    );
    const good = await fake.slash({
      name: 'resolve',
      options: [
        { name: 'concern', type: 3, value: concern },
        { name: 'note', type: 3, value: 'fixtures regenerated' },
      ],
      userId: REVIEWER,
      channelId: fake.channelId('project-updates'),
    });
    await fake.waitFor(() =>
      fake.messages().find((m) => m.interaction_id === good.id && m.content.includes('resolved')),
    );
    await settled(h);
    expect(await auditVerify(dir)).toMatchObject({ code: 0 });

    // One log of human interactions, whichever surface the human used.
    const log = interactions(dir);
    expect(log).toMatch(
      new RegExp(`· ui · Human · \`/ack ${concern} looking into it\` → System: Concern ${concern} acknowledged`),
    );
    expect(log).toMatch(/· ui · Human · `\/resolve concern_0077` → ⚠️ System: concern "concern_0077" not found/);
    expect(log).toMatch(/· cli · Human · `\/ack concern_0042` → ⚠️/);
    expect(log).toMatch(
      new RegExp(
        `· discord · \\S+ · \`/resolve ${concern} fixtures regenerated\` → System: Concern ${concern} resolved`,
      ),
    );
    expect(log).toMatch(/· discord · \S+ · `\/resolve concern_0055` → ⚠️/);
    expect(log).toMatch(/· cli · Human · Plan review of `REQUIREMENTS.md` r1: .*why nine tasks\?/);
  });

  it('one driver: a second host or an interactive run is refused, naming the host that holds the project', async () => {
    const dir = await atPlanReview.copy();
    const host = await hostOver(dir);
    const serve = await governorCli(['serve', '--dir', dir, '--port', '0'], {});
    expect(serve.code).toBe(1);
    expect(serve.stderr).toMatch(
      new RegExp(
        `already driven by \`governor serve\` at http://127\\.0\\.0\\.1:${host.port} \\(pid ${process.pid}\\)`,
      ),
    );
    const run = await governorCli(['run', '--dir', dir, '--no-prompt'], {});
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      new RegExp(
        `already driven by \`governor serve\` at http://127\\.0\\.0\\.1:${host.port} \\(pid ${process.pid}\\)`,
      ),
    );
  });
});
