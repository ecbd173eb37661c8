import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Twilio's Deactivations resource and the file host behind its signed link:
 * `GET /v1/Deactivations?Date=D` (HTTP Basic) answers 307 with `redirect_to`, and the link serves
 * the day's text file, one number per line, generated while it is written (never held whole).
 */
export interface DayFile {
  /** Lines of the file, generated on demand: `line(i)` for i in [0, lines). */
  lines: number;
  line: (index: number) => string;
  /** Cut the connection after this many lines (the announced length stays the full file's). */
  cutAfter?: number;
  /** Stop sending (without closing) after this many lines. */
  stallAfter?: number;
}

export type LinkAnswer =
  | { kind: 'file'; file: DayFile }
  | { kind: 'error'; status: number; body: unknown }
  /** The signed link's host refuses it (e.g. after its two minutes). */
  | { kind: 'expired' };

export interface DeactivationsServer {
  url: string;
  /** Requests seen: path and whether they carried an Authorization header. */
  requests: { path: string; authorization: string | undefined }[];
  close(): Promise<void>;
}

export const ACCOUNT = 'ACdeactivations';
export const TOKEN = 'auth-token';

/** A valid US number for every index below 16,000,000 (20 area codes x 800 exchanges x 1,000 lines). */
const AREA = [201, 202, 212, 213, 305, 312, 404, 415, 469, 503, 512, 617, 646, 702, 713, 718, 805, 818, 917, 971];
export function usNumber(index: number): string {
  const area = AREA[index % AREA.length]!;
  const exchange = 200 + (Math.floor(index / AREA.length) % 800);
  const line = Math.floor(index / (AREA.length * 800)) % 10_000;
  return `+1${area}${exchange}${String(line).padStart(4, '0')}`;
}

function writeFile(response: ServerResponse, file: DayFile): void {
  let total = 0;
  for (let i = 0; i < file.lines; i++) total += Buffer.byteLength(file.line(i)) + 1;
  response.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(total) });
  let index = 0;
  const pump = () => {
    while (index < file.lines) {
      if (file.stallAfter !== undefined && index >= file.stallAfter) return;
      let chunk = '';
      const end = Math.min(file.lines, index + 2_000, file.cutAfter ?? Infinity, file.stallAfter ?? Infinity);
      for (; index < end; index++) chunk += `${file.line(index)}\n`;
      if (file.cutAfter !== undefined && index >= file.cutAfter) {
        // Cut once what was written has left: the client sees a response that ends early.
        response.write(chunk, () => setTimeout(() => response.socket?.destroy(), 20));
        return;
      }
      if (!response.write(chunk)) {
        response.once('drain', pump);
        return;
      }
    }
    response.end();
  };
  pump();
}

/** `answer(date)` decides what each day gets; `link(date)` may override the redirect target. */
export async function startDeactivationsServer(
  answer: (date: string) => LinkAnswer,
  link?: (base: string, date: string) => string,
): Promise<DeactivationsServer> {
  const requests: DeactivationsServer['requests'] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    requests.push({ path: `${url.pathname}${url.search}`, authorization: request.headers.authorization });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (url.pathname === '/v1/Deactivations') {
      if (request.headers.authorization !== `Basic ${Buffer.from(`${ACCOUNT}:${TOKEN}`).toString('base64')}`) {
        response.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="Twilio API"' });
        response.end(JSON.stringify({ code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 }));
        return;
      }
      const date = url.searchParams.get('Date') ?? '';
      const decided = answer(date);
      if (decided.kind === 'error') {
        response.writeHead(decided.status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(decided.body));
        return;
      }
      const target = link ? link(base, date) : `${base}/files/${date}.txt?X-Amz-Expires=120&X-Amz-Signature=0123abcd`;
      response.writeHead(307, { 'content-type': 'application/json', location: target });
      response.end(JSON.stringify({ redirect_to: target }));
      return;
    }
    const file = /^\/files\/(\d{4}-\d{2}-\d{2})\.txt$/.exec(url.pathname);
    if (file) {
      const decided = answer(file[1]!);
      if (decided.kind === 'expired') {
        response.writeHead(403, { 'content-type': 'application/xml' }).end('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
        return;
      }
      if (decided.kind === 'file') return writeFile(response, decided.file);
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
