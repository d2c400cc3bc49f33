/**
 * Whether a process id is alive: signal 0 checks without signalling. EPERM means it exists but belongs to
 * someone else, which for a lock or a lease still means "held".
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
