import { createHash, timingSafeEqual } from 'node:crypto';
import type { RegisteredApplication } from '../journeys.contracts';
import { InvalidClientError, OAuthError } from './oauth.errors';

/** How a client presented itself at the token endpoint (OpenID Connect Core §9). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface PresentedClient {
  method: ClientAuthMethod;
  clientId: string;
  clientSecret?: string;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Reads the client's credentials from the Authorization header (RFC 6749 §2.3.1: HTTP Basic
 * with the form-urlencoded client id and secret) or from the body (`client_secret_post`). RFC
 * 6749 §2.3: a client uses one method per request, never two.
 */
export function readClientCredentials(authorization: string | undefined, body: Record<string, string>): PresentedClient {
  if (authorization !== undefined) {
    const match = /^Basic +(\S+) *$/i.exec(authorization);
    if (!match) {
      throw new InvalidClientError('The Authorization header must use the Basic scheme with the client id and secret.', true);
    }
    const { clientId, clientSecret } = decodeBasic(match[1]);
    if (body.client_secret !== undefined) {
      throw new OAuthError('invalid_request', 'The client authenticated twice: with the Authorization header and with client_secret in the body; use one.');
    }
    if (body.client_id !== undefined && body.client_id !== clientId) {
      throw new InvalidClientError('The client_id in the body differs from the one in the Authorization header.', true);
    }
    return { method: 'client_secret_basic', clientId, clientSecret };
  }
  if (body.client_id === undefined) {
    throw new InvalidClientError('The request does not identify the client: send client_id, or authenticate with HTTP Basic.', false);
  }
  if (body.client_secret !== undefined) return { method: 'client_secret_post', clientId: body.client_id, clientSecret: body.client_secret };
  return { method: 'none', clientId: body.client_id };
}

function decodeBasic(encoded: string): { clientId: string; clientSecret: string } {
  const malformed = () => new InvalidClientError('The Basic credentials are not base64 of "client_id:client_secret".', true);
  if (!BASE64.test(encoded)) throw malformed();
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) throw malformed();
  try {
    return { clientId: formDecode(decoded.slice(0, colon)), clientSecret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    throw malformed();
  }
}

/** RFC 6749 §2.3.1: both parts are encoded with application/x-www-form-urlencoded first. */
function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

/**
 * Checks the presented client against its registration. A confidential client (one with a
 * secret) must present it; a public client must not present one, since it cannot keep one.
 */
export function authenticateClient(application: RegisteredApplication | undefined, presented: PresentedClient): RegisteredApplication {
  const usedBasic = presented.method === 'client_secret_basic';
  if (!application) throw new InvalidClientError(`The client ID '${presented.clientId}' is not a registered application.`, usedBasic);
  if (application.clientSecret === undefined) {
    if (presented.clientSecret !== undefined) {
      throw new InvalidClientError(`The application '${application.clientId}' is a public client: it has no secret; send client_id alone.`, usedBasic);
    }
    return application;
  }
  if (presented.clientSecret === undefined) {
    throw new InvalidClientError(`The application '${application.clientId}' is a confidential client: authenticate with its client secret.`, usedBasic);
  }
  if (!secretsEqual(presented.clientSecret, application.clientSecret)) {
    throw new InvalidClientError('The client secret does not match the one registered for this client.', usedBasic);
  }
  return application;
}

/**
 * Constant-time comparison that does not reveal the secret's length either: both sides are
 * hashed to 32 bytes first, and only the digests are compared.
 */
export function secretsEqual(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}
