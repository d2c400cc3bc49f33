import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import * as acp from '@agentclientprotocol/sdk';
import { startFakeAnthropic } from '/work/wt/codex-acp/test/support/fake-anthropic.ts';
const fake = await startFakeAnthropic();
const home = mkdtempSync('/tmp/probe/acphome-'); mkdirSync(join(home, '.claude'));
const ws = mkdtempSync('/tmp/probe/acpws-');
fake.pushFor('T1',
  { text: 'Writing.', tools: [{ name: 'Write', input: { file_path: join(ws, 'a.txt'), content: 'hi\n' } }] },
  { tools: [{ name: 'Bash', input: { command: 'node -e "console.log(process.platform)"', description: 'os' } }] },
  { text: 'Done.' },
);
const child = spawn('/work/wt/codex-acp/node_modules/.bin/claude-agent-acp', [], { cwd: ws, env: { PATH: process.env.PATH, HOME: home, CLAUDE_CONFIG_DIR: join(home, '.claude'), ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: fake.url, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
child.stderr.on('data', (d) => process.stderr.write(`ERR ${d}`));
const stream = acp.ndJsonStream(Writable.toWeb(child.stdin) as WritableStream<Uint8Array>, Readable.toWeb(child.stdout) as ReadableStream<Uint8Array>);
const app = acp.client()
  .onRequest('session/request_permission', ({ params }) => { console.log('PERM', JSON.stringify(params).slice(0, 800)); const o = params.options.find((x) => x.kind === 'allow_once'); return { outcome: { outcome: 'selected', optionId: o?.optionId ?? params.options[0]!.optionId } }; })
  .onRequest('fs/read_text_file', ({ params }) => { console.log('READ', JSON.stringify(params)); return { content: 'x' }; })
  .onRequest('fs/write_text_file', ({ params }) => { console.log('WRITE', JSON.stringify(params).slice(0, 300)); return {}; })
  .onNotification('session/update', ({ params }) => { console.log('UPD', JSON.stringify(params.update).slice(0, 300)); });
const conn = app.connect(stream);
const init = await conn.agent.request('initialize', { protocolVersion: acp.PROTOCOL_VERSION, clientCapabilities: { fs: { readTextFile: true, writeTextFile: true }, terminal: false } });
console.log('INIT', JSON.stringify(init).slice(0, 600));
const s = await conn.agent.request('session/new', { cwd: ws, mcpServers: [] });
console.log('SESSION', JSON.stringify(s.modes).slice(0, 600)); console.log('SETMODE', JSON.stringify(await conn.agent.request('session/set_mode', { sessionId: s.sessionId, modeId: 'default' })));
const r = await conn.agent.request('session/prompt', { sessionId: s.sessionId, prompt: [{ type: 'text', text: 'Your task is T1: hi' }] });
console.log('STOP', JSON.stringify(r));
console.log('TOOLRESULTS', fake.toolResults()); for (const r of fake.requests) console.log('REQ', r.tools.length, JSON.stringify(r.messages).slice(0, 300));
child.kill(); await fake.close();
