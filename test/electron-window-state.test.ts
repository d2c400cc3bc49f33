import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_WINDOW_STATE,
  type Rect,
  clampToDisplays,
  loadWindowState,
  parseWindowState,
  saveWindowState,
} from '../electron/main/window-state.ts';
import { loadSettings, saveSettings } from '../electron/main/launch.ts';
import { tempDir } from './support/tmp.ts';

const laptop: Rect = { x: 0, y: 0, width: 1440, height: 875 };
const rightMonitor: Rect = { x: 1440, y: 0, width: 2560, height: 1410 };

describe('window state: validation', () => {
  it('keeps a valid state and defaults what is missing', () => {
    expect(parseWindowState({ x: 10, y: 20, width: 1000, height: 700 })).toEqual({
      x: 10,
      y: 20,
      width: 1000,
      height: 700,
      maximized: false,
      fullscreen: false,
    });
  });

  it('falls back to the default for anything else', () => {
    for (const bad of [
      null,
      'x',
      [],
      { width: 100, height: 100 },
      { width: 'wide', height: 700 },
      { width: 1000, height: 700, x: 1.5, y: 0 },
      { width: 1e9, height: 700 },
    ]) {
      expect(parseWindowState(bad)).toEqual(DEFAULT_WINDOW_STATE);
    }
  });

  it('round-trips through a file readable only by its owner, and survives a corrupt or missing one', async () => {
    const dir = tempDir();
    const file = join(dir, 'window-state.json');
    expect(await loadWindowState(file)).toEqual(DEFAULT_WINDOW_STATE);
    const s = { x: 40, y: 30, width: 1100, height: 760, maximized: true, fullscreen: false };
    await saveWindowState(file, s);
    expect(await loadWindowState(file)).toEqual(s);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    writeFileSync(file, '{"x": 40, "width": ');
    expect(await loadWindowState(file)).toEqual(DEFAULT_WINDOW_STATE);
    await expect(saveWindowState(file, { ...s, width: 10 })).rejects.toThrow();
    expect(readFileSync(file, 'utf8')).toBe('{"x": 40, "width": ');
  });

  it('settings keep the last project and ignore junk', async () => {
    const file = join(tempDir(), 'settings.json');
    expect(await loadSettings(file)).toEqual({});
    await saveSettings(file, { lastProject: '/home/me/proj' });
    expect(await loadSettings(file)).toEqual({ lastProject: '/home/me/proj' });
    writeFileSync(file, '{"lastProject": 42}');
    expect(await loadSettings(file)).toEqual({});
  });
});

describe('window state: clamping to the displays', () => {
  const base = { maximized: false, fullscreen: false };

  it('leaves a window that fits where it was', () => {
    const s = { ...base, x: 100, y: 50, width: 1200, height: 800 };
    expect(clampToDisplays(s, [laptop, rightMonitor])).toEqual(s);
    const onMonitor = { ...base, x: 2000, y: 100, width: 1600, height: 1000 };
    expect(clampToDisplays(onMonitor, [laptop, rightMonitor])).toEqual(onMonitor);
  });

  it('centres on the primary display a window whose monitor is gone', () => {
    const s = { ...base, x: 2000, y: 100, width: 1200, height: 800 };
    expect(clampToDisplays(s, [laptop])).toEqual({ ...s, x: 120, y: 38 });
  });

  it('shrinks to fit and slides fully onto the display it mostly covers', () => {
    const s = { ...base, x: 1300, y: -50, width: 3000, height: 2000 };
    expect(clampToDisplays(s, [laptop, rightMonitor])).toEqual({ ...s, x: 1440, y: 0, width: 2560, height: 1410 });
    const hanging = { ...base, x: 900, y: 400, width: 1000, height: 700 };
    expect(clampToDisplays(hanging, [laptop])).toEqual({ ...hanging, x: 440, y: 175 });
  });

  it('rescues a window whose title bar is off every screen', () => {
    const s = { ...base, x: 100, y: -790, width: 1000, height: 800 };
    expect(clampToDisplays(s, [laptop])).toEqual({ ...s, x: 220, y: 38 });
  });

  it('centres a state with no position, and drops the position with no displays', () => {
    expect(clampToDisplays(DEFAULT_WINDOW_STATE, [laptop])).toEqual({ ...DEFAULT_WINDOW_STATE, x: 80, y: 28 });
    expect(clampToDisplays({ ...base, x: 5, y: 5, width: 900, height: 600 }, [])).toEqual({
      ...base,
      x: undefined,
      y: undefined,
      width: 900,
      height: 600,
    });
  });
});
