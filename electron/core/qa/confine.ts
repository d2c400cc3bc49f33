import { homedir } from 'node:os';
import { join } from 'node:path';
import type { PoliciesFile } from '../../../shared/config.ts';
import { DEFAULT_SANDBOX } from '../../../shared/config.ts';
import { decideSandbox } from '../sandbox/index.ts';
import { Redactor } from '../secrets/redact.ts';
import type { RunCommandOptions } from './run-command.ts';

/** Used when an engine was built without one (some tests): still masks key shapes and the environment's secrets. */
let fallback: Redactor | null = null;
function fallbackRedactor(): Redactor {
  if (!fallback) {
    fallback = new Redactor();
    fallback.addFromEnv(process.env);
  }
  return fallback;
}

/**
 * How agent code runs under this project's policy, for `runCommand`: the allowlisted environment plus the
 * policy's `pass_env`, the OS sandbox writable only in `root` (the workspace or QA checkout) when the policy
 * and the machine allow (or a refusal when the policy requires one that is missing), and the project's
 * redactor over everything it prints.
 */
export function agentRunOptions(
  e: { policies: PoliciesFile; redactor?: Redactor | undefined },
  root: string,
): Pick<RunCommandOptions, 'sandbox' | 'redact' | 'passEnv'> {
  const policy = e.policies.sandbox ?? DEFAULT_SANDBOX;
  const redactor = e.redactor ?? fallbackRedactor();
  const decision = decideSandbox(policy);
  const readable = policy.read_paths.map((p) => (p.startsWith('~/') ? join(homedir(), p.slice(2)) : p));
  const sandbox: RunCommandOptions['sandbox'] =
    decision.kind === 'sandboxed'
      ? { writable: [root], readable, network: policy.network }
      : decision.kind === 'refused'
        ? { refused: decision.why }
        : null;
  return { sandbox, redact: (text) => redactor.redact(text), passEnv: policy.pass_env };
}
