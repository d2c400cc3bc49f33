import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fillHistory } from '../bench/history.ts';
import { type SealedExport, createExporter } from '../electron/core/artifacts/exporter.ts';
import { type OpenedProject, openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { evaluateGate } from '../electron/core/workflow/stages/evidence.ts';
import { gitCli } from './support/git-cli.ts';
import { tempDir } from './support/tmp.ts';

/**
 * The audit JSONL streams are split into sealed segments plus a current file (render/segments.ts). The files
 * must equal a full render at every point, an older single-file layout must be converted on open, a seal
 * stopped half-way must be repaired, and a commit must keep a sealed segment's blob without reading it.
 */
describe('sealed audit segments', () => {
  const opened: OpenedProject[] = [];
  afterEach(() => {
    for (const p of opened.splice(0)) p.close();
  });

  async function project(): Promise<{ dir: string; p: OpenedProject }> {
    const dir = join(tempDir(), 'backtester');
    await initProject(dir, { sample: true });
    const p = await openProject(dir);
    opened.push(p);
    return { dir, p };
  }
  const count = (dir: string, rel: string) => readFileSync(join(dir, rel), 'utf8').split('\n').length - 1;
  const segments = (dir: string, folder: string) => readdirSync(join(dir, folder)).sort();
  /** Every record of a stream as the files hold them, segments first. */
  const records = (dir: string, rel: string) =>
    [...segments(dir, rel.replace(/\.jsonl$/, '')).map((n) => `${rel.replace(/\.jsonl$/, '')}/${n}`), rel].flatMap(
      (f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean),
    );

  it('seal full segments as the streams grow, and equal a full render after every sync', async () => {
    const { dir, p } = await project();
    const ex = createExporter(dir, p.ledger, p.read, { segmentLines: 7 });
    await ex.sync();
    for (let i = 0; i < 4; i++) {
      fillHistory(p.ledger, 60, { from: i * 60 });
      await ex.sync();
      expect(await ex.verify()).toEqual([]);
    }
    const sealed = segments(dir, 'audit/commands');
    expect(sealed.length).toBeGreaterThan(1);
    expect(sealed[0]).toBe('000001.jsonl');
    for (const s of sealed) expect(count(dir, `audit/commands/${s}`)).toBe(7);
    const current = count(dir, 'audit/commands.jsonl');
    expect(current).toBeGreaterThanOrEqual(1);
    expect(current).toBeLessThanOrEqual(7);
    // Handoffs of a phase are segmented alike.
    expect(segments(dir, 'audit/handoffs/phase-1').length).toBeGreaterThan(0);
    // paths() lists the segments, so a commit and `audit verify` see them.
    expect(ex.paths()).toContain('audit/commands/000001.jsonl');
    // The same records, in order, as one whole stream: one line per command event.
    const ids = records(dir, 'audit/commands.jsonl').map((l) => (JSON.parse(l) as { event_id: string }).event_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(p.ledger.readTypes(['command.received'], 0, 100_000).length);
  });

  it("store each sealed segment's blob in the project's git, and name it for a commit unread", async () => {
    const { dir, p } = await project();
    const ex = createExporter(dir, p.ledger, p.read, {
      segmentLines: 10,
      storeBlob: (content) => p.git.storeBlob(content),
    });
    fillHistory(p.ledger, 200);
    const parts = [...(await ex.committable())].filter(([path]) => path.startsWith('audit/commands/'));
    expect(parts.length).toBeGreaterThan(0);
    for (const [path, content] of parts) {
      if (Buffer.isBuffer(content)) throw new Error(`${path} is not sealed`);
      // The git CLI judges: the stored blob is the segment file's content.
      expect(content.oid).toBe(gitCli(dir, 'hash-object', path).trim());
      expect(gitCli(dir, 'cat-file', '-t', content.oid ?? '').trim()).toBe('blob');
    }
  });

  it("give each sealed segment's digest as recorded while its file keeps its stat, and read it once it changed", async () => {
    const { dir, p } = await project();
    const ex = createExporter(dir, p.ledger, p.read, { segmentLines: 10 });
    fillHistory(p.ledger, 200);
    const sealedOf = async () => {
      const out = new Map<string, SealedExport>();
      for (const [path, c] of await ex.committable()) if (!Buffer.isBuffer(c)) out.set(path, c);
      return out;
    };
    const sha256sum = (rel: string) => execFileSync('sha256sum', [join(dir, rel)], { encoding: 'utf8' }).split(' ')[0];
    const seg = 'audit/commands/000001.jsonl';
    const first = (await sealedOf()).get(seg);
    expect(await first?.digest()).toEqual({ sha256: sha256sum(seg), bytes: statSync(join(dir, seg)).size });
    // Same size, same modification time, other bytes: taken as recorded, unread (git's own rule for its index).
    const file = join(dir, seg);
    const { mtime } = statSync(file);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('/status', '/STATUS'));
    utimesSync(file, mtime, mtime);
    expect((await (await sealedOf()).get(seg)?.digest())?.sha256).toBe(await first?.digest().then((d) => d.sha256));
    expect(sha256sum(seg)).not.toBe((await first?.digest())?.sha256);
    // Touched: read and hashed.
    utimesSync(file, new Date(), new Date());
    expect((await (await sealedOf()).get(seg)?.digest())?.sha256).toBe(sha256sum(seg));
    // Sealed by a version that kept no digest: read once, then kept.
    writeFileSync(file, text);
    p.ledger.db.prepare("DELETE FROM meta WHERE key LIKE 'segment-digest:%'").run();
    const seg2 = 'audit/responses/000001.jsonl';
    expect((await (await sealedOf()).get(seg2)?.digest())?.sha256).toBe(sha256sum(seg2));
    const kept = p.ledger.db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?');
    expect(kept.get(`segment-digest:10:${seg2}`)?.value).toMatch(new RegExp(`^${sha256sum(seg2)} \\d+ \\d+$`));
  });

  it("list each sealed segment in the QA gate's manifest with the digest the git CLI's sha256sum gives", async () => {
    const { dir, p } = await project();
    fillHistory(p.ledger, 10_500);
    await p.exporter.sync();
    const gate = await evaluateGate(p, 1);
    const rows = gate.manifest.filter((m) => /^audit\/.+\/\d{6}\.jsonl$/.test(m.path));
    expect(rows.map((m) => m.path)).toContain('audit/concerns/000002.jsonl');
    for (const m of rows) {
      const sum = execFileSync('sha256sum', [join(dir, m.path)], { encoding: 'utf8' }).split(' ')[0];
      expect({ sha256: m.sha256, bytes: m.bytes }, m.path).toEqual({
        sha256: sum,
        bytes: statSync(join(dir, m.path)).size,
      });
    }
  });

  it('convert the single-file layout of older versions on open', async () => {
    const { dir, p } = await project();
    fillHistory(p.ledger, 200);
    await createExporter(dir, p.ledger, p.read, { segmentLines: 100_000 }).sync();
    // As an older version left it: every record in audit/commands.jsonl, no segment folder.
    expect(existsSync(join(dir, 'audit/commands'))).toBe(false);
    const whole = count(dir, 'audit/commands.jsonl');
    expect(whole).toBeGreaterThan(10);
    const ex = createExporter(dir, p.ledger, p.read, { segmentLines: 10 });
    await ex.sync();
    expect(await ex.verify()).toEqual([]);
    expect(count(dir, 'audit/commands.jsonl')).toBeLessThanOrEqual(10);
    expect(segments(dir, 'audit/commands').length).toBe(Math.floor((whole - 1) / 10));
  });

  it('repair a seal stopped between writing the segment and rewriting the current file', async () => {
    const { dir, p } = await project();
    fillHistory(p.ledger, 200);
    await createExporter(dir, p.ledger, p.read, { segmentLines: 10 }).sync();
    const sealed = segments(dir, 'audit/commands');
    // The crash: the next segment was written (the current file's lines), the current file not yet rewritten.
    const current = readFileSync(join(dir, 'audit/commands.jsonl'), 'utf8');
    writeFileSync(join(dir, `audit/commands/${String(sealed.length + 1).padStart(6, '0')}.jsonl`), current);
    // And a stray one from another ledger further on.
    writeFileSync(join(dir, 'audit/commands/000999.jsonl'), '{"event_id":"x"}\n');
    const ex = createExporter(dir, p.ledger, p.read, { segmentLines: 10 });
    await ex.sync();
    expect(await ex.verify()).toEqual([]);
    expect(segments(dir, 'audit/commands')).toEqual(sealed);
  });

  it('rebuild a stream whose newest segment lost lines since it was sealed', async () => {
    const { dir, p } = await project();
    fillHistory(p.ledger, 200);
    await createExporter(dir, p.ledger, p.read, { segmentLines: 10 }).sync();
    const newest = `audit/commands/${segments(dir, 'audit/commands').at(-1)}`;
    // A partial restore: its size no longer what was recorded, so the next process reads it whole.
    const lines = readFileSync(join(dir, newest), 'utf8').split('\n');
    writeFileSync(join(dir, newest), `${lines.slice(0, 5).join('\n')}\n`);
    const ex = createExporter(dir, p.ledger, p.read, { segmentLines: 10 });
    await ex.sync();
    expect(await ex.verify()).toEqual([]);
    expect(count(dir, newest)).toBe(10);
  });

  it('rebuild a deleted segment folder', async () => {
    const { dir, p } = await project();
    fillHistory(p.ledger, 200);
    await createExporter(dir, p.ledger, p.read, { segmentLines: 10 }).sync();
    rmSync(join(dir, 'audit/concerns'), { recursive: true, force: true });
    const ex = createExporter(dir, p.ledger, p.read, { segmentLines: 10 });
    await ex.sync();
    expect(await ex.verify()).toEqual([]);
  });
});
