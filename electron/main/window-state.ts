import { chmod, readFile } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic } from '../core/artifacts/atomic.ts';

/**
 * Where the window was, kept in userData between runs. The file is input like any other: validated, and a
 * position that no longer fits a screen (a monitor unplugged, a resolution change) is pulled back on-screen
 * instead of opening a window nobody can see.
 */

export const MIN_WIDTH = 800;
export const MIN_HEIGHT = 560;

export const WindowState = z.object({
  x: z.number().int().min(-100_000).max(100_000).optional(),
  y: z.number().int().min(-100_000).max(100_000).optional(),
  width: z.number().int().min(MIN_WIDTH).max(100_000),
  height: z.number().int().min(MIN_HEIGHT).max(100_000),
  maximized: z.boolean().default(false),
  fullscreen: z.boolean().default(false),
});
export type WindowState = z.infer<typeof WindowState>;

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1280, height: 820, maximized: false, fullscreen: false };

/** A saved state, or the default when it is missing, corrupt, or from a version that wrote something else. */
export function parseWindowState(raw: unknown): WindowState {
  const parsed = WindowState.safeParse(raw);
  return parsed.success ? parsed.data : { ...DEFAULT_WINDOW_STATE };
}

export async function loadWindowState(file: string): Promise<WindowState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return { ...DEFAULT_WINDOW_STATE };
  }
  try {
    return parseWindowState(JSON.parse(text));
  } catch {
    return { ...DEFAULT_WINDOW_STATE };
  }
}

export async function saveWindowState(file: string, state: WindowState): Promise<void> {
  const valid = WindowState.parse(state);
  await writeFileAtomic(file, `${JSON.stringify(valid, null, 2)}\n`);
  await chmod(file, 0o600);
}

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/** The title bar must be grabbable: at least this much of the window's top edge on the chosen display. */
const GRAB = 64;

/**
 * Fit a state to the displays' work areas (the first is the primary). The window goes to the display it
 * overlaps most; it shrinks to fit that display and slides fully onto it. With no position, or none of it
 * on any display, it is centred on the primary display.
 */
export function clampToDisplays(state: WindowState, workAreas: readonly Rect[]): WindowState {
  const primary = workAreas[0];
  if (!primary) return { ...state, x: undefined, y: undefined };
  const fitInto = (area: Rect) => ({
    width: Math.min(state.width, area.width),
    height: Math.min(state.height, area.height),
  });
  const centred = (area: Rect): WindowState => {
    const { width, height } = fitInto(area);
    return {
      ...state,
      width,
      height,
      x: Math.round(area.x + (area.width - width) / 2),
      y: Math.round(area.y + (area.height - height) / 2),
    };
  };
  if (state.x === undefined || state.y === undefined) return centred(primary);
  const bounds = { x: state.x, y: state.y, width: state.width, height: state.height };
  let best: Rect | null = null;
  let bestArea = 0;
  for (const area of workAreas) {
    const o = overlap(bounds, area);
    if (o > bestArea) {
      best = area;
      bestArea = o;
    }
  }
  const titleBar = { x: state.x, y: state.y, width: state.width, height: 1 };
  if (!best || workAreas.every((a) => overlap(titleBar, a) < GRAB)) return centred(best ?? primary);
  const { width, height } = fitInto(best);
  const x = Math.min(Math.max(state.x, best.x), best.x + best.width - width);
  const y = Math.min(Math.max(state.y, best.y), best.y + best.height - height);
  return { ...state, width, height, x, y };
}
