import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initProject } from '../electron/core/project.ts';
import { checkOpenable } from '../electron/core/projects.ts';
import { RECENT_MAX, readRecent, recentFile, rememberProject } from '../electron/core/recent.ts';
import { type RunningHost, startHost } from '../electron/server/host/server.ts';
import { tempDir } from './support/tmp.ts';

type Frame = {
  id?: number | null;
  ok?: boolean;
  result?: unknown;
  error?: { code: string; message: string };
  event?: string;
  data?: unknown;
};

/** A page's view of the host: every frame it got, and calls answered by id. */
async function client(host: RunningHost) {
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws?token=${host.token}`, {
    headers: { origin: `http://127.0.0.1:${host.port}` },
  });
  const frames: Frame[] = [];
  ws.on('message', (raw) => frames.push(JSON.parse(raw.toString()) as Frame));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let next = 1;
  return {
    frames,
    async call(name: string, params: unknown): Promise<Frame> {
      const id = next++;
      ws.send(JSON.stringify({ id, call: name, params }));
      for (let i = 0; i < 3000; i++) {
        const hit = frames.find((f) => f.id === id);
        if (hit) return hit;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`no answer to ${name}`);
    },
    close: () => ws.close(),
  };
}

describe('the recent projects list', () => {
  it('keeps the most recent first, once each, at most ten, in a file that is always whole JSON', async () => {
    const home = tempDir('governor-home-');
    const root = tempDir();
    for (let i = 0; i < 12; i++)
      await rememberProject(
        { dir: join(root, `p${i}`), name: `P${i}` },
        { home, now: new Date(Date.UTC(2026, 0, 1, 0, i)) },
      );
    await rememberProject({ dir: join(root, 'p5'), name: 'P5 again' }, { home, now: new Date(Date.UTC(2026, 0, 2)) });
    const list = await readRecent(home);
    expect(list).toHaveLength(RECENT_MAX);
    expect(list.map((r) => r.name).slice(0, 3)).toEqual(['P5 again', 'P11', 'P10']);
    expect(list.filter((r) => r.dir === join(root, 'p5'))).toHaveLength(1);
    expect(list.some((r) => r.name === 'P0' || r.name === 'P1')).toBe(false);
    // None of those folders exist: every entry says so.
    expect(list.every((r) => r.missing)).toBe(true);
    const onDisk = JSON.parse(readFileSync(recentFile(home), 'utf8')) as { version: number; projects: unknown[] };
    expect(onDisk).toMatchObject({ version: 1 });
    expect(onDisk.projects).toHaveLength(RECENT_MAX);
    // Written through a temp file and a rename: nothing is left beside it.
    expect(readdirSync(home)).toEqual(['recent.json']);
  });

  it('marks a project whose folder is gone, and survives a damaged file', async () => {
    const home = tempDir('governor-home-');
    const dir = join(tempDir(), 'real');
    await initProject(dir, { name: 'real' });
    await rememberProject({ dir, name: 'real' }, { home });
    expect((await readRecent(home))[0]).toMatchObject({ dir, name: 'real', missing: false });
    rmSync(dir, { recursive: true, force: true });
    expect((await readRecent(home))[0]).toMatchObject({ dir, missing: true });
    writeFileSync(recentFile(home), '{ not json');
    expect(await readRecent(home)).toEqual([]);
    await rememberProject({ dir, name: 'again' }, { home });
    expect((await readRecent(home)).map((r) => r.name)).toEqual(['again']);
  });

  it('uses $GOVERNOR_HOME when no folder is given', async () => {
    const home = tempDir('governor-home-');
    const before = process.env.GOVERNOR_HOME;
    process.env.GOVERNOR_HOME = home;
    try {
      await rememberProject({ dir: '/nowhere/x', name: 'x' });
      expect(JSON.parse(readFileSync(join(home, 'recent.json'), 'utf8'))).toMatchObject({
        projects: [{ dir: '/nowhere/x', name: 'x' }],
      });
    } finally {
      if (before === undefined) delete process.env.GOVERNOR_HOME;
      else process.env.GOVERNOR_HOME = before;
    }
  });
});

