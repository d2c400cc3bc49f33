/**
 * Agent code in an OS sandbox. Everything an agent wrote that Governor runs (the QA gate's test commands,
 * `run_tests`, a worker's shell) runs through here, confined to its workspace or QA checkout:
 * - Linux: bubblewrap. The command sees the system read-only, its writable folders, and a private /tmp;
 *   not the home folder, other projects, Governor's ledger or key files. No network unless allowed.
 * - macOS: sandbox-exec with a generated profile (same rules; not exercised by this repo's CI).
 * - elsewhere, or where the tool does not work: nothing; the policy's `sandbox.mode` decides whether to run
 *   unsandboxed (`auto`, `off`) or refuse (`required`), and Governor says which at every start and in doctor.
 *
 * API (small on purpose; the coding-agent workers reuse it for their shells):
 *   sandboxAvailability()            which tool works here, in words
 *   decideSandbox(policy)            sandboxed / unsandboxed (and why) / refused (and why)
 *   sandboxedCommand(spec)           { file, args, env, cleanup } to hand to child_process.spawn
 *   childEnv({ pass, extra })        the allowlisted environment (./env.ts)
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { SandboxPolicy } from '../../../shared/config.ts';
import { GovernorError } from '../errors.ts';
import { type SandboxAvailability, type SandboxTool, sandboxAvailability } from './availability.ts';
import { bwrapArgs } from './bwrap.ts';
import { seatbeltArgs } from './seatbelt.ts';

export { childEnv } from './env.ts';
export { forgetWorkingSandbox, sandboxAvailability, sandboxAvailabilityAsync } from './availability.ts';
export type { SandboxAvailability, SandboxTool } from './availability.ts';

export interface SandboxSpec {
  /** The program and its arguments, run inside (e.g. `['/bin/sh', '-c', cmd]`). */
  command: readonly string[];
  /** Where it starts; must be inside a writable or readable folder. */
  cwd: string;
  /** Folders it may write (the workspace, the QA checkout). A private temp folder is always added. */
  writable: readonly string[];
  /** Further folders it may read (the policy's read_paths). */
  readable?: readonly string[];
  network: boolean;
  /** The environment it gets (already allowlisted: see childEnv). HOME and TMPDIR are pointed inside. */
  env: Readonly<Record<string, string>>;
}

export interface SandboxedCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
  /** Removes what the sandbox needed outside (macOS's temp folder); safe to call twice. */
  cleanup(): void;
}

export type SandboxDecision =
  | { kind: 'sandboxed'; tool: SandboxTool }
  | { kind: 'unsandboxed'; why: string }
  | { kind: 'refused'; why: string };

/** Where the policy meets the machine. Never a silent fallback: an unsandboxed run always carries its why. */
export function decideSandbox(
  policy: Pick<SandboxPolicy, 'mode'>,
  avail: SandboxAvailability = sandboxAvailability(),
): SandboxDecision {
  if (policy.mode === 'off')
    return { kind: 'unsandboxed', why: 'the policy turns the sandbox off (sandbox.mode: off)' };
  if (avail.tool) return { kind: 'sandboxed', tool: avail.tool };
  if (policy.mode === 'required') {
    return {
      kind: 'refused',
      why: `tests must run in a sandbox (sandbox.mode: required) and none works here: ${avail.detail}`,
    };
  }
  return {
    kind: 'unsandboxed',
    why: `no sandbox works here, so agent code runs with your rights (sandbox.mode: auto): ${avail.detail}`,
  };
}

/** The line every front end prints at start (and doctor shows): null when agent code is sandboxed. */
export function sandboxNotice(policy: Pick<SandboxPolicy, 'mode'>): string | null {
  const d = decideSandbox(policy);
  if (d.kind === 'sandboxed') return null;
  return d.kind === 'refused' ? `sandbox: ${d.why}` : `sandbox: agent code is NOT sandboxed: ${d.why}`;
}

const real = (p: string) => {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
};

/** The spawn arguments that run `spec.command` confined. Throws when this machine has no working sandbox. */
export function sandboxedCommand(
  input: SandboxSpec,
  avail: SandboxAvailability = sandboxAvailability(),
): SandboxedCommand {
  if (!avail.tool || !avail.path) throw new GovernorError('sandbox_unavailable', avail.detail);
  // Symlinked folders (macOS's /tmp → /private/tmp) are bound by their real place, or the rules miss them.
  const spec: SandboxSpec = {
    ...input,
    cwd: real(input.cwd),
    writable: input.writable.map(real),
    readable: (input.readable ?? []).map(real),
  };
  if (avail.tool === 'bubblewrap') {
    const env = { ...spec.env, HOME: '/tmp/home', TMPDIR: '/tmp' };
    return { file: avail.path, args: [...bwrapArgs(spec), ...spec.command], env, cleanup: () => {} };
  }
  const tmp = mkdtempSync(join(tmpdir(), 'governor-sandbox-'));
  const home = join(tmp, 'home');
  mkdirSync(home);
  const env = { ...spec.env, HOME: home, TMPDIR: tmp };
  // The node install (nvm keeps it under the home folder, which the profile does not show).
  const readable = [...(spec.readable ?? []), real(dirname(dirname(process.execPath)))];
  return {
    file: avail.path,
    args: [...seatbeltArgs(spec, readable, real(tmp)), ...spec.command],
    env,
    cleanup: () => rmSync(tmp, { recursive: true, force: true }),
  };
}

/** `governor doctor`'s sandbox line: what runs agent code here under this policy, and what to do if nothing. */
export function sandboxReport(policy: Pick<SandboxPolicy, 'mode' | 'network'>): { ok: boolean; detail: string } {
  const d = decideSandbox(policy);
  if (d.kind === 'sandboxed') {
    const network = policy.network ? 'allowed' : 'off';
    return { ok: true, detail: `agent code runs in ${sandboxAvailability().detail}, network ${network}` };
  }
  const detail = d.kind === 'refused' ? `${d.why}; tests will not run` : `agent code is NOT sandboxed: ${d.why}`;
  return { ok: false, detail };
}
