import { parse as parseCookies } from 'cookie';
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';

/**
 * The journey cookie: an opaque random value that only points at server-side state. HttpOnly
 * (no script reads it), SameSite=Lax (sent on the top-level navigation into a journey, not on
 * cross-site form posts), Secure and `__Host-` prefixed over HTTPS (RFC 6265bis §4.1.3.2).
 */
export class JourneyCookie {
  readonly name: string;
  private readonly secure: boolean;

  constructor(publicUrl: string, baseName: string, private readonly maxAgeSeconds: number) {
    this.secure = new URL(publicUrl).protocol === 'https:';
    this.name = this.secure ? `__Host-${baseName}` : baseName;
  }

  set(res: Response, value: string): void {
    res.cookie(this.name, value, { httpOnly: true, sameSite: 'lax', secure: this.secure, path: '/', maxAge: this.maxAgeSeconds * 1000 });
  }

  /** The cookie's value, if the request carries a well-formed one. */
  read(req: Request): string | undefined {
    const header = req.headers.cookie;
    if (!header) return undefined;
    const value = parseCookies(header)[this.name];
    return value && /^[A-Za-z0-9_-]{20,100}$/.test(value) ? value : undefined;
  }

  clear(res: Response): void {
    res.clearCookie(this.name, { httpOnly: true, sameSite: 'lax', secure: this.secure, path: '/' });
  }
}

/** The session key stored in the database: a hash of the cookie, never the cookie itself. */
export function sessionKey(cookieValue: string): string {
  return createHash('sha256').update(cookieValue, 'utf8').digest('hex');
}
