import type { CallName, CallRequest, CallResponse } from '../../../shared/index.ts';
import { type LoopDriver, createApi, dispatch, noLoop } from '../../core/api.ts';
import { assertProjectDir } from '../../core/project.ts';
import { callHost, runningHost } from './host-client.ts';
import { withProject } from './open.ts';

/** One contract call, typed by the contract: the same for the host's WebSocket and the engine in process. */
export type Call = <N extends CallName>(name: N, params: CallRequest<N>) => Promise<CallResponse<N>>;

/** Where a CLI command went in, and what will act on a decision it made. */
export interface Route {
  /** The port of the running host the call went through, or null when the engine ran in this process. */
  hostPort: number | null;
  /** After a decision or command: who moves the project on, in words. */
  actsOnIt(): string;
}

/**
 * The CLI's one way into the engine: through the running host when there is one (so its loop acts on a
 * decision at once), else in this process through the same `dispatch(createApi(…))`, with no loop of its
 * own. Either way the exports follow and the change is logged as the UI's and Discord's are.
 */
export async function withEngine<T>(dir: string, work: (call: Call, route: Route) => Promise<T>): Promise<T> {
  const root = await assertProjectDir(dir);
  const host = runningHost(root);
  if (host) {
    const call: Call = (name, params) => callHost(host, name, params);
    return work(call, {
      hostPort: host.port,
      actsOnIt: () => `through the running host on port ${host.port}; its loop acts on it`,
    });
  }
  return withProject(
    root,
    async (p) => {
      const loop: LoopDriver = noLoop(p, '`governor run` acts on it');
      const api = createApi(p, loop, { user: 'Human', source: 'cli' });
      const call: Call = (name, params) => dispatch(api, name, params);
      return work(call, { hostPort: null, actsOnIt: () => loop.start().reason });
    },
    true,
  );
}
