/**
 * A scripted ACP agent on the SDK's own agent side, for what the real Claude Code ACP adapter never does:
 * it serves its files itself (it never sends `fs/*` requests), and it speaks the protocol correctly. Started
 * by Governor as an agents.yaml `command:` (node bin/run-ts.mjs acp-agent-child.ts <mode> [path]):
 * - `fs <outside>`: asks Governor (fs/write_text_file, fs/read_text_file) for a file outside its workspace
 *   and one inside, says what came back, and offers no session resume;
 * - `version`: answers `initialize` with a protocol version Governor does not speak;
 * - `banner`: prints a welcome line to stdout, as an agent started outside its ACP mode does.
 */
import { Readable, Writable } from 'node:stream';
import * as acp from '@agentclientprotocol/sdk';

const [mode, outside = ''] = process.argv.slice(2);

if (mode === 'banner') {
  process.stdout.write('Welcome to Acme Agent 2.0! Type /help for help.\n');
  // Then waits for input it never understands, as such an agent does.
  setInterval(() => undefined, 60_000);
} else {
  const cwdOf = new Map<string, string>();
  const app = acp
    .agent()
    .onRequest('initialize', () => ({
      protocolVersion: mode === 'version' ? 2 : acp.PROTOCOL_VERSION,
      agentCapabilities: { loadSession: false },
      agentInfo: { name: 'acp-agent-child', version: '0.0.1' },
    }))
    .onRequest('session/new', ({ params }) => {
      const sessionId = `test-${cwdOf.size + 1}`;
      cwdOf.set(sessionId, params.cwd);
      return { sessionId };
    })
    .onRequest('session/prompt', async ({ params, client }) => {
      const cwd = cwdOf.get(params.sessionId) ?? '';
      const text = params.prompt.map((b) => (b.type === 'text' ? b.text : '')).join('');
      const said: string[] = [];
      const attempt = async (what: string, run: () => Promise<unknown>) => {
        try {
          await run();
          said.push(`${what}: done`);
        } catch (err) {
          said.push(`${what}: refused (${err instanceof Error ? err.message : JSON.stringify(err)})`);
        }
      };
      if (!text.startsWith('Governor:')) {
        await attempt('write outside', () =>
          client.request('fs/write_text_file', { sessionId: params.sessionId, path: outside, content: 'escaped' }),
        );
        await attempt('read outside', () =>
          client.request('fs/read_text_file', { sessionId: params.sessionId, path: '/etc/hostname' }),
        );
        await attempt('write inside', () =>
          client.request('fs/write_text_file', {
            sessionId: params.sessionId,
            path: `${cwd}/src/inside.js`,
            content: 'export const inside = true;\n',
          }),
        );
      }
      await client.notify('session/update', {
        sessionId: params.sessionId,
        update: { sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: said.join('\n') } },
      });
      // What it was asked, last: a test reads how the task was given.
      await client.notify('session/update', {
        sessionId: params.sessionId,
        update: { sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: `\nprompt: ${text}` } },
      });
      return { stopReason: 'end_turn' as const };
    });
  app.connect(
    acp.ndJsonStream(
      Writable.toWeb(process.stdout) as WritableStream<Uint8Array>,
      Readable.toWeb(process.stdin) as ReadableStream<Uint8Array>,
    ),
  );
}
