import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { initProject } from '../electron/core/project.ts';
import { CLI_DIR, ROOT } from '../scripts/build-cli.mjs';
import { tempDir } from './support/tmp.ts';

const BIN = resolve(ROOT, 'bin', 'governor.mjs');
const TRACE = resolve(import.meta.dirname, 'support', 'trace-loads.mjs');

interface Traced {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Files loaded, relative to the repo. */
  files: string[];
  /** npm packages those files are or carry (a chunk's bundled packages come from build-info.json). */
  packages: string[];
}

/** The files a traced run loaded, and the npm packages they are or carry. */
function loadsOf(trace: string): Pick<Traced, 'files' | 'packages'> {
  const loaded = existsSync(trace) ? readFileSync(trace, 'utf8').split('\n').filter(Boolean) : [];
  const files = loaded.map((url) => relative(ROOT, fileURLToPath(url)));
  type BuildInfo = { packages: Record<string, string[]> };
  const info = JSON.parse(readFileSync(join(CLI_DIR, 'build-info.json'), 'utf8')) as BuildInfo;
  const packages = new Set<string>();
  for (const f of files) {
    const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f);
    if (inModules?.[1]) packages.add(inModules[1]);
    for (const p of info.packages[relative(CLI_DIR, join(ROOT, f))] ?? []) packages.add(p);
  }
  return { files, packages: [...packages].sort() };
}

/** Run the CLI as users do (bin/governor.mjs), recording every module file it loads. */
function traced(args: string[]): Traced {
  const trace = join(tempDir(), 'loaded.txt');
  const env = { ...process.env, NO_COLOR: '1', GOVERNOR_TRACE_LOADS: trace };
  const r = spawnSync(process.execPath, ['--import', TRACE, BIN, ...args], { encoding: 'utf8', env, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ...loadsOf(trace) };
}

/** What no command that only reads a project should pay for at start. */
const HEAVY = [
  'discord.js',
  'ai',
  '@ai-sdk/anthropic',
  '@ai-sdk/openai',
  '@ai-sdk/openai-compatible',
  'openpgp',
  'ws',
  '@anthropic-ai/claude-agent-sdk',
  '@modelcontextprotocol/sdk',
];
const ALSO_NOT_FOR_STATUS = ['fast-xml-parser'];

/**
 * What users run is JavaScript built at install (dist/cli), never TypeScript transpiled at start, and each
 * command loads only the libraries it needs: the loaded files are recorded by a loader hook and mapped to
 * the npm packages each built chunk carries.
 */
describe('the shipped CLI starts from its build and loads libraries per command', () => {
  let project: string;
  beforeAll(async () => {
    project = join(tempDir(), 'backtester');
    await initProject(project, { sample: true });
  });

  it('--help runs the build in dist/cli and loads commander and the command list only', () => {
    const r = traced(['--help']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Usage: governor/);
    expect(r.files.filter((f) => f.endsWith('.ts'))).toEqual([]);
    expect(r.files.some((f) => f.startsWith('dist/cli/governor-'))).toBe(true);
    expect(r.packages).toEqual(['commander', 'picocolors']);
  });

  it('status opens the project (SQLite, git, config) without the host, discord.js, the AI SDK, openpgp or isomorphic-git', () => {
    const r = traced(['status', '--dir', project]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/System Status/);
    expect(r.files.filter((f) => f.endsWith('.ts'))).toEqual([]);
    expect(r.packages).toEqual(expect.arrayContaining(['better-sqlite3', 'yaml', 'zod']));
    // Loose objects and refs are read with Node (git/commits.ts); isomorphic-git loads only for packs.
    for (const heavy of [...HEAVY, ...ALSO_NOT_FOR_STATUS, 'isomorphic-git']) expect(r.packages).not.toContain(heavy);
  });

  it('discord.yaml brings discord.js (to queue alerts); a model runtime brings the AI SDK', async () => {
    const dir = join(tempDir(), 'wired');
    await initProject(dir, { sample: true });
    const discord = 'mode: webhook\nwebhooks:\n  system-health: { url_env: GOVERNOR_TEST_HOOK }\n';
    writeFileSync(join(dir, 'discord.yaml'), discord);
    const scripted = readFileSync(join(dir, 'agents.yaml'), 'utf8');
    const agents = scripted.replace(/(ProjectManager:\n\s+runtime: )scripted/, '$1ollama:qwen2.5-coder');
    expect(agents).toMatch(/ollama:qwen2\.5-coder/);
    writeFileSync(join(dir, 'agents.yaml'), agents);
    const r = traced(['status', '--dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.packages).toEqual(expect.arrayContaining(['discord.js', 'ai', '@ai-sdk/openai-compatible']));
  });

  it('`mcp --agent` (what a Claude Code session is given) serves MCP over stdio from the build', async () => {
    const trace = join(tempDir(), 'loaded.txt');
    const env = { ...(process.env as Record<string, string>), NO_COLOR: '1', GOVERNOR_TRACE_LOADS: trace };
    const args = ['--import', TRACE, BIN, 'mcp', '--dir', project, '--agent', 'Implementer'];
    const client = new Client({ name: 'startup-test', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args, env, stderr: 'ignore' }));
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('project_status');
    } finally {
      await client.close();
    }
    const r = loadsOf(trace);
    expect(r.files.filter((f) => f.endsWith('.ts'))).toEqual([]);
    expect(r.packages).toContain('@modelcontextprotocol/sdk');
    for (const heavy of HEAVY.filter((h) => h !== '@modelcontextprotocol/sdk')) expect(r.packages).not.toContain(heavy);
  });

  it('a claude-code runtime loads the Agent SDK only when its agent works, not for status', async () => {
    const dir = join(tempDir(), 'coding');
    await initProject(dir, { sample: true });
    const scripted = readFileSync(join(dir, 'agents.yaml'), 'utf8');
    const agents = scripted.replace(/(Implementer:\n\s+runtime: )scripted/, '$1claude-code');
    expect(agents).toMatch(/runtime: claude-code/);
    writeFileSync(join(dir, 'agents.yaml'), agents);
    const r = traced(['status', '--dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    for (const heavy of HEAVY) expect(r.packages).not.toContain(heavy);
  });

  it('a build older than its sources is rebuilt before it runs, once', () => {
    // An input of the build (harmless to touch): the next start must notice and rebuild.
    const input = join(ROOT, 'scripts', 'zod-english-only.mjs');
    const now = new Date();
    utimesSync(input, now, now);
    const first = traced(['--help']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/scripts\/zod-english-only\.mjs changed since the last build; building the CLI/);
    const second = traced(['--help']);
    expect(second.stderr).not.toMatch(/building the CLI/);
    expect(second.stdout).toMatch(/Usage: governor/);
  });
});
