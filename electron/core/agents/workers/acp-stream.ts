/**
 * The agent's stdout on its way to the ACP SDK, watched for lines that cannot be JSON-RPC. The SDK answers
 * such a line with a parse error to the agent and goes on waiting, so an agent that prints a banner or a
 * log line to stdout (the usual mistake, and what a wrong `command:` looks like) would hang Governor until
 * the wall-clock limit. Hand-written because the SDK offers no hook for it. A line is judged by its first
 * character only (every JSON-RPC message is an object): the bytes pass through untouched and are parsed
 * once, by the SDK, so a message of any size costs nothing here.
 */
export function watchForNonJsonRpc(onBad: (line: string) => void): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  // The start of the current line: enough to judge it and to quote it in the error.
  let line = '';
  const judge = () => {
    const s = line.trim();
    if (s && !s.startsWith('{')) onBad(s);
    line = '';
  };
  return new TransformStream({
    transform(chunk, controller) {
      controller.enqueue(chunk);
      const text = decoder.decode(chunk, { stream: true });
      let from = 0;
      for (;;) {
        const nl = text.indexOf('\n', from);
        if (line.length < 200) line += text.slice(from, Math.min(nl === -1 ? text.length : nl, from + 200));
        if (nl === -1) break;
        judge();
        from = nl + 1;
      }
    },
    flush() {
      line += decoder.decode();
      judge();
    },
  });
}
