import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { initProject } from '../../electron/core/project.ts';
import { type SampleProject, openSample, tempDir } from './project.ts';

/**
 * A project folder driven once to some state, then kept as a template: each test starts from its own copy
 * (`cp -a`: the repository, the ledger, the exports and the recorded runs as they are), so tests share the cost
 * of getting there but never each other's state, and any one of them runs alone or in any order.
 *
 * Templates are built lazily, on the first copy, so a test run alone builds only the ones it needs; and a
 * template can start from another's copy (`from`), so a chain of states is driven once.
 */
export interface FolderTemplate {
  /** The path of a fresh copy of the template. */
  copy(): Promise<string>;
}

/** `drive` gets the folder to fill: a copy of `from`, or (without it) a path that does not exist yet. */
export function folderTemplate(
  drive: (dir: string) => Promise<void>,
  opts: { from?: FolderTemplate } = {},
): FolderTemplate {
  let built: Promise<string> | null = null;
  const build = async (): Promise<string> => {
    const dir = opts.from ? await opts.from.copy() : join(tempDir(), 'backtester');
    await drive(dir);
    return dir;
  };
  return {
    async copy() {
      built ??= build();
      const source = await built;
      // Same folder name as the sample: only the parent differs, so exports that name the folder match.
      const dir = join(tempDir(), 'backtester');
      execFileSync('cp', ['-a', source, dir]);
      return dir;
    },
  };
}

/** A sample project's template, driven through the test DSL; it is closed before it is copied. */
export interface ProjectTemplate {
  /** A fresh copy of the template, open. The caller closes it. */
  copy(): Promise<SampleProject>;
  folder: FolderTemplate;
}

export function projectTemplate(
  drive: (sp: SampleProject) => Promise<void>,
  opts: { from?: ProjectTemplate } = {},
): ProjectTemplate {
  const folder = folderTemplate(
    async (dir) => {
      if (!opts.from) await initProject(dir, { sample: true });
      const sp = await openSample(dir);
      try {
        await drive(sp);
      } finally {
        sp.close();
      }
    },
    { from: opts.from?.folder },
  );
  return { folder, copy: async () => openSample(await folder.copy()) };
}
