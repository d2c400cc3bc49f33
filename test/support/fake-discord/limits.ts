/**
 * Discord's message limits, enforced with Discord's own error bodies (code 50006 / 50035 with the nested
 * `errors` tree), so code that truncates or splits long updates is tested against the real rules.
 */
import { isObject, type JsonObject } from './payloads.ts';

export interface DiscordErrorReply {
  status: number;
  body: JsonObject;
}

type ErrorTree = { [key: string]: ErrorTree | { code: string; message: string }[] };

function tooLong(max: number): { code: string; message: string }[] {
  return [{ code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${max} or fewer in length.` }];
}

function invalidForm(errors: ErrorTree): DiscordErrorReply {
  return { status: 400, body: { message: 'Invalid Form Body', code: 50035, errors } };
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Checks one embed; returns its error subtree (or null) and the characters it counts towards the 6000 total. */
function checkEmbed(e: JsonObject): { errors: ErrorTree | null; size: number } {
  const errors: ErrorTree = {};
  const limit = (key: string, value: string, max: number, into: ErrorTree = errors): void => {
    if (value.length > max) into[key] = { _errors: tooLong(max) };
  };
  const title = str(e.title);
  const description = str(e.description);
  const footer = isObject(e.footer) ? str(e.footer.text) : '';
  const author = isObject(e.author) ? str(e.author.name) : '';
  limit('title', title, 256);
  limit('description', description, 4096);
  let size = title.length + description.length + footer.length + author.length;
  if (footer.length > 2048) errors.footer = { text: { _errors: tooLong(2048) } };
  if (author.length > 256) errors.author = { name: { _errors: tooLong(256) } };
  const fields = Array.isArray(e.fields) ? e.fields.filter(isObject) : [];
  if (fields.length > 25) errors.fields = { _errors: tooLong(25) };
  const fieldErrors: ErrorTree = {};
  fields.forEach((f, i) => {
    const name = str(f.name);
    const value = str(f.value);
    size += name.length + value.length;
    const one: ErrorTree = {};
    limit('name', name, 256, one);
    limit('value', value, 1024, one);
    if (Object.keys(one).length > 0) fieldErrors[String(i)] = one;
  });
  if (Object.keys(fieldErrors).length > 0 && errors.fields === undefined) errors.fields = fieldErrors;
  return { errors: Object.keys(errors).length > 0 ? errors : null, size };
}

function customIds(components: unknown): string[] {
  if (!Array.isArray(components)) return [];
  const out: string[] = [];
  for (const c of components) {
    if (!isObject(c)) continue;
    if (typeof c.custom_id === 'string') out.push(c.custom_id);
    out.push(...customIds(c.components));
    if (isObject(c.component)) out.push(...customIds([c.component]));
  }
  return out;
}

/** `null` when Discord would accept the message body. */
export function checkMessage(body: JsonObject, fileCount: number, opts: { edit: boolean }): DiscordErrorReply | null {
  const content = str(body.content);
  const embeds = Array.isArray(body.embeds) ? body.embeds : [];
  const components = Array.isArray(body.components) ? body.components : [];
  const hasSticker = Array.isArray(body.sticker_ids) && body.sticker_ids.length > 0;
  if (
    !opts.edit &&
    content === '' &&
    embeds.length === 0 &&
    components.length === 0 &&
    fileCount === 0 &&
    !hasSticker &&
    body.poll === undefined
  ) {
    return { status: 400, body: { message: 'Cannot send an empty message', code: 50006 } };
  }
  const errors: ErrorTree = {};
  if (content.length > 2000) errors.content = { _errors: tooLong(2000) };
  if (embeds.length > 10) errors.embeds = { _errors: tooLong(10) };
  else {
    let total = 0;
    const embedErrors: ErrorTree = {};
    embeds.forEach((e, i) => {
      if (!isObject(e)) return;
      const checked = checkEmbed(e);
      total += checked.size;
      if (checked.errors) embedErrors[String(i)] = checked.errors;
    });
    if (Object.keys(embedErrors).length > 0) errors.embeds = embedErrors;
    else if (total > 6000)
      errors.embeds = {
        _errors: [{ code: 'MAX_EMBED_SIZE_EXCEEDED', message: 'Embed size exceeds maximum size of 6000' }],
      };
  }
  if (components.length > 5) errors.components = { _errors: tooLong(5) };
  const longId = customIds(components).find((id) => id.length > 100);
  if (longId !== undefined && errors.components === undefined)
    errors.components = {
      _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'custom_id: Must be 100 or fewer in length.' }],
    };
  return Object.keys(errors).length > 0 ? invalidForm(errors) : null;
}
