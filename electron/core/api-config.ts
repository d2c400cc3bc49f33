/** Helpers of the API's concern-action, configuration and key calls (api.ts). */
import type { CallRequest } from '../../shared/index.ts';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { validateAgentsYaml, validatePoliciesYaml } from './config/load.ts';
import { GovernorError, InvalidInputError } from './errors.ts';
import type { OpenedProject } from './host.ts';
import { validateDiscordYaml } from './discord/config.ts';
import { resourcesRoot } from './config/templates.ts';
import { keyStatus } from './secrets/key-status.ts';

/** The console text for a concern action taken in the UI (`to` is checked against the contract already). */
export function concernCommand(
  action: CallRequest<'concerns.act'>['action'],
  concernId: string,
  note: string,
  to: string | undefined,
): string {
  const tail = note.trim() ? ` ${note.trim()}` : '';
  if (action === 'ack' || action === 'resolve') return `/${action} ${concernId}${tail}`;
  if (!to) throw new InvalidInputError(`"${action}" needs "to": the agent (or Human) to ${action} the concern to`);
  if (action === 'assign') {
    if (to === 'Human') throw new InvalidInputError('assign a concern to an agent');
    return `/assign ${to} ${concernId}${tail}`;
  }
  return `/escalate ${concernId} ${to}${tail}`;
}

type ConfigFile = CallRequest<'config.read'>['file'];

export function configCheck(
  file: ConfigFile,
  text: string,
): { ok: boolean; issues: Array<{ line: number; path: string; message: string }> } {
  const r =
    file === 'agents.yaml'
      ? validateAgentsYaml(text)
      : file === 'discord.yaml'
        ? validateDiscordYaml(text)
        : validatePoliciesYaml(text);
  return r.ok ? { ok: true, issues: [] } : { ok: false, issues: r.issues };
}

/** A project may have no discord.yaml yet: Settings then starts from the commented template. */
export async function readConfig(
  dir: string,
  file: ConfigFile,
): Promise<{ file: ConfigFile; text: string; exists: boolean }> {
  try {
    return { file, text: await readFile(join(dir, file), 'utf8'), exists: true };
  } catch (err) {
    if (file !== 'discord.yaml' || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return {
      file,
      text: await readFile(join(resourcesRoot(), 'resources', 'templates', 'discord.yaml'), 'utf8'),
      exists: false,
    };
  }
}

export function keyStoreOf(p: OpenedProject) {
  if (!p.keyStore)
    throw new GovernorError(
      'unsupported',
      'this front end has no key store; set the key in the environment (see Settings for the variable) or in an agents.yaml keys_file',
    );
  return p.keyStore;
}

export async function keysOverview(p: OpenedProject) {
  return {
    store: p.keyStore?.label ?? null,
    keys: await keyStatus({ dir: p.dir, agentsFile: p.agentsFile, discord: p.discord ?? null, store: p.keyStore }),
    // A store that cannot be read is already reported per key (its problem); the list still shows.
    stored: p.keyStore ? await p.keyStore.providers().catch(() => []) : [],
  };
}
