import { UpstreamError } from './web/errors.js';

// Canvas refuses service calls without a User-Agent; every call we make carries one.
export const USER_AGENT = 'Threadline/0.1 (+LTI 1.3 tool)';

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
}

export type HttpFetch = typeof fetch;

/**
 * One outbound request with a timeout and a size cap, so a slow or hostile peer can't hang a
 * request or fill memory. Network failures become an UpstreamError naming the host, never the
 * full URL (it may carry tokens).
 */
export async function httpRequest(
  url: string,
  init: RequestInit & { timeoutMs?: number; maxBytes?: number } = {},
  fetchImpl: HttpFetch = fetch,
): Promise<HttpResponse> {
  const { timeoutMs = 10_000, maxBytes = 5 * 1024 * 1024, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (!headers.has('user-agent')) headers.set('user-agent', USER_AGENT);
  let res: Response;
  try {
    res = await fetchImpl(url, { ...rest, headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (err) {
    const host = safeHost(url);
    const why = err instanceof Error && err.name === 'TimeoutError' ? 'timed out' : 'could not be reached';
    throw new UpstreamError('upstream_unreachable', `${host} ${why}.`);
  }
  const buf = await readCapped(res, maxBytes, url);
  return { status: res.status, headers: res.headers, text: buf };
}

async function readCapped(res: Response, maxBytes: number, url: string): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new UpstreamError('upstream_too_large', `${safeHost(url)} sent more than ${maxBytes} bytes.`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the remote server';
  }
}

export function parseJson<T = unknown>(res: HttpResponse, what: string): T {
  try {
    return JSON.parse(res.text) as T;
  } catch {
    throw new UpstreamError('upstream_bad_json', `${what} is not valid JSON (HTTP ${res.status}).`);
  }
}
