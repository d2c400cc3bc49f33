import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repo's `resources/` folder (templates, the sample project, JSON Schemas). */
export function resourcesDir(): string {
  return fileURLToPath(new URL('../../resources/', import.meta.url));
}

export function resourcePath(...parts: string[]): string {
  return join(resourcesDir(), ...parts);
}
