import { join } from 'node:path';
import { resourcesRoot } from './config/templates.ts';

/**
 * The repo's `resources/` folder (templates, the sample project, JSON Schemas). Found by walking up from
 * the running module, so the built CLI (dist/cli/*.js) and the desktop bundle find it as the sources do.
 */
export function resourcesDir(): string {
  return join(resourcesRoot(), 'resources');
}

export function resourcePath(...parts: string[]): string {
  return join(resourcesDir(), ...parts);
}
