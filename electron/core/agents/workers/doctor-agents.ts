import { existsSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import type { AgentConfig } from '../../../../shared/index.ts';
import { errorMessage } from '../../errors.ts';
import { passedEnv, spawnTiedToUs } from './spawn-tied.ts';

export interface AgentCheck {
  key: { ok: boolean; detail: string };
  call: { ok: boolean; detail: string };
}

const bwrap = () => process.platform !== 'linux' || ['/usr/bin/bwrap', '/bin/bwrap'].some((p) => existsSync(p));

/**
 * `governor doctor` for a coding agent: the binary found and its version, a key or a login present, and
 * its sandbox available. For an ACP agent, the protocol handshake (`initialize`) is made, which costs no
 * model turn; for Codex and Claude Code no model call is made (each would spend a real turn).
 */
export async function checkCodingAgent(c: AgentConfig, key: string | null, projectDir: string): Promise<AgentCheck> {
  try {
    if (c.runtime === 'codex' || c.runtime.startsWith('codex:')) {
      const { checkCodex, codexVersion } = await import('./codex-setup.ts');
      const bin = await checkCodex({ label: c.runtime, apiKey: key, executable: c.command, baseUrl: c.base_url });
      const sandbox = bwrap()
        ? 'bubblewrap found for its workspace-write sandbox'
        : 'bubblewrap missing: `apt install bubblewrap`';
      return {
        key: {
          ok: true,
          detail: key ? `OpenAI key found (${key.length} characters)` : 'no key: a `codex login` sign-in or base_url',
        },
        call: {
          ok: bwrap(),
          detail: `codex ${await codexVersion(bin)} at ${bin}; ${sandbox}; no test turn made (it would spend one)`,
        },
      };
    }
    if (c.runtime === 'acp') {
      const { checkAcp } = await import('./acp-setup.ts');
      const bin = checkAcp({ label: 'acp', command: c.command ?? '', projectDir });
      return {
        key: { ok: true, detail: 'the agent reads its own key or login' },
        call: await acpHandshake(bin, c.args ?? []),
      };
    }
    if (c.runtime === 'claude-code' || c.runtime.startsWith('claude-code:')) {
      const { checkClaudeCode } = await import('./claude-code.ts');
      const bin = checkClaudeCode({ label: c.runtime, apiKey: key, executable: c.command });
      const sandbox = bwrap() ? 'bubblewrap found' : 'bubblewrap missing: `apt install bubblewrap socat`';
      return {
        key: { ok: true, detail: key ? `Anthropic key found (${key.length} characters)` : 'a Claude login' },
        call: { ok: bwrap(), detail: `${bin}; ${sandbox}; no test turn made (it would spend one)` },
      };
    }
    return { key: { ok: true, detail: 'none needed' }, call: { ok: true, detail: 'joins through `governor mcp`' } };
  } catch (err) {
    return { key: { ok: false, detail: errorMessage(err) }, call: { ok: false, detail: 'skipped' } };
  }
}

/** Start the ACP agent, make the `initialize` handshake, and stop it. */
async function acpHandshake(bin: string, args: string[]): Promise<AgentCheck['call']> {
  const acp = await import('@agentclientprotocol/sdk');
  const child = spawnTiedToUs(bin, args, {
    env: passedEnv(['ANTHROPIC_API_KEY', 'GEMINI_API_KEY', 'GOOGLE_API_KEY', 'OPENAI_API_KEY']),
  });
  try {
    const conn = acp
      .client()
      .connect(
        acp.ndJsonStream(
          Writable.toWeb(child.stdin as Writable) as WritableStream<Uint8Array>,
          Readable.toWeb(child.stdout as Readable) as ReadableStream<Uint8Array>,
        ),
      );
    const init = await Promise.race([
      conn.agent.request('initialize', {
        protocolVersion: acp.PROTOCOL_VERSION,
        clientCapabilities: { fs: { readTextFile: true, writeTextFile: true }, terminal: false },
      }),
      new Promise<never>((_, rej) =>
        setTimeout(() => rej(new Error('no answer to initialize within 30 s')), 30_000).unref(),
      ),
    ]);
    conn.close();
    const who = init.agentInfo ? `${init.agentInfo.name} ${init.agentInfo.version}` : bin;
    const ok = init.protocolVersion === acp.PROTOCOL_VERSION;
    const http = init.agentCapabilities?.mcpCapabilities?.http
      ? 'MCP over HTTP'
      : "no MCP over HTTP (Governor's tools unavailable)";
    const theirs = ok ? '' : ` (Governor speaks ${acp.PROTOCOL_VERSION})`;
    return { ok, detail: `${who} speaks ACP ${init.protocolVersion}${theirs}; ${http}` };
  } catch (err) {
    return { ok: false, detail: `${bin} did not answer the ACP handshake: ${errorMessage(err)}` };
  } finally {
    child.kill('SIGTERM');
  }
}
