import { describe, expect, it } from 'vitest';
import { helpText, parseCommand } from '../shared/index.ts';

const agents = ['ProjectManager', 'Designer', 'Implementer', 'Implementer-2', 'Tester'];

describe('command grammar', () => {
  it('parses every command of the seed', () => {
    expect(parseCommand('/status', agents)).toMatchObject({ ok: true, command: { cmd: '/status', scope: 'all' } });
    expect(parseCommand('/status git', agents)).toMatchObject({ ok: true, command: { cmd: '/status', scope: 'git' } });
    expect(parseCommand('/clarify designer Explain data schema choice', agents)).toMatchObject({
      ok: true,
      command: { cmd: '/clarify', agent: 'Designer', question: 'Explain data schema choice' },
      target: 'Designer',
    });
    expect(parseCommand('/assign Implementer fix optimizer config bug', agents)).toMatchObject({
      ok: true,
      command: { cmd: '/assign', agent: 'Implementer', text: 'fix optimizer config bug' },
    });
    expect(parseCommand('/ack 0372', agents)).toMatchObject({
      ok: true,
      command: { cmd: '/ack', concern: '0372', note: '' },
    });
    expect(parseCommand('/resolve 0372 fixed in r2', agents)).toMatchObject({
      ok: true,
      command: { cmd: '/resolve', concern: '0372', note: 'fixed in r2' },
    });
    expect(parseCommand('/pause all', agents)).toMatchObject({ ok: true, command: { cmd: '/pause', agent: 'all' } });
    expect(parseCommand('/resume implementer-2', agents)).toMatchObject({
      ok: true,
      command: { cmd: '/resume', agent: 'Implementer-2' },
    });
    expect(parseCommand('/approve review_0003 looks good', agents)).toMatchObject({
      ok: true,
      command: { cmd: '/approve', review: 'review_0003', note: 'looks good' },
    });
    expect(parseCommand('/reject 3 scope creep', agents)).toMatchObject({
      ok: true,
      command: { cmd: '/reject', review: '3', reason: 'scope creep' },
    });
    expect(parseCommand('/help', agents)).toMatchObject({ ok: true, command: { cmd: '/help', topic: null } });
    expect(parseCommand('/clarify pm why three phases?', agents)).toMatchObject({
      ok: true,
      command: { agent: 'ProjectManager' },
    });
  });

  it('explains what is wrong', () => {
    expect(parseCommand('/clarify Optimizer why?', agents)).toEqual({
      ok: false,
      error: 'unknown agent "Optimizer"; agents are ProjectManager, Designer, Implementer, Implementer-2, Tester',
    });
    expect(parseCommand('/deploy now', agents)).toEqual({ ok: false, error: 'unknown command "/deploy"' });
    expect(parseCommand('status', agents)).toMatchObject({
      ok: false,
      error: expect.stringContaining('start with "/"'),
    });
    expect(parseCommand('/reject 3', agents)).toMatchObject({
      ok: false,
      error: expect.stringContaining('needs a reason'),
    });
    expect(parseCommand('/clarify Designer', agents)).toMatchObject({
      ok: false,
      error: expect.stringContaining('ask Designer a question'),
    });
    expect(parseCommand('/status everything', agents)).toMatchObject({ ok: false });
  });

  it('lists every command in the help text', () => {
    for (const c of [
      '/status',
      '/clarify',
      '/assign',
      '/ack',
      '/resolve',
      '/pause',
      '/resume',
      '/approve',
      '/reject',
      '/phase',
      '/help',
    ])
      expect(helpText()).toContain(c);
  });

  it('takes several concerns at once, and keeps a note that starts with a number', () => {
    expect(parseCommand('/resolve 3,4,5 fixed upstream', agents)).toMatchObject({
      ok: true,
      command: { cmd: '/resolve', concern: '3', concerns: ['3', '4', '5'], note: 'fixed upstream' },
      target: '3,4,5',
    });
    expect(parseCommand('/resolve concern_0003 concern_0004 #5 done', agents)).toMatchObject({
      ok: true,
      command: { concerns: ['concern_0003', 'concern_0004', '#5'], note: 'done' },
    });
    expect(parseCommand('/ack 7,8', agents)).toMatchObject({
      ok: true,
      command: { cmd: '/ack', concerns: ['7', '8'], note: '' },
    });
    expect(parseCommand('/resolve concern_0001 0 means flat, by design', agents)).toMatchObject({
      ok: true,
      command: { concerns: ['concern_0001'], note: '0 means flat, by design' },
    });
  });

  it('/phase lists the roadmap; /phase next starts the next phase', () => {
    expect(parseCommand('/phase', agents)).toMatchObject({ ok: true, command: { cmd: '/phase', action: 'list' } });
    expect(parseCommand('/phase next', agents)).toMatchObject({
      ok: true,
      command: { cmd: '/phase', action: 'next' },
      target: 'next',
    });
    expect(parseCommand('/phase skip', agents)).toMatchObject({
      ok: false,
      error: expect.stringContaining('/phase takes nothing or "next"'),
    });
  });
});
