import type { RegisteredApplication } from '../journeys.contracts';
import { authenticateClient, readClientCredentials, secretsEqual } from './client-authentication';
import { InvalidClientError, OAuthError } from './oauth.errors';

function basic(id: string, secret: string): string {
  const encode = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`, 'utf8').toString('base64')}`;
}

const confidential: RegisteredApplication = {
  clientId: 'web',
  displayName: 'Web',
  redirectUris: ['https://web.example.com/cb'],
  clientSecret: 'sëcret with: colon & space',
  responseTypes: ['code'],
  requirePkce: false,
};
const pub: RegisteredApplication = { ...confidential, clientId: 'spa', clientSecret: undefined, requirePkce: true };

describe('readClientCredentials', () => {
  it('reads HTTP Basic with form-urlencoded parts (RFC 6749 §2.3.1)', () => {
    expect(readClientCredentials(basic('web', confidential.clientSecret!), {})).toEqual({
      method: 'client_secret_basic',
      clientId: 'web',
      clientSecret: confidential.clientSecret,
    });
  });

  it('accepts the scheme name in any case', () => {
    expect(readClientCredentials(basic('web', 'x').replace('Basic', 'bAsIc'), {}).clientId).toBe('web');
  });

  it('reads client_secret_post and the public client_id alone', () => {
    expect(readClientCredentials(undefined, { client_id: 'web', client_secret: 's' })).toEqual({ method: 'client_secret_post', clientId: 'web', clientSecret: 's' });
    expect(readClientCredentials(undefined, { client_id: 'spa' })).toEqual({ method: 'none', clientId: 'spa' });
  });

  it('refuses two authentication methods in one request (RFC 6749 §2.3)', () => {
    expect(() => readClientCredentials(basic('web', 's'), { client_secret: 's' })).toThrow(OAuthError);
    expect(() => readClientCredentials(basic('web', 's'), { client_secret: 's' })).toThrow(/authenticated twice/);
  });

  it('refuses a body client_id that contradicts the header', () => {
    expect(() => readClientCredentials(basic('web', 's'), { client_id: 'other' })).toThrow(/differs from the one in the Authorization header/);
  });

  it.each([
    ['another scheme', 'Bearer abc'],
    ['not base64', 'Basic ***'],
    ['no colon', `Basic ${Buffer.from('justanid').toString('base64')}`],
    ['an empty client id', `Basic ${Buffer.from(':secret').toString('base64')}`],
    ['a broken percent-encoding', `Basic ${Buffer.from('web:%E0%A4%A').toString('base64')}`],
  ])('refuses a malformed Authorization header: %s, with the Basic challenge', (_name, header) => {
    let caught: unknown;
    try {
      readClientCredentials(header, {});
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InvalidClientError);
    const error = caught as InvalidClientError;
    expect(error.status).toBe(401);
    expect(error.headers()['WWW-Authenticate']).toMatch(/^Basic /);
  });

  it('refuses a request that names no client, without a Basic challenge', () => {
    let caught: unknown;
    try {
      readClientCredentials(undefined, {});
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InvalidClientError);
    expect((caught as InvalidClientError).headers()['WWW-Authenticate']).toBeUndefined();
  });
});

describe('authenticateClient', () => {
  it('accepts the registered secret, by either method', () => {
    expect(authenticateClient(confidential, { method: 'client_secret_basic', clientId: 'web', clientSecret: confidential.clientSecret })).toBe(confidential);
    expect(authenticateClient(confidential, { method: 'client_secret_post', clientId: 'web', clientSecret: confidential.clientSecret })).toBe(confidential);
  });

  it('refuses a wrong secret, a missing secret, and an unknown client as invalid_client', () => {
    expect(() => authenticateClient(confidential, { method: 'client_secret_post', clientId: 'web', clientSecret: 'wrong' })).toThrow(/does not match/);
    expect(() => authenticateClient(confidential, { method: 'none', clientId: 'web' })).toThrow(/confidential client/);
    expect(() => authenticateClient(undefined, { method: 'none', clientId: 'ghost' })).toThrow(/'ghost' is not a registered application/);
  });

  it('refuses a secret from a public client, and accepts it without one', () => {
    expect(() => authenticateClient(pub, { method: 'client_secret_post', clientId: 'spa', clientSecret: 'x' })).toThrow(/public client/);
    expect(authenticateClient(pub, { method: 'none', clientId: 'spa' })).toBe(pub);
  });

  it('challenges with Basic only when Basic was used', () => {
    const viaBasic = () => authenticateClient(confidential, { method: 'client_secret_basic', clientId: 'web', clientSecret: 'wrong' });
    expect(viaBasic).toThrow(InvalidClientError);
    try {
      viaBasic();
    } catch (e) {
      expect((e as InvalidClientError).headers()['WWW-Authenticate']).toMatch(/^Basic realm=/);
    }
  });
});

describe('secretsEqual', () => {
  it('compares exactly, whatever the lengths', () => {
    expect(secretsEqual('abc', 'abc')).toBe(true);
    expect(secretsEqual('abc', 'abcd')).toBe(false);
    expect(secretsEqual('', 'a')).toBe(false);
    expect(secretsEqual('ABC', 'abc')).toBe(false);
  });
});
