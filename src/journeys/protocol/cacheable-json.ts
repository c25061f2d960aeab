import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';

/**
 * Sends public metadata the way relying parties expect to fetch it: cacheable for
 * `maxAgeSeconds`, revalidated by a strong ETag over the exact bytes (RFC 9110 §8.8.3, §13.1.2),
 * and readable from any origin (browser apps fetch discovery documents cross-origin).
 */
export function sendCacheableJson(req: Request, res: Response, body: string, maxAgeSeconds: number): void {
  const etag = `"${createHash('sha256').update(body, 'utf8').digest('base64url').slice(0, 32)}"`;
  res.set({
    'Cache-Control': `public, max-age=${maxAgeSeconds}`,
    ETag: etag,
    'Access-Control-Allow-Origin': '*',
  });
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag || tag.trim() === '*')) {
    res.status(304).end();
    return;
  }
  res.status(200).type('application/json').send(body);
}
