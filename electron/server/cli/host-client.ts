import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { type CallName, type CallRequest, type CallResponse, ServerFrame, contract } from '../../../shared/index.ts';
import { GovernorError } from '../../core/errors.ts';
import { processAlive } from '../../core/process-alive.ts';
import { hostFileOf as hostFile } from '../../core/host-file.ts';

const HostInfo = z.object({ pid: z.number().int(), port: z.number().int(), host: z.string(), token: z.string() });

/** The running host of this project, if there is one (a stale file from a killed host is ignored). */
export function runningHost(dir: string): z.infer<typeof HostInfo> | null {
  try {
    const info = HostInfo.parse(JSON.parse(readFileSync(hostFile(dir), 'utf8')));
    return processAlive(info.pid) ? info : null;
  } catch {
    return null;
  }
}

/**
 * One contract call to a running host over its WebSocket, so `governor decide` from a second terminal
 * goes through the same process (and the same loop) as the UI.
 */
export async function callHost<N extends CallName>(
  info: z.infer<typeof HostInfo>,
  name: N,
  params: CallRequest<N>,
): Promise<CallResponse<N>> {
  const host = info.host.includes(':') ? `[${info.host}]` : info.host;
  // Loaded here, not at the top: most commands never talk to a host, and every command pays for its imports.
  const { default: WebSocket } = await import('ws');
  const ws = new WebSocket(`ws://${host}:${info.port}/ws?token=${encodeURIComponent(info.token)}`, {
    headers: { 'x-governor-client': 'cli' },
  });
  try {
    return await new Promise<CallResponse<N>>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new GovernorError('host_timeout', `the host on port ${info.port} did not answer`)),
        30_000,
      );
      ws.on('error', (err) =>
        reject(new GovernorError('host_unreachable', `cannot reach the host on port ${info.port}: ${err.message}`)),
      );
      ws.on('open', () => ws.send(JSON.stringify({ id: 1, call: name, params })));
      ws.on('message', (raw) => {
        const frame = ServerFrame.parse(JSON.parse(raw.toString()));
        if ('event' in frame || frame.id !== 1) return;
        clearTimeout(timer);
        if (frame.ok) resolve(contract.calls[name].response.parse(frame.result) as CallResponse<N>);
        else reject(new GovernorError(frame.error.code, frame.error.message));
      });
    });
  } finally {
    ws.close();
  }
}
