import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OutboundHttp } from '../../common/outbound-http.service';
import { UserFacingError } from '../engine/journey.errors';
import type { TechnicalProfileDef } from '../policy/policy.model';
import { RestFailure, RestHandler } from './rest.handler';
import type { ProfileContext } from './technical-profile.handler';

interface Seen {
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

describe('RestHandler', () => {
  let server: Server;
  let base: string;
  const seen: Seen[] = [];
  let reply: { status: number; body: string } = { status: 200, body: '{}' };
  const sut = new RestHandler(new OutboundHttp());

  beforeAll(async () => {
    server = createServer((req, res) => {
      let data = '';
      req.on('data', (c: Buffer) => (data += c.toString('utf8')));
      req.on('end', () => {
        seen.push({ url: req.url ?? '', headers: req.headers, body: data ? JSON.parse(data) : undefined });
        res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    process.env.TEST_REST_USER = 'b2c';
    process.env.TEST_REST_PASSWORD = 'p@ss:word';
    process.env.TEST_REST_KEY = 'key-123';
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    delete process.env.TEST_REST_USER;
    delete process.env.TEST_REST_PASSWORD;
    delete process.env.TEST_REST_KEY;
  });
  beforeEach(() => {
    seen.length = 0;
    reply = { status: 200, body: '{}' };
  });

  const profile = (metadata: Record<string, unknown>, keys: { id: string; env: string }[] = []): TechnicalProfileDef =>
    ({
      id: 'REST-Check',
      kind: 'Rest',
      metadata: { SendClaimsIn: 'Body', 'tessera.allowHttp': true, 'tessera.allowPrivateNetworks': false, 'tessera.timeoutMs': 2000, ...metadata },
      cryptographicKeys: keys,
    }) as unknown as TechnicalProfileDef;
  const ctx = {
    correlationId: 'corr-1',
    resolver: { clientId: 'app 1', policyId: 'B2C_1A_x', correlationId: 'corr-1', now: new Date(), locale: 'en', parameters: {} },
  } as unknown as ProfileContext;

  it('posts the input claims as JSON and returns the JSON answer; claim resolvers in the URL are encoded', async () => {
    reply = { status: 200, body: JSON.stringify({ loyaltyNumber: '4711', promo: true }) };
    const answer = await sut.invoke(profile({ ServiceUrl: `${base}/check?client={OIDC:ClientId}`, AuthenticationType: 'None' }), { inputs: { email: 'a@example.com', count: 2 }, persisted: {} }, ctx);
    expect(answer).toEqual({ loyaltyNumber: '4711', promo: true });
    expect(seen[0]).toMatchObject({ url: '/check?client=app%201', body: { email: 'a@example.com', count: 2 } });
    expect(seen[0].headers['content-type']).toBe('application/json');
    expect(seen[0].headers.authorization).toBeUndefined();
  });

  it.each<[string, Record<string, unknown>, { id: string; env: string }[], string, string]>([
    ['Basic', { AuthenticationType: 'Basic' }, [{ id: 'BasicAuthenticationUsername', env: 'TEST_REST_USER' }, { id: 'BasicAuthenticationPassword', env: 'TEST_REST_PASSWORD' }], 'authorization', `Basic ${Buffer.from('b2c:p@ss:word').toString('base64')}`],
    ['Bearer', { AuthenticationType: 'Bearer' }, [{ id: 'BearerAuthenticationToken', env: 'TEST_REST_KEY' }], 'authorization', 'Bearer key-123'],
    ['ApiKeyHeader', { AuthenticationType: 'ApiKeyHeader' }, [{ id: 'x-functions-key', env: 'TEST_REST_KEY' }], 'x-functions-key', 'key-123'],
  ])('authenticates with %s from the environment', async (_name, metadata, keys, header, value) => {
    await sut.invoke(profile({ ServiceUrl: `${base}/x`, ...metadata }, keys), { inputs: {}, persisted: {} }, ctx);
    expect(seen[0].headers[header]).toBe(value);
  });

  it('turns a 409 {version, status, userMessage} into a message for the user', async () => {
    reply = { status: 409, body: JSON.stringify({ version: '1.0.0', status: 409, userMessage: 'Your loyalty number is not recognised.' }) };
    const error = await sut.invoke(profile({ ServiceUrl: `${base}/x`, AuthenticationType: 'None' }), { inputs: {}, persisted: {} }, ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserFacingError);
    expect(error).not.toBeInstanceOf(RestFailure);
    expect((error as UserFacingError).userMessage).toEqual({ en: 'Your loyalty number is not recognised.' });
  });

  it.each([
    [500, '{"error":"boom"}'],
    [200, 'not json'],
    [200, '[1,2]'],
    [409, '{"status":409}'],
  ])('refuses an unusable answer (%i %s) as a failure of the service, without its body', async (status, body) => {
    reply = { status, body };
    const error = await sut.invoke(profile({ ServiceUrl: `${base}/x`, AuthenticationType: 'None' }), { inputs: {}, persisted: {} }, ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RestFailure);
    expect((error as RestFailure).toStepError()).toMatchObject({ code: 'AADB2C90075', error: 'server_error' });
    expect((error as RestFailure).toStepError().description).not.toContain('boom');
  });

  it('refuses plain http unless the profile allows it', async () => {
    const error = await sut.invoke(profile({ ServiceUrl: `${base}/x`, AuthenticationType: 'None', 'tessera.allowHttp': false }), { inputs: {}, persisted: {} }, ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RestFailure);
    expect(seen).toHaveLength(0);
  });
});
