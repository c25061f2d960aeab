import { createHash } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * A public JSON document prepared once: its bytes, a strong ETag over them, and the headers of
 * each answer, so that serving it is a header write and one `end` (no JSON or hashing per
 * request). The Nest controllers and the fast path both answer through `respond`, so their
 * bytes and headers cannot drift apart.
 */
export class WellKnownDocument {
  readonly body: Buffer;
  /** RFC 9110 §8.8.3: a strong validator, as the bytes are exactly these */
  readonly etag: string;
  private readonly ok: OutgoingHttpHeaders;
  private readonly notModified: OutgoingHttpHeaders;

  constructor(value: unknown, maxAgeSeconds: number) {
    this.body = Buffer.from(JSON.stringify(value), 'utf8');
    this.etag = `"${createHash('sha256').update(this.body).digest('base64url').slice(0, 32)}"`;
    const common = {
      'Cache-Control': `public, max-age=${maxAgeSeconds}`,
      ETag: this.etag,
      // Anyone may read these (browser apps fetch metadata cross-origin); no credentials involved.
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Expose-Headers': 'ETag',
    };
    this.ok = {
      ...common,
      'Content-Type': 'application/json',
      'Content-Length': String(this.body.length),
      'X-Content-Type-Options': 'nosniff',
    };
    // RFC 9110 §15.4.5: a 304 carries the validators and caching headers a 200 would have.
    this.notModified = common;
  }

  /** Answers GET and HEAD (with 304 on a matching If-None-Match) and the CORS preflight. */
  respond(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === 'OPTIONS') return respondToPreflight(req, res);
    if (matches(req.headers['if-none-match'], this.etag)) {
      res.writeHead(304, this.notModified);
      res.end();
      return;
    }
    res.writeHead(200, this.ok);
    res.end(req.method === 'HEAD' ? undefined : this.body);
  }
}

/** The methods the documents answer; anything else goes on to the application's routing. */
export const WELL_KNOWN_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

const REQUEST_HEADERS = /^[A-Za-z0-9-]+(\s*,\s*[A-Za-z0-9-]+)*$/;

/** Fetch standard §3.2.3: a preflight is answered 204 with what the actual request may use. */
function respondToPreflight(req: IncomingMessage, res: ServerResponse): void {
  const requested = req.headers['access-control-request-headers'];
  res.writeHead(204, {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
    // Echo well-formed header names (e.g. If-None-Match, Cache-Control): the documents are public.
    ...(typeof requested === 'string' && REQUEST_HEADERS.test(requested) ? { 'Access-Control-Allow-Headers': requested } : {}),
    'Access-Control-Max-Age': '86400',
    'Content-Length': '0',
  });
  res.end();
}

/** RFC 9110 §13.1.2: If-None-Match uses the weak comparison; `*` matches any current document. */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  for (const raw of header.split(',')) {
    const tag = raw.trim();
    if (tag === '*' || (tag.startsWith('W/') ? tag.slice(2) : tag) === etag) return true;
  }
  return false;
}
