import http from 'node:http';

// node:http with keep-alive: undici's fetch costs ~1 ms more per request on loopback, which
// would dominate benchmarks that make thousands of requests.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function send(url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: Headers; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers: body ? { ...headers, 'content-length': String(Buffer.byteLength(body)) } : headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (Array.isArray(v)) for (const x of v) h.append(k, x);
          else if (v !== undefined) h.set(k, v);
        }
        resolve({ status: res.statusCode ?? 0, headers: h, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

/**
 * A minimal browser for HTTP tests: a cookie jar (by name; tests run on one host), manual
 * redirects, and form parsing for the auto-posting pages LTI uses.
 */
export interface Page {
  status: number;
  headers: Headers;
  url: string;
  body: string;
}

export class TestBrowser {
  readonly cookies = new Map<string, string>();
  /** When false, cookies are neither sent nor stored, like a browser blocking third-party cookies. */
  acceptCookies = true;

  async request(url: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string>; body?: string } = {}): Promise<Page> {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (this.acceptCookies && this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body = init.body;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await send(url, init.method ?? (body ? 'POST' : 'GET'), headers, body);
    if (this.acceptCookies) {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair!.indexOf('=');
        const name = pair!.slice(0, eq).trim();
        const value = pair!.slice(eq + 1).trim();
        if (/Max-Age=0/i.test(c)) this.cookies.delete(name);
        else this.cookies.set(name, value);
      }
    }
    return { status: res.status, headers: res.headers, url, body: res.body };
  }

  /** GET and follow redirects up to `max` hops. */
  async get(url: string, max = 5): Promise<Page> {
    let page = await this.request(url);
    for (let i = 0; i < max && page.status >= 300 && page.status < 400; i++) {
      page = await this.request(new URL(page.headers.get('location')!, page.url).toString());
    }
    return page;
  }
}

export interface ParsedForm {
  action: string;
  fields: Record<string, string>;
}

const unescape = (s: string): string => s.replace(/&quot;/g, '"').replace(/&#34;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The first form in `html` (or the one with id `id`), with its hidden and text inputs. */
export function parseForm(html: string, id?: string): ParsedForm {
  const re = /<form\b([^>]*)>([\s\S]*?)<\/form>/gi;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    const attrs = m[1]!;
    if (id && !new RegExp(`id="${id}"`).test(attrs)) continue;
    const action = unescape(/action="([^"]*)"/.exec(attrs)?.[1] ?? '');
    const fields: Record<string, string> = {};
    for (const input of m[2]!.matchAll(/<input\b([^>]*)>/gi)) {
      const a = input[1]!;
      const name = /name="([^"]*)"/.exec(a)?.[1];
      const type = /type="([^"]*)"/.exec(a)?.[1] ?? 'text';
      if (!name || type === 'radio' || type === 'checkbox') continue;
      fields[unescape(name)] = unescape(/value="([^"]*)"/.exec(a)?.[1] ?? '');
    }
    return { action, fields };
  }
  throw new Error(`no form${id ? ` #${id}` : ''} in page:\n${html.slice(0, 500)}`);
}
