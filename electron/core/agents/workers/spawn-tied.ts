import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Start a coding agent so it dies with Governor: after a `kill -9` of Governor an orphaned agent would
 * otherwise go on spending model turns that nobody governs. On Linux, util-linux's `setpriv --pdeathsig`
 * asks the kernel to kill it when its parent dies (with `group`, it and everything it starts); elsewhere
 * it exits when its stdin closes.
 */
export function spawnTiedToUs(
  command: string,
  args: string[],
  o: { cwd?: string; env: Record<string, string | undefined>; signal?: AbortSignal; group?: boolean },
): ChildProcess {
  const setpriv =
    process.platform === 'linux' ? ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p)) : undefined;
  const group = o.group === true && setpriv !== undefined;
  const [cmd, argv] = !setpriv
    ? [command, args]
    : group
      ? [setpriv, ['--pdeathsig', 'TERM', '--', '/bin/sh', '-c', GROUP_WATCHDOG, 'governor-watchdog', command, ...args]]
      : [setpriv, ['--pdeathsig', 'KILL', '--', command, ...args]];
  return spawn(cmd, argv, {
    ...(o.cwd ? { cwd: o.cwd } : {}),
    env: o.env,
    ...(o.signal ? { signal: o.signal } : {}),
    stdio: ['pipe', 'pipe', 'pipe'],
    // Its own process group (and session), which the watchdog below leads.
    ...(group ? { detached: true } : {}),
    windowsHide: true,
  });
}

/**
 * For an agent that starts processes of its own (an ACP adapter runs the vendor's CLI, which runs model
 * turns): the kernel's parent-death signal reaches only our direct child, and a grandchild orphaned by a
 * `kill -9` of Governor went on spending model turns. So the direct child is this sh watchdog, leading
 * the agent's process group: on SIGTERM (its parent-death signal, or Governor stopping the agent) it ends
 * the whole group; when the agent dies of a signal it takes the group down with the same signal, so the
 * exit Governor sees is the agent's own. stdin goes through fd 3 because sh gives a background job
 * /dev/null.
 */
const GROUP_WATCHDOG = [
  // TERM to the group first (the agent's CLI writes its session out), then KILL to whatever is left.
  `trap 'trap "" TERM; kill -TERM 0; sleep 2; kill -KILL 0' TERM`,
  'exec 3<&0',
  '"$@" <&3 3<&- &',
  'exec 3<&-',
  'wait $!',
  's=$?',
  'if [ "$s" -gt 128 ]; then trap - TERM; kill -$((s - 128)) 0; fi',
  'exit $s',
].join('\n');

/** Variables an agent's process gets: enough to run, and none of this process's other secrets. */
export function passedEnv(names: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  const base = [
    'PATH',
    'HOME',
    'USER',
    'LOGNAME',
    'LANG',
    'LC_ALL',
    'TMPDIR',
    'TERM',
    'SHELL',
    'XDG_CONFIG_HOME',
    'XDG_DATA_HOME',
    'XDG_CACHE_HOME',
    'NODE_EXTRA_CA_CERTS',
    'HTTPS_PROXY',
    'HTTP_PROXY',
    'NO_PROXY',
  ];
  for (const k of [...base, ...names]) {
    const v = process.env[k];
    if (v) env[k] = v;
  }
  return env;
}

/** Keeps the last lines a process wrote to stderr (redacted), for the error that names what went wrong. */
export function stderrTail(redact: (s: string) => string, keep = 40) {
  const lines: string[] = [];
  return {
    push(d: Buffer | string) {
      lines.push(redact(d.toString()));
      if (lines.length > keep) lines.shift();
    },
    last: (n: number) => lines.slice(-n).join('').trim(),
  };
}

/** Cap a text for the activity stream. */
export const cap = (s: string, n = 4000) => (s.length > n ? `${s.slice(0, n)}… [${s.length - n} more characters]` : s);
