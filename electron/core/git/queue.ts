/**
 * The single writer. isomorphic-git takes no ref locks and keeps no reflog, so two writes that
 * interleave (read tip, write commit, move ref) could silently drop a commit. Every write of a
 * GitService runs through the queue of its repository, one after another; services created for
 * the same repository in this process share that queue.
 */
export type Serialize = <T>(task: () => Promise<T>) => Promise<T>;

const queues = new Map<string, Serialize>();

function createQueue(): Serialize {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    // A failed write must not wedge the queue: the next one starts after it settles either way.
    tail = run.catch(() => undefined);
    return run;
  };
}

export function queueFor(gitdir: string): Serialize {
  let queue = queues.get(gitdir);
  if (!queue) {
    queue = createQueue();
    queues.set(gitdir, queue);
  }
  return queue;
}
