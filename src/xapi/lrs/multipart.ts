import crypto from 'node:crypto';
import { badRequest } from './lrs-errors.js';

export interface Part {
  /** Header names lower-cased. */
  headers: Record<string, string>;
  body: Buffer;
}

/** The boundary parameter of a multipart Content-Type, or null. */
export function boundaryOf(contentType: string | undefined): string | null {
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  return m ? (m[1] ?? m[2] ?? null) : null;
}

/**
 * Splits a multipart body (RFC 2046 §5.1.1) into its parts. Strict where xAPI 1.0.3
 * Communication §1.5.2 relies on it: the body must open with the boundary delimiter, every part
 * must have a header block, and the close delimiter must be present.
 */
export function parseMultipart(body: Buffer, boundary: string): Part[] {
  const delimiter = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delimiter);
  // Only whitespace may precede the first delimiter (a preamble is not expected from xAPI clients).
  if (pos < 0 || body.subarray(0, pos).toString('latin1').trim() !== '') throw badRequest('The multipart body does not start with its boundary.');
  const parts: Part[] = [];
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString('latin1') === '--') return parts;
    const lineEnd = body.indexOf('\r\n', pos);
    if (lineEnd < 0) throw badRequest('The multipart body ends without its closing boundary.');
    const start = lineEnd + 2;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), start);
    if (next < 0) throw badRequest('The multipart body ends without its closing boundary.');
    const raw = body.subarray(start, next);
    const split = raw.indexOf('\r\n\r\n');
    const headerText = split < 0 ? raw.toString('latin1') : raw.subarray(0, split).toString('latin1');
    const headers: Record<string, string> = {};
    for (const line of headerText.split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    if (split < 0 || Object.keys(headers).length === 0) throw badRequest('Every multipart part needs its headers (Content-Type …) after the boundary.');
    parts.push({ headers, body: raw.subarray(split + 4) });
    pos = next + 2;
  }
}

/** Builds a multipart/mixed body; returns it with its Content-Type. */
export function buildMultipart(parts: Part[]): { body: Buffer; contentType: string } {
  const boundary = `xapi-${crypto.randomBytes(12).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const head = Object.entries(p.headers)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\r\n');
    chunks.push(Buffer.from(`--${boundary}\r\n${head}\r\n\r\n`), p.body, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/mixed; boundary=${boundary}` };
}
