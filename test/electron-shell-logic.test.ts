import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import type { Notification } from '../electron/core/notify/notifications.ts';
import { appMenuTemplate, recentSubmenu } from '../electron/main/app-menu.ts';
import { desktopHome } from '../electron/main/desktop-projects.ts';
import { appPaths, chooseProject, projectFromArgv } from '../electron/main/launch.ts';
import {
  BURST_LIMIT,
  isSafeRoute,
  nativeNoticeFor,
  nativeNotices,
  routeFor,
} from '../electron/main/notification-logic.ts';
import {
  TRAY_COMMANDS,
  type TrayStatus,
  badge,
  statusLine,
  trayIconFile,
  trayMenu,
  trayView,
} from '../electron/main/tray-logic.ts';

const status = (over: Partial<TrayStatus> = {}): TrayStatus => ({
  name: 'backtester',
  phase: 1,
  phase_name: 'Phase 1',
  stage: 'plan',
  pending_reviews: 0,
  critical_concerns: 0,
  loop: { running: false },
  ...over,
});

describe('tray: pending count → title, tooltip and icon', () => {
  it('stays plain when nothing waits on the human', () => {
    expect(trayView(status())).toEqual({
      title: '',
      tooltip: 'Governor: backtester\nnothing waiting on you',
      icon: 'tray',
    });
    expect(trayView(null)).toEqual({ title: '', tooltip: 'Governor: no project open', icon: 'tray' });
  });

  it('shows the review count and the attention icon', () => {
    expect(trayView(status({ pending_reviews: 1 }))).toEqual({
      title: '1',
      tooltip: 'Governor: backtester\n1 review waiting',
      icon: 'tray-attention',
    });
    expect(trayView(status({ pending_reviews: 3, critical_concerns: 2 })).tooltip).toBe(
      'Governor: backtester\n3 reviews waiting, 2 critical concerns',
    );
  });

  it('a critical concern alone turns the icon without a review count', () => {
    const v = trayView(status({ critical_concerns: 1 }));
    expect(v).toMatchObject({ title: '', icon: 'tray-attention' });
    expect(v.tooltip).toContain('1 critical concern');
  });

  it('caps the badge and ignores nonsense', () => {
    expect([badge(0), badge(-2), badge(7), badge(99), badge(100), badge(Number.NaN)]).toEqual([
      '',
      '',
      '7',
      '99',
      '99+',
      '',
    ]);
  });

  it('names icon files so nativeImage finds the @2x twin', () => {
    expect(trayIconFile('tray')).toBe('tray.png');
    expect(trayIconFile('tray-attention')).toBe('tray-attention.png');
  });
});

describe('tray menu model', () => {
  const ids = (s: TrayStatus | null) => trayMenu(s).map((i) => (i.kind === 'separator' ? '-' : i.id));

  it('offers open, status, pause all, resume all and quit, in that order', () => {
    expect(ids(status())).toEqual(['open', 'status', '-', 'pause-all', 'resume-all', '-', 'quit']);
  });

  it('disables what needs a project when none is open', () => {
    const enabled = Object.fromEntries(trayMenu(null).flatMap((i) => (i.kind === 'action' ? [[i.id, i.enabled]] : [])));
    expect(enabled).toEqual({ open: true, status: false, 'pause-all': false, 'resume-all': false, quit: true });
  });

  it('labels the status item with the status itself', () => {
    expect(statusLine(status({ pending_reviews: 2, loop: { running: true } }))).toBe(
      'Phase 1 · plan · agents working · 2 reviews waiting',
    );
    const item = trayMenu(status({ stage: 'design' })).find((i) => i.kind === 'action' && i.id === 'status');
    expect(item).toMatchObject({ label: 'Phase 1 · design', enabled: true });
  });

  it('pauses and resumes through the human command grammar', () => {
    expect(TRAY_COMMANDS).toEqual({ 'pause-all': '/pause all', 'resume-all': '/resume all' });
  });
});

