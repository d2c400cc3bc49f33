import { buildCli, builtEntry } from '../../scripts/build-cli.mjs';

/**
 * vitest globalSetup: tests run the CLI as users do (bin/governor.mjs → dist/cli), so the build is brought
 * up to date once here, before any test file starts, instead of by whichever test spawns it first (and
 * every file alone still works: the bin rebuilds a stale build itself).
 */
export default async function setup(): Promise<void> {
  if (builtEntry().stale) await buildCli({ quiet: true });
}
