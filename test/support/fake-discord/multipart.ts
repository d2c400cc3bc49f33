/**
 * Request bodies as Discord accepts them: JSON, or multipart/form-data with a `payload_json` part and
 * file parts named `files[n]` (discord.js sends files that way through undici's FormData).
 */
import type { StoredFile } from './payloads.ts';

export interface ParsedBody {
  json: unknown;
  files: (StoredFile & { field: string })[];
}

export class BodyError extends Error {}

export function parseBody(contentType: string | undefined, raw: Buffer): ParsedBody {
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('multipart/form-data')) return parseMultipart(contentType ?? '', raw);
  if (raw.length === 0) return { json: undefined, files: [] };
  try {
    return { json: JSON.parse(raw.toString('utf8')) as unknown, files: [] };
  } catch {
    throw new BodyError('The request body contains invalid JSON.');
  }
}

function parseMultipart(contentType: string, raw: Buffer): ParsedBody {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw new BodyError('multipart body without a boundary');
  const delimiter = Buffer.from(`--${boundary}`);
  const out: ParsedBody = { json: undefined, files: [] };
  let at = raw.indexOf(delimiter);
  while (at !== -1) {
    const start = at + delimiter.length;
    if (raw.subarray(start, start + 2).toString() === '--') break; // closing delimiter
    const next = raw.indexOf(delimiter, start);
    if (next === -1) break;
    // Each part: CRLF, headers, CRLF CRLF, content, CRLF (before the next delimiter).
    const part = raw.subarray(start + 2, next - 2);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd === -1) throw new BodyError('multipart part without headers');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    const content = part.subarray(headerEnd + 4);
    const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? '';
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    const partType = /content-type:\s*([^\r\n]*)/i.exec(headers)?.[1]?.trim() ?? 'application/octet-stream';
    if (name === 'payload_json') {
      try {
        out.json = JSON.parse(content.toString('utf8')) as unknown;
      } catch {
        throw new BodyError('payload_json is not valid JSON');
      }
    } else if (filename !== undefined) {
      out.files.push({ field: name, filename, content: Buffer.from(content), contentType: partType });
    }
    at = next;
  }
  return out;
}
