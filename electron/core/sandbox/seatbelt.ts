import type { SandboxSpec } from './index.ts';

/**
 * The macOS sandbox-exec (Seatbelt) profile. Reads: the system, the node install and the PATH's tools, the
 * policy's read_paths and the writable folders (never the home folder at large). Writes: the writable folders
 * and a private temp folder only. Network: off unless allowed. Paths come in as -D parameters, so no path is
 * ever spliced into the profile's own syntax.
 *
 * Not exercised by the test suite (the CI machine is Linux); see README "Security".
 */
export function seatbeltProfile(o: { readable: number; writable: number; network: boolean }): string {
  const params = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) => `(subpath (param "${prefix}${i}"))`).join(' ');
  return [
    '(version 1)',
    '(deny default)',
    '(allow process-fork)',
    '(allow process-exec)',
    '(allow signal (target same-sandbox))',
    '(allow sysctl-read)',
    '(allow mach-lookup)',
    '(allow ipc-posix-shm)',
    '(allow file-read-metadata)',
    '(allow file-read* (literal "/") (subpath "/usr") (subpath "/bin") (subpath "/sbin") (subpath "/System")',
    '  (subpath "/Library/Developer") (subpath "/Library/Apple") (subpath "/private/etc") (subpath "/etc")',
    '  (subpath "/opt/homebrew") (subpath "/usr/local") (subpath "/dev") (subpath "/private/var/db/timezone")',
    `  (subpath (param "TMP")) ${params('R', o.readable)} ${params('W', o.writable)})`,
    `(allow file-write* (subpath (param "TMP")) ${params('W', o.writable)}`,
    '  (literal "/dev/null") (literal "/dev/zero") (regex #"^/dev/tty") (regex #"^/dev/fd/"))',
    o.network ? '(allow network*)' : '(allow network* (local unix))',
    '',
  ].join('\n');
}

export function seatbeltArgs(spec: SandboxSpec, readable: readonly string[], tmp: string): string[] {
  const args: string[] = ['-D', `TMP=${tmp}`];
  for (const [i, r] of readable.entries()) args.push('-D', `R${i}=${r}`);
  for (const [i, w] of spec.writable.entries()) args.push('-D', `W${i}=${w}`);
  args.push(
    '-p',
    seatbeltProfile({ readable: readable.length, writable: spec.writable.length, network: spec.network }),
  );
  return args;
}
