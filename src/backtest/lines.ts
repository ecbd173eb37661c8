import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export interface Line {
  /** 1-based line number in the input. */
  number: number;
  text: string;
}

/**
 * Lines of a file (or stdin for "-"), streamed in order with their numbers, plus the bytes read so
 * far for progress. A trailing "\r" (CRLF files) is dropped.
 */
export async function* readLines(path: string, onBytes?: (bytes: number) => void): AsyncGenerator<Line[]> {
  const stream = path === '-' ? process.stdin : createReadStream(path, { highWaterMark: 1 << 20 });
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let number = 0;
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    const text = carry + decoder.write(chunk);
    const batch: Line[] = [];
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; start = end + 1, end = text.indexOf('\n', start)) {
      number++;
      batch.push({ number, text: text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end) });
    }
    carry = text.slice(start);
    onBytes?.(bytes);
    if (batch.length > 0) yield batch;
  }
  const tail = carry + decoder.end();
  if (tail.length > 0) {
    number++;
    yield [{ number, text: tail.endsWith('\r') ? tail.slice(0, -1) : tail }];
  }
}
