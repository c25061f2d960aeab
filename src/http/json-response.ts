import etag from 'etag';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Ends `res` with `value` as JSON, byte for byte as Express's `res.json` would: the same body,
 * `Content-Type` (unless already set), `Content-Length` and weak `ETag` (Express's default
 * `etag` setting). The API fast path answers through this so that a client cannot tell which
 * path served it.
 */
export function sendJson(req: IncomingMessage, res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value) ?? '', 'utf8');
  res.statusCode = status;
  if (!res.hasHeader('Content-Type')) res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  res.setHeader('ETag', etag(body, { weak: true }));
  res.end(req.method === 'HEAD' ? undefined : body);
}