describe('refusing folders that cannot be opened', () => {
  it('names what is wrong: missing, a file, not a project, held by a loop, served by another host', async () => {
    const root = tempDir();
    await expect(checkOpenable(join(root, 'nope'))).rejects.toThrow(/does not exist/);
    writeFileSync(join(root, 'file.txt'), 'x');
    await expect(checkOpenable(join(root, 'file.txt'))).rejects.toThrow(/is not a folder/);
    mkdirSync(join(root, 'empty'));
    await expect(checkOpenable(join(root, 'empty'))).rejects.toThrow(
      /is not a Governor project \(it has no agents\.yaml\)/,
    );
    const dir = join(root, 'proj');
    await initProject(dir, { name: 'proj' });
    expect(await checkOpenable(dir)).toBe(dir);
    // Another live process (our parent, the test runner) holds the loop lock.
    mkdirSync(join(dir, '.governor'), { recursive: true });
    writeFileSync(join(dir, '.governor', 'loop.lock'), String(process.ppid));
    await expect(checkOpenable(dir)).rejects.toThrow(
      new RegExp(`already driven by a governor loop \\(pid ${process.ppid}\\): a project has one driver`),
    );
    rmSync(join(dir, '.governor', 'loop.lock'));
    writeFileSync(
      join(dir, '.governor', 'host.json'),
      JSON.stringify({ pid: process.ppid, port: 1, host: '127.0.0.1', token: 't' }),
    );
    await expect(checkOpenable(dir)).rejects.toThrow(/already served by another Governor host/);
    // A host file left by a dead process does not hold the project.
    writeFileSync(
      join(dir, '.governor', 'host.json'),
      JSON.stringify({ pid: 2 ** 22 + 12345, port: 1, host: '127.0.0.1', token: 't' }),
    );
    expect(await checkOpenable(dir)).toBe(dir);
  });
});

