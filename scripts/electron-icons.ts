/**
 * The app and tray icons (resources/icons/*.png), drawn in code with a pure-JS PNG encoder so redrawing
 * them needs no image dependencies. `node scripts/prepare-electron.mjs icons` writes them.
 */
import { join, resolve } from 'node:path';
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** An RGBA image as a PNG: 8-bit colour type 6, filter 0 on every row. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++)
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

type RGBA = [number, number, number, number];
const INDIGO: RGBA = [52, 81, 178, 255];
const WHITE: RGBA = [255, 255, 255, 255];
const ORANGE: RGBA = [255, 122, 0, 255];

/** The colour at a point of the unit square (y down), or null for transparent: a rounded tile or disc with a "G". */
function shade(x: number, y: number, kind: 'app' | 'tray' | 'tray-attention'): RGBA | null {
  const dot = kind === 'tray-attention' && Math.hypot(x - 0.78, y - 0.22) < 0.22;
  if (dot) return Math.hypot(x - 0.78, y - 0.22) < 0.16 ? ORANGE : WHITE;
  const inTile =
    kind === 'app'
      ? Math.hypot(Math.max(Math.abs(x - 0.5) - 0.3, 0), Math.max(Math.abs(y - 0.5) - 0.3, 0)) < 0.17
      : Math.hypot(x - 0.5, y - 0.5) < 0.5;
  if (!inTile) return null;
  const scale = kind === 'app' ? 1 : 1.25;
  const dx = (x - 0.5) * scale;
  const dy = (y - 0.5) * scale;
  const r = Math.hypot(dx, dy);
  const angle = (Math.atan2(-dy, dx) * 180) / Math.PI; // y up, degrees
  const ring = r < 0.3 && r > 0.19 && !(angle > 0 && angle < 50);
  const bar = dx > 0.02 && dx < 0.3 && dy > 0 && dy < 0.1 && r < 0.3;
  return ring || bar ? WHITE : INDIGO;
}

/** Supersampled 4×4 per pixel, so edges are smooth at 16 px as at 512. */
export function drawIcon(size: number, kind: 'app' | 'tray' | 'tray-attention'): Uint8Array {
  const out = new Uint8Array(size * size * 4);
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const acc = [0, 0, 0, 0];
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const c = shade((px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size, kind);
          if (!c) continue;
          for (let i = 0; i < 3; i++) acc[i] = (acc[i] ?? 0) + (c[i] ?? 0) * (c[3] / 255);
          acc[3] = (acc[3] ?? 0) + c[3];
        }
      }
      const alpha = (acc[3] ?? 0) / (n * n);
      const o = (py * size + px) * 4;
      for (let i = 0; i < 3; i++) out[o + i] = alpha > 0 ? Math.round((acc[i] ?? 0) / ((acc[3] ?? 0) / 255)) : 0;
      out[o + 3] = Math.round(alpha);
    }
  }
  return out;
}

export const ICONS: ReadonlyArray<{ file: string; size: number; kind: 'app' | 'tray' | 'tray-attention' }> = [
  { file: '512x512.png', size: 512, kind: 'app' },
  { file: '256x256.png', size: 256, kind: 'app' },
  { file: 'tray.png', size: 16, kind: 'tray' },
  { file: 'tray@2x.png', size: 32, kind: 'tray' },
  { file: 'tray-attention.png', size: 16, kind: 'tray-attention' },
  { file: 'tray-attention@2x.png', size: 32, kind: 'tray-attention' },
];

export const ICONS_DIR = join(resolve(import.meta.dirname, '..'), 'resources', 'icons');
