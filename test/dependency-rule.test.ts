import { type Dirent, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The dependency rule, checked mechanically:
 * shared ← electron/core ← electron/main | electron/server; renderer → shared only; nothing imports renderer;
 * only electron/main may import 'electron'.
 */
const repo = resolve(import.meta.dirname, '..');
const LAYERS = ['shared', 'electron/core', 'electron/main', 'electron/server', 'renderer'] as const;
type Layer = (typeof LAYERS)[number];
const ALLOWED: Record<Layer, readonly Layer[]> = {
  shared: ['shared'],
  'electron/core': ['shared', 'electron/core'],
  'electron/main': ['shared', 'electron/core', 'electron/main'],
  'electron/server': ['shared', 'electron/core', 'electron/server'],
  renderer: ['shared', 'renderer'],
};
/** Packages only certain layers may use: the Electron API only in the shell; Node built-ins never in shared or the renderer. */
const NODE_FREE: readonly Layer[] = ['shared', 'renderer'];

function files(root: string, dir: string): string[] {
  let out: string[] = [];
  let entries: Dirent[];
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const rel = join(dir, e.name);
    if (e.isDirectory() && e.name !== 'node_modules') out = out.concat(files(root, rel));
    else if (/\.(ts|tsx|mts)$/.test(e.name)) out.push(rel);
  }
  return out;
}

const layerOf = (rel: string): Layer | null =>
  [...LAYERS].sort((a, b) => b.length - a.length).find((l) => rel === l || rel.startsWith(`${l}/`)) ?? null;

function violations(root: string): string[] {
  const bad: string[] = [];
  for (const layer of LAYERS) {
    for (const file of files(root, layer)) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const m of text.matchAll(
        /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
      )) {
        const spec = m[1] ?? m[2] ?? '';
        if (spec.startsWith('.')) {
          const target = relative(root, resolve(dirname(join(root, file)), spec));
          const tl = layerOf(target);
          if (tl && !ALLOWED[layer].includes(tl))
            bad.push(`${file} imports ${spec} (${layer} may not depend on ${tl})`);
          if (!tl) bad.push(`${file} imports ${spec}, outside every layer`);
        } else {
          if ((spec === 'electron' || spec.startsWith('electron/')) && layer !== 'electron/main')
            bad.push(`${file} imports '${spec}'; only electron/main may`);
          if (
            NODE_FREE.includes(layer) &&
            (spec.startsWith('node:') ||
              ['fs', 'path', 'child_process', 'better-sqlite3', 'isomorphic-git'].includes(spec))
          )
            bad.push(`${file} imports '${spec}'; ${layer} must run without Node`);
        }
      }
    }
  }
  return bad;
}

describe('dependency rule', () => {
  it('holds for every source file', () => {
    expect(files(repo, 'electron/core').length).toBeGreaterThan(10);
    expect(violations(repo)).toEqual([]);
  });

  it('catches each kind of violation', () => {
    const root = mkdtempSync(join(tmpdir(), 'deprule-'));
    const put = (rel: string, text: string) => {
      mkdirSync(dirname(join(root, rel)), { recursive: true });
      writeFileSync(join(root, rel), text);
    };
    put('shared/a.ts', "import { x } from '../electron/core/b.ts';\n");
    put('electron/core/b.ts', "import { app } from 'electron';\nexport const x = 1;\n");
    put('renderer/c.ts', "import { readFileSync } from 'node:fs';\nimport { x } from '../electron/core/b.ts';\n");
    put('electron/server/d.ts', "import { y } from '../main/e.ts';\n");
    put('electron/main/e.ts', "import { app } from 'electron';\nexport const y = 2;\n");
    const found = violations(root);
    expect(found).toHaveLength(5);
    expect(found.join('\n')).toMatch(/shared\/a\.ts .*shared may not depend on electron\/core/);
    expect(found.join('\n')).toMatch(/electron\/core\/b\.ts imports 'electron'/);
    expect(found.join('\n')).toMatch(/renderer\/c\.ts imports 'node:fs'/);
    expect(found.join('\n')).toMatch(/electron\/server\/d\.ts .*may not depend on electron\/main/);
  });
});
