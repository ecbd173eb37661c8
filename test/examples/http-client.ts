/** A tiny browser stand-in for the example tests: a cookie jar, form posts, no redirect following. */
export class Client {
  private readonly cookies = new Map<string, string>();

  constructor(
    private readonly base: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  setCookie(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  async request(method: string, path: string, body?: Record<string, string> | unknown, extra: Record<string, string> = {}) {
    const headers: Record<string, string> = { ...this.headers, ...extra };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    let payload: string | undefined;
    if (body !== undefined) {
      const form = !extra['content-type'] || extra['content-type'] === 'application/x-www-form-urlencoded';
      headers['content-type'] = form ? 'application/x-www-form-urlencoded' : extra['content-type']!;
      payload = form ? new URLSearchParams(body as Record<string, string>).toString() : JSON.stringify(body);
    }
    const response = await fetch(`${this.base}${path}`, { method, headers, redirect: 'manual', ...(payload !== undefined ? { body: payload } : {}) });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/max-age=0/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await response.text();
    return { status: response.status, location: response.headers.get('location'), text, headers: response.headers };
  }

  get(path: string, extra?: Record<string, string>) {
    return this.request('GET', path, undefined, extra);
  }

  post(path: string, body: Record<string, string> | unknown = {}, extra?: Record<string, string>) {
    return this.request('POST', path, body, extra);
  }

  postJson(path: string, body: unknown, extra: Record<string, string> = {}) {
    return this.request('POST', path, body, { ...extra, 'content-type': 'application/json' });
  }

  /** Follows one redirect chain with GETs, returning the final page. */
  async follow(response: { status: number; location: string | null; text: string }) {
    let current = response;
    for (let hops = 0; hops < 5 && current.status >= 300 && current.status < 400 && current.location; hops++) {
      current = await this.get(new URL(current.location, this.base).pathname);
    }
    return current;
  }
}