const base = { event_id: 'ev1', title: 't', body: 'b' };
const reviewReq: Notification = {
  ...base,
  channel: 'approvals',
  severity: 'info',
  title: '📝 Review requested: Plan',
  ref: { kind: 'review', id: 'review_0003' },
};
const critical: Notification = {
  ...base,
  event_id: 'ev2',
  channel: 'agent-concerns',
  severity: 'critical',
  ref: { kind: 'concern', id: 'concern_0002' },
};
const warning: Notification = {
  ...base,
  event_id: 'ev3',
  channel: 'agent-concerns',
  severity: 'warning',
  ref: { kind: 'concern', id: 'concern_0004' },
};
const merge: Notification = {
  ...base,
  event_id: 'ev4',
  channel: 'project-updates',
  severity: 'info',
  ref: { kind: 'git', id: 'abc123' },
};
const gate: Notification = { ...base, event_id: 'ev5', channel: 'project-updates', severity: 'warning', ref: null };
const protectRefused: Notification = {
  ...base,
  event_id: 'ev6',
  channel: 'agent-concerns',
  severity: 'critical',
  ref: { kind: 'git', id: 'def456' },
};

describe('native notifications: which fire, and where a click goes', () => {
  it('fires for review requests and critical concerns only', () => {
    expect(nativeNoticeFor(reviewReq)).toMatchObject({
      key: 'ev1',
      route: '#/reviews/review_0003',
      urgency: 'normal',
      title: '📝 Review requested: Plan',
    });
    expect(nativeNoticeFor(critical)).toMatchObject({
      key: 'ev2',
      route: '#/concerns/concern_0002',
      urgency: 'critical',
    });
    for (const n of [warning, merge, gate, protectRefused]) expect(nativeNoticeFor(n)).toBeNull();
  });

  it('never builds a route from an id that could escape the hash', () => {
    expect(routeFor({ kind: 'review', id: 'review_0001' })).toBe('#/reviews/review_0001');
    expect(routeFor({ kind: 'concern', id: '../../etc' })).toBeNull();
    expect(routeFor({ kind: 'review', id: 'x"; alert(1)' })).toBeNull();
    expect(nativeNoticeFor({ ...reviewReq, ref: { kind: 'review', id: 'a/b' } })).toBeNull();
    expect(['#/reviews/review_0003', '#/concerns', '#/dashboard'].map(isSafeRoute)).toEqual([true, true, true]);
    expect(['#/settings', 'javascript:alert(1)', '#/reviews/a/b', '#/reviews/x"'].map(isSafeRoute)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('shows each event once, and collapses a burst into one summary', () => {
    const seen = new Set<string>();
    expect(nativeNotices([reviewReq, merge, critical], seen).map((n) => n.route)).toEqual([
      '#/reviews/review_0003',
      '#/concerns/concern_0002',
    ]);
    expect(nativeNotices([reviewReq, critical], seen)).toEqual([]);
    const many = Array.from(
      { length: BURST_LIMIT + 2 },
      (_, i): Notification => ({ ...reviewReq, event_id: `r${i}`, ref: { kind: 'review', id: `review_00${i}` } }),
    );
    const burst = nativeNotices([...many, { ...critical, event_id: 'c9' }], new Set());
    expect(burst).toHaveLength(1);
    expect(burst[0]).toMatchObject({
      title: `Governor: ${BURST_LIMIT + 2} reviews waiting, 1 critical concern`,
      route: '#/concerns',
      urgency: 'critical',
    });
  });

  it('clips long text for the OS popup', () => {
    const n = nativeNoticeFor({ ...reviewReq, body: 'x'.repeat(1000) });
    expect(n?.body.length).toBe(300);
    expect(n?.body.endsWith('…')).toBe(true);
  });
});

describe('application menu', () => {
  const roles = (menu: MenuItemConstructorOptions[]) =>
    menu.flatMap((m) => (Array.isArray(m.submenu) ? m.submenu : [])).map((i) => i.role ?? i.label ?? i.type);
  const opts = { appName: 'Governor', openProject: () => {}, showDashboard: () => {} };

  it('has the edit roles that make copy, paste, undo and select-all work in text fields', () => {
    for (const platform of ['darwin', 'linux', 'win32'] as const) {
      expect(roles(appMenuTemplate({ ...opts, platform, dev: false }))).toEqual(
        expect.arrayContaining([
          'undo',
          'redo',
          'cut',
          'copy',
          'paste',
          'selectAll',
          'togglefullscreen',
          'Open Project…',
        ]),
      );
    }
    expect(roles(appMenuTemplate({ ...opts, platform: 'darwin', dev: false }))).toEqual(
      expect.arrayContaining(['about', 'hide', 'quit', 'close']),
    );
    const linuxFile = appMenuTemplate({ ...opts, platform: 'linux', dev: false }).find((m) => m.label === 'File');
    expect(Array.isArray(linuxFile?.submenu) && linuxFile.submenu.find((i) => i.role === 'quit')).toMatchObject({
      accelerator: 'Ctrl+Q',
    });
  });

  it('keeps reload and DevTools out of a packaged build', () => {
    expect(roles(appMenuTemplate({ ...opts, platform: 'linux', dev: false }))).not.toEqual(
      expect.arrayContaining(['toggleDevTools']),
    );
    expect(roles(appMenuTemplate({ ...opts, platform: 'linux', dev: false }))).not.toContain('reload');
    expect(roles(appMenuTemplate({ ...opts, platform: 'linux', dev: true }))).toEqual(
      expect.arrayContaining(['reload', 'toggleDevTools']),
    );
  });

  it('lists recent projects under File › Open Recent; a missing folder cannot be chosen', () => {
    const opened: string[] = [];
    const items = recentSubmenu(
      [
        { dir: '/p/a', name: 'A', missing: false },
        { dir: '/p/gone', name: 'Gone', missing: true },
      ],
      (dir) => opened.push(dir),
    );
    expect(items.map((i) => [i.label, i.enabled])).toEqual([
      ['A — /p/a', true],
      ['Gone — /p/gone (missing)', false],
    ]);
    items[0]?.click?.({} as never, undefined, {} as never);
    expect(opened).toEqual(['/p/a']);
    expect(recentSubmenu([], () => {})).toEqual([{ label: 'No recent projects', enabled: false }]);
    const file = appMenuTemplate({
      ...opts,
      platform: 'linux',
      dev: false,
      recent: [{ dir: '/p/a', name: 'A', missing: false }],
    }).find((m) => m.label === 'File');
    const recent = Array.isArray(file?.submenu) ? file.submenu.find((i) => i.label === 'Open Recent') : undefined;
    expect(Array.isArray(recent?.submenu) && recent.submenu.map((i) => i.label)).toEqual(['A — /p/a']);
  });

  it('keeps the recent list in userData, or in $GOVERNOR_HOME when set', () => {
    expect(desktopHome({}, '/u/Governor')).toBe('/u/Governor');
    expect(desktopHome({ GOVERNOR_HOME: '  ' }, '/u/Governor')).toBe('/u/Governor');
    expect(desktopHome({ GOVERNOR_HOME: '/h/gov' }, '/u/Governor')).toBe('/h/gov');
  });
});

describe('launch', () => {
  it('takes the project from the command line, skipping Chromium switches', () => {
    expect(
      projectFromArgv(['/x/electron', 'dist/electron/main.mjs', '--no-sandbox', 'proj'], {
        defaultApp: true,
        cwd: '/home/me',
      }),
    ).toBe('/home/me/proj');
    expect(projectFromArgv(['/opt/Governor/governor-desktop', '/abs/proj'], { defaultApp: false, cwd: '/' })).toBe(
      '/abs/proj',
    );
    expect(
      projectFromArgv(['/opt/Governor/governor-desktop', '--enable-logging'], { defaultApp: false, cwd: '/' }),
    ).toBeNull();
  });

  it('prefers the command line, then GOVERNOR_PROJECT, then the last project', () => {
    expect(chooseProject({ argv: '/a', env: '/b', last: '/c' })).toEqual({ dir: '/a', from: 'argv' });
    expect(chooseProject({ argv: null, env: '/b', last: '/c' })).toEqual({ dir: '/b', from: 'env' });
    expect(chooseProject({ argv: null, env: '  ', last: '/c' })).toEqual({ dir: '/c', from: 'last' });
    expect(chooseProject({ argv: null, env: undefined, last: undefined })).toBeNull();
  });

  it('finds everything relative to the bundle, the same in a checkout and in app.asar', () => {
    const p = appPaths('/opt/Governor/resources/app.asar/dist/electron');
    expect(p).toEqual({
      rendererDir: '/opt/Governor/resources/app.asar/dist/renderer',
      rendererIndex: '/opt/Governor/resources/app.asar/dist/renderer/index.html',
      preload: '/opt/Governor/resources/app.asar/dist/electron/preload.cjs',
      sqliteBinding: '/opt/Governor/resources/app.asar/dist/electron/native/better_sqlite3.node',
      iconsDir: '/opt/Governor/resources/app.asar/resources/icons',
    });
  });
});
