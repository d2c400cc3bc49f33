import { join } from 'node:path';

/**
 * Where a running host announces itself inside a project, so a second terminal (or host) can find it.
 * In a module of its own so `governor decide` can look for a host without loading the engine.
 */
export const hostFileOf = (dir: string) => join(dir, '.governor', 'host.json');
