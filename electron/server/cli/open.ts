import pc from 'picocolors';
import type { OpenedProject } from '../../core/host.ts';

/**
 * Open a project for one CLI command, printing what recovery repaired, and close it whatever happens.
 * The engine, the notifier and the key store are imported when a command opens a project, not when the CLI
 * starts: `governor --help` and every command that opens nothing would pay for them.
 */
export async function withProject<T>(dir: string, fn: (p: OpenedProject) => Promise<T>, quiet = false): Promise<T> {
  const [{ openProject }, { createNotifier }, { hostKeyStore }, { formatNotification, formatProgress }] =
    await Promise.all([
      import('../../core/host.ts'),
      import('../../core/notify/notifier.ts'),
      import('../../core/secrets/key-store.ts'),
      import('./output.ts'),
    ]);
  // Keys stored through the headless host's Settings (~/.config/governor/keys.json) count here too.
  const progress = quiet ? () => {} : (x: Parameters<typeof formatProgress>[0]) => console.log(formatProgress(x));
  const p = await openProject(dir, { progress, keyStore: hostKeyStore() });
  // Git events and gate results, as the notifier phrases them for Discord; concerns and reviews already show as
  // progress.
  const show = (n: Parameters<typeof formatNotification>[0]) =>
    (n.ref?.kind === 'git' || n.title.startsWith('🚦')) && console.log(formatNotification(n));
  const stop = quiet ? () => {} : createNotifier(p.ledger, p.read, [show]);
  try {
    for (const r of p.recovered) console.log(pc.yellow(`recovered: ${r}`));
    return await fn(p);
  } finally {
    stop();
    p.close();
  }
}
