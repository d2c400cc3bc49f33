/**
 * A module (node:fs/promises, say) whose every function first logs `name firstArgument`: tests that count the
 * thread-pool calls a step makes mock the module with this. For `vi.mock` factories, which cannot close over
 * imports: `vi.mock('node:fs/promises', async (orig) => (await import('./support/counted-module.ts'))
 * .countedModule(await orig(), seen.async))`.
 */
export function countedModule<M extends object>(real: M, log: string[]): M & { default: M } {
  const counted = Object.fromEntries(
    Object.entries(real).map(([name, fn]) => [
      name,
      typeof fn === 'function'
        ? (...args: unknown[]) => {
            log.push(`${name} ${String(args[0])}`);
            return (fn as (...a: unknown[]) => unknown)(...args);
          }
        : fn,
    ]),
  ) as M;
  return { ...counted, default: counted };
}
