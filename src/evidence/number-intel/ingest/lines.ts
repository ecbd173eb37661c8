/** A line of text input, numbered from 1. `tooLong` lines are cut and must be rejected. */
export interface InputLine {
  line: number;
  text: string;
  tooLong: boolean;
}

/**
 * Split a stream of chunks (strings or bytes, cut anywhere, even inside a UTF-8 character) into
 * numbered lines. Memory stays bounded: a line longer than `maxChars` is cut and flagged instead of
 * growing without limit. `\n` and `\r\n` both end a line; a leading byte-order mark is dropped.
 */
export async function* splitLines(chunks: AsyncIterable<string | Buffer | Uint8Array>, maxChars: number): AsyncGenerator<InputLine> {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let buffer = '';
  let overflow = false;
  let line = 0;
  let first = true;

  function* drain(final: boolean): Generator<InputLine> {
    let at: number;
    while ((at = buffer.indexOf('\n')) !== -1) {
      let text = buffer.slice(0, at);
      buffer = buffer.slice(at + 1);
      if (text.endsWith('\r')) text = text.slice(0, -1);
      line += 1;
      yield { line, text: text.slice(0, maxChars), tooLong: overflow || text.length > maxChars };
      overflow = false;
    }
    if (buffer.length > maxChars) {
      // Keep only the start of an overlong line; the rest is dropped until its newline.
      buffer = buffer.slice(0, maxChars);
      overflow = true;
    }
    if (final && (buffer.length > 0 || overflow)) {
      line += 1;
      const text = buffer.endsWith('\r') ? buffer.slice(0, -1) : buffer;
      yield { line, text, tooLong: overflow };
      buffer = '';
    }
  }

  for await (const chunk of chunks) {
    let text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    if (overflow) {
      // Still inside an overlong line: skip to its end.
      const at = text.indexOf('\n');
      if (at === -1) continue;
      buffer = '';
      line += 1;
      yield { line, text: '', tooLong: true };
      overflow = false;
      text = text.slice(at + 1);
    }
    buffer += text;
    yield* drain(false);
  }
  buffer += decoder.decode();
  yield* drain(true);
}
