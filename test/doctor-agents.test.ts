import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCodingAgent } from '../electron/core/agents/workers/doctor-agents.ts';

const ADAPTER = resolve(import.meta.dirname, '..', 'node_modules', '.bin', 'claude-agent-acp');
const base = { count: 1, escalates_to: 'Human' } as const;

/** `governor doctor` for coding agents: the real binaries, no model turn spent. */
describe('governor doctor: coding agents', () => {
  it('Codex: the binary npm installed, its version, the key, and bubblewrap for its sandbox', async () => {
    const r = await checkCodingAgent({ ...base, runtime: 'codex:gpt-5.5' }, 'sk-test-0123456789', '/tmp');
    expect(r.key).toEqual({ ok: true, detail: 'OpenAI key found (18 characters)' });
    expect(r.call.detail).toMatch(/^codex 0\.\d+\.\d+ at \S+\/codex; bubblewrap found/);
    expect(r.call.ok).toBe(true);
  });

  it('Codex without a key or a login says how to get one', async () => {
    const home = process.env.CODEX_HOME;
    process.env.CODEX_HOME = '/nonexistent-codex-home';
    try {
      const r = await checkCodingAgent({ ...base, runtime: 'codex' }, null, '/tmp');
      expect(r.key.ok).toBe(false);
      expect(r.key.detail).toMatch(/set OPENAI_API_KEY .* or run `codex login` once/);
    } finally {
      if (home === undefined) delete process.env.CODEX_HOME;
      else process.env.CODEX_HOME = home;
    }
  });

  it('an ACP agent answers the handshake: who it is, its protocol version, MCP over HTTP', async () => {
    const r = await checkCodingAgent({ ...base, runtime: 'acp', command: ADAPTER, args: [] }, null, '/tmp');
    expect(r.call).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/^@agentclientprotocol\/claude-agent-acp \S+ speaks ACP 1; MCP over HTTP$/),
    });
  }, 60_000);

  it('an ACP agent not on PATH names the command and how to install one', async () => {
    const r = await checkCodingAgent({ ...base, runtime: 'acp', command: 'no-such-acp-agent', args: [] }, null, '/tmp');
    expect(r.key).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/`no-such-acp-agent` \(agents\.yaml command:\) was not found on PATH; install it/),
    });
  });
});