describe('switching the project a host serves', () => {
  let host: RunningHost;
  let home: string;
  let root: string;
  let first: string;
  let page: Awaited<ReturnType<typeof client>>;

  beforeAll(async () => {
    home = tempDir('governor-home-');
    root = tempDir();
    first = join(root, 'first');
    await initProject(first, { name: 'first project' });
    host = await startHost({
      dir: first,
      port: 0,
      rendererDir: join(root, 'no-renderer'),
      home,
      rememberProject: true,
    });
    page = await client(host);
  });
  afterAll(async () => {
    page?.close();
    await host?.close();
  });

  it('says which project is served, and remembers the one it started with', async () => {
    expect(await page.call('projects.current', {})).toMatchObject({
      ok: true,
      result: { dir: first, name: 'first project' },
    });
    expect(await page.call('projects.recent', {})).toMatchObject({
      ok: true,
      result: [{ dir: first, name: 'first project', missing: false }],
    });
  });

  it('creates the demo in a folder, closes the first project and serves the demo, telling every page', async () => {
    const old = host.projects.current();
    const demo = join(root, 'demo');
    page.frames.length = 0;
    const res = await page.call('projects.demo', { dir: demo });
    expect(res).toMatchObject({ ok: true, result: { dir: demo, name: 'build base backtester skeleton' } });
    // Progress while it worked, then the switch, then the new project's status, in that order.
    const events = page.frames.filter((f) => f.event);
    const progress = events
      .filter((f) => f.event === 'progress')
      .map((f) => (f.data as { kind: string; text: string }).text);
    expect(progress.some((t) => t.startsWith('Creating the demo project'))).toBe(true);
    const switched = events.findIndex((f) => f.event === 'project.switched');
    expect(events[switched]?.data).toEqual({ dir: demo, name: 'build base backtester skeleton' });
    const status = events.findIndex((f, i) => i > switched && f.event === 'status.changed');
    expect(status).toBeGreaterThan(switched);
    expect(events[status]?.data).toMatchObject({ name: 'build base backtester skeleton', stage: 'plan' });
    // The first project's ledger is closed; the host and every call now act on the demo.
    expect(() => old.p.ledger.count()).toThrow();
    expect(host.project.dir).toBe(demo);
    expect(await page.call('project.status', {})).toMatchObject({
      ok: true,
      result: { name: 'build base backtester skeleton' },
    });
    expect(JSON.parse(readFileSync(join(demo, '.governor', 'host.json'), 'utf8'))).toMatchObject({ port: host.port });
    expect(readdirSync(join(first, '.governor'))).not.toContain('host.json');
    expect((await page.call('projects.recent', {})).result).toMatchObject([{ dir: demo }, { dir: first }]);
  });

  it('refuses bad folders in plain words and keeps serving the current project', async () => {
    const count = host.project.ledger.count();
    const file = join(root, 'notes.txt');
    writeFileSync(file, 'x');
    mkdirSync(join(root, 'plain'));
    for (const [dir, msg] of [
      [join(root, 'nope'), /does not exist/],
      [file, /is not a folder/],
      [join(root, 'plain'), /is not a Governor project/],
    ] as const) {
      const r = await page.call('projects.open', { dir });
      expect(r.ok, dir).toBe(false);
      expect(r.error?.message).toMatch(msg);
    }
    expect((await page.call('projects.open', { dir: '  ' })).error).toMatchObject({ code: 'invalid_input' });
    expect((await page.call('projects.create', { dir: join(root, 'demo'), name: 'again' })).error?.message).toMatch(
      /already a Governor project/,
    );
    expect(host.project.ledger.count()).toBe(count);
    expect(await page.call('project.status', {})).toMatchObject({
      ok: true,
      result: { name: 'build base backtester skeleton' },
    });
  });

  it('stops a running loop before it switches, and switching back finds the first project as it was', async () => {
    const demo = host.projects.current();
    expect(await page.call('loop.run', {})).toMatchObject({ ok: true, result: { started: true } });
    const res = await page.call('projects.open', { dir: first });
    expect(res).toMatchObject({ ok: true, result: { dir: first, name: 'first project' } });
    expect(demo.loop.running).toBe(false);
    expect(() => demo.p.ledger.count()).toThrow();
    expect(await page.call('project.status', {})).toMatchObject({
      ok: true,
      result: { name: 'first project', stage: 'plan' },
    });
    expect((await page.call('projects.recent', {})).result).toMatchObject([
      { dir: first },
      { dir: join(root, 'demo') },
    ]);
  });

  it('creates a blank project from the template under the name given, and the sample one', async () => {
    const blank = join(root, 'blank');
    expect(await page.call('projects.create', { dir: blank, name: 'Ledger tools', template: 'blank' })).toMatchObject({
      ok: true,
      result: { dir: blank, name: 'Ledger tools' },
    });
    expect(readFileSync(join(blank, 'agents.yaml'), 'utf8')).toMatch(/^project: Ledger tools$/m);
    const sample = join(root, 'sample');
    expect(await page.call('projects.create', { dir: sample, name: 'ignored', template: 'sample' })).toMatchObject({
      ok: true,
      result: { dir: sample, name: 'build base backtester skeleton' },
    });
    const recent = (await page.call('projects.recent', {})).result as Array<{ dir: string; missing: boolean }>;
    expect(recent.map((r) => r.dir)).toEqual([sample, blank, first, join(root, 'demo')]);
    rmSync(blank, { recursive: true, force: true });
    expect(
      ((await page.call('projects.recent', {})).result as Array<{ dir: string; missing: boolean }>).find(
        (r) => r.dir === blank,
      )?.missing,
    ).toBe(true);
    expect((await page.call('projects.open', { dir: blank })).error?.message).toMatch(/does not exist/);
  });
});
