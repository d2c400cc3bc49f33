import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { tempDir } from './support/tmp.ts';

/** agents.yaml edited between two opens (Settings saves it; the change takes effect on the next open). */
describe('agents.yaml changes between opens', () => {
  it('records new runtimes and added agents once, in the ledger and in what the Agents view lists', async () => {
    const dir = join(tempDir(), 'backtester');
    await initProject(dir, { sample: true });
    (await openProject(dir)).close();

    const file = join(dir, 'agents.yaml');
    const yaml = readFileSync(file, 'utf8');
    const edited = yaml
      .replace(/(Designer:\n\s+runtime:) scripted/, '$1 ollama:qwen2.5-coder')
      .replace('count: 2', 'count: 3');
    expect(edited).not.toBe(yaml);
    writeFileSync(file, edited);

    const p = await openProject(dir);
    try {
      const agents = p.read.agents();
      expect(agents.find((a) => a.name === 'Designer')?.runtime).toBe('ollama:qwen2.5-coder');
      expect(agents.find((a) => a.name === 'ProjectManager')?.runtime).toBe('scripted');
      expect(agents.find((a) => a.name === 'Implementer-3')).toMatchObject({
        role: 'Implementer',
        runtime: 'scripted',
        status: 'idle',
      });
      const events = p.ledger.readTypes(['agents.configured']);
      expect(events).toHaveLength(1);
      expect(events[0]?.payload).toEqual({
        runtimes: { Designer: 'ollama:qwen2.5-coder', 'Implementer-3': 'scripted' },
        added: ['Implementer-3'],
        changes: ['Designer: scripted → ollama:qwen2.5-coder', 'Implementer-3 added (scripted)'],
      });
      // The projection is a pure function of the events.
      const before = p.read.agents();
      p.ledger.rebuildProjections();
      expect(p.read.agents()).toEqual(before);
      expect(p.ledger.verify().ok).toBe(true);
    } finally {
      p.close();
    }

    // Opening again with the same file records nothing new.
    const again = await openProject(dir);
    try {
      expect(again.ledger.readTypes(['agents.configured'])).toHaveLength(1);
    } finally {
      again.close();
    }
  });
});
