import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { type SampleProject, openSample, sampleProject, tempDir } from './project.ts';

/**
 * A sample project driven once to some state, then closed and kept as a template: each test starts from
 * its own copy (`cp -a`: the repository, the ledger and the exports as they are), so tests share the cost
 * of getting there but never each other's state, and any one of them runs alone or in any order.
 *
 * Templates are built lazily, on the first copy, so a test run alone builds only the ones it needs; and a
 * template can start from another's copy (`from`), so a chain of states is driven once.
 */
export interface ProjectTemplate {
  /** A fresh copy of the template, open. The caller closes it. */
  copy(): Promise<SampleProject>;
}

export function projectTemplate(
  drive: (sp: SampleProject) => Promise<void>,
  opts: { from?: ProjectTemplate } = {},
): ProjectTemplate {
  let built: Promise<string> | null = null;
  const build = async (): Promise<string> => {
    const sp = opts.from ? await opts.from.copy() : await sampleProject();
    try {
      await drive(sp);
    } finally {
      sp.close();
    }
    return sp.dir;
  };
  return {
    async copy() {
      built ??= build();
      const source = await built;
      // Same folder name as the sample: only the parent differs, so exports that name the folder match.
      const dir = join(tempDir(), 'backtester');
      execFileSync('cp', ['-a', source, dir]);
      return openSample(dir);
    },
  };
}
