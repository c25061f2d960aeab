import { OutboundHttpError } from './outbound-http.error';
import { checkAddress } from './outbound-http.policy';
import { OutboundHttp, type DnsLookup, type ResolvedAddress } from './outbound-http.service';
import { json, selfSignedCertificate, startLoopbackServer, type LoopbackServer, type TestCertificate } from './outbound-http.test-utils';

async function failure(promise: Promise<unknown>): Promise<OutboundHttpError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof OutboundHttpError) return e;
    throw e;
  }
  throw new Error('expected the request to fail');
}

/** A resolver whose answers the test decides, so names can point anywhere without real DNS. */
function fakeDns(table: Record<string, string[]>): DnsLookup & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (hostname: string): Promise<ResolvedAddress[]> => {
    calls.push(hostname);
    const answers = table[hostname];
    if (!answers) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(lookup, { calls });
}

describe('checkAddress', () => {
  const https = 'https:' as const;
  it.each([
    ['93.184.216.34', {}, true],
    ['2606:4700::1111', {}, true],
    ['127.0.0.1', {}, false],
    ['::1', {}, false],
    ['10.1.2.3', {}, false],
    ['172.16.0.1', {}, false],
    ['192.168.1.1', {}, false],
    ['100.64.0.1', {}, false],
    ['169.254.169.254', {}, false],
    ['fe80::1', {}, false],
    ['fc00::1', {}, false],
    ['::ffff:10.0.0.1', {}, false],
    ['::ffff:127.0.0.1', {}, false],
    ['0.0.0.0', {}, false],
    ['::', {}, false],
    ['224.0.0.1', {}, false],
    ['255.255.255.255', {}, false],
    ['10.1.2.3', { allowPrivateNetworks: true }, true],
    ['127.0.0.1', { allowPrivateNetworks: true }, true],
    ['::ffff:192.168.0.9', { allowPrivateNetworks: true }, true],
    ['169.254.169.254', { allowPrivateNetworks: true }, false],
    ['169.254.10.1', { allowedCidrs: ['169.254.10.0/24'] }, true],
    ['10.1.2.3', { allowedCidrs: ['10.1.0.0/16'] }, true],
    ['10.2.2.3', { allowedCidrs: ['10.1.0.0/16'] }, false],
    ['::ffff:10.1.2.3', { allowedCidrs: ['10.1.0.0/16'] }, true],
    ['fd00:1::5', { allowedCidrs: ['fd00:1::/64'] }, true],
    ['0.0.0.0', { allowedCidrs: ['0.0.0.0/0'] }, false],
    ['224.0.0.1', { allowPrivateNetworks: true, allowedCidrs: ['224.0.0.0/4'] }, false],
  ])('https to %s with %j: allowed=%s', (address, policy, expected) => {
    expect(checkAddress(address, https, policy).ok).toBe(expected);
  });

  it('allows plain http only with allowHttp and only to loopback', () => {
    expect(checkAddress('127.0.0.1', 'http:', {}).ok).toBe(false);
    expect(checkAddress('127.0.0.1', 'http:', { allowHttp: true }).ok).toBe(true);
    expect(checkAddress('::1', 'http:', { allowHttp: true }).ok).toBe(true);
    expect(checkAddress('93.184.216.34', 'http:', { allowHttp: true }).ok).toBe(false);
    expect(checkAddress('10.0.0.1', 'http:', { allowHttp: true, allowPrivateNetworks: true }).ok).toBe(false);
  });

  it('says why an address is refused', () => {
    const verdict = checkAddress('169.254.169.254', 'https:', {});
    expect(verdict).toEqual({ ok: false, reason: expect.stringMatching(/169\.254\.169\.254 is a link-local address; permit it with allowPrivateNetworks or allowedCidrs/) });
  });
});

describe('OutboundHttp', () => {
  let plain: LoopbackServer;
  let other: LoopbackServer;
  let tls: LoopbackServer;
  let certificate: TestCertificate;

  beforeAll(async () => {
    certificate = selfSignedCertificate(['issuer.test']);
    [plain, other, tls] = await Promise.all([startLoopbackServer(), startLoopbackServer(), startLoopbackServer({ tls: certificate })]);
  });
  afterAll(async () => {
    await Promise.all([plain.close(), other.close(), tls.close()]);
  });
  beforeEach(() => {
    for (const s of [plain, other, tls]) s.requests.length = 0;
  });

  describe('schemes and destinations', () => {
    it('fetches over plain http from loopback when allowHttp is set', async () => {
      plain.route('GET /doc', json({ hello: 'world' }));
      const sut = new OutboundHttp();
      const res = await sut.fetch(`${plain.url}/doc?x=1`, { allowHttp: true });
      expect(res.status).toBe(200);
      expect(res.json()).toEqual({ hello: 'world' });
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(plain.requests).toEqual(['GET /doc?x=1']);
    });

    it('refuses plain http without allowHttp, before connecting', async () => {
      const sut = new OutboundHttp();
      const error = await failure(sut.fetch(`${plain.url}/doc`));
      expect(error.reason).toBe('scheme_refused');
      expect(error.message).toMatch(/plain http is not allowed/);
      expect(plain.requests).toEqual([]);
    });

    it('refuses schemes other than http(s)', async () => {
      const sut = new OutboundHttp();
      expect((await failure(sut.fetch('file:///etc/passwd'))).reason).toBe('scheme_refused');
      expect((await failure(sut.fetch('not a url'))).reason).toBe('invalid_url');
    });

    it('refuses https to a loopback address unless it is allowed', async () => {
      tls.route('GET /doc', json({ ok: true }));
      const sut = new OutboundHttp();
      const error = await failure(sut.fetch(`${tls.url}/doc`, { ca: certificate.cert }));
      expect(error.reason).toBe('address_refused');
      expect(error.message).toMatch(/127\.0\.0\.1 is a loopback address/);
      expect(tls.requests).toEqual([]);

      expect((await sut.fetch(`${tls.url}/doc`, { ca: certificate.cert, allowPrivateNetworks: true })).status).toBe(200);
      expect((await sut.fetch(`${tls.url}/doc`, { ca: certificate.cert, allowedCidrs: ['127.0.0.0/8'] })).status).toBe(200);
      expect(tls.requests).toEqual(['GET /doc', 'GET /doc']);
    });

    it('vets the addresses a name resolves to, not the name', async () => {
      tls.route('GET /doc', json({ ok: true }));
      const dns = fakeDns({ 'issuer.test': ['127.0.0.1'] });
      const sut = new OutboundHttp(dns);
      const url = `https://issuer.test:${tls.port}/doc`;
      const error = await failure(sut.fetch(url, { ca: certificate.cert }));
      expect(error.reason).toBe('address_refused');
      expect(dns.calls).toEqual(['issuer.test']);
      expect(tls.requests).toEqual([]);

      const res = await sut.fetch(url, { ca: certificate.cert, allowedCidrs: ['127.0.0.1/32'] });
      expect(res.status).toBe(200);
      expect(tls.requests).toEqual(['GET /doc']);
    });

    it('refuses a name when any of its addresses is internal (rebinding-shaped answers)', async () => {
      const sut = new OutboundHttp(fakeDns({ 'mixed.test': ['93.184.216.34', '10.0.0.7'] }));
      const error = await failure(sut.fetch('https://mixed.test/doc'));
      expect(error.reason).toBe('address_refused');
      expect(error.message).toMatch(/10\.0\.0\.7 is a private address/);
    });

    it('refuses plain http to a name that resolves off the machine, even with allowHttp', async () => {
      const sut = new OutboundHttp(fakeDns({ 'far.test': ['93.184.216.34'] }));
      const error = await failure(sut.fetch('http://far.test/doc', { allowHttp: true }));
      expect(error.reason).toBe('address_refused');
      expect(error.message).toMatch(/only allowed to a loopback address/);
    });

    it('reports an unresolvable name as a DNS failure', async () => {
      const sut = new OutboundHttp(fakeDns({}));
      const error = await failure(sut.fetch('https://nowhere.test/doc'));
      expect(error.reason).toBe('dns');
      expect(error.message).toMatch(/nowhere\.test could not be resolved/);
    });

    it('reports a refused connection as a network failure', async () => {
      const closed = await startLoopbackServer();
      const url = `${closed.url}/doc`;
      await closed.close();
      const error = await failure(new OutboundHttp().fetch(url, { allowHttp: true }));
      expect(error.reason).toBe('network');
      expect(error.message).toMatch(/connection refused/);
    });

    it('reports an untrusted certificate as a TLS failure', async () => {
      const error = await failure(new OutboundHttp().fetch(`${tls.url}/doc`, { allowPrivateNetworks: true }));
      expect(error.reason).toBe('network');
      expect(error.message).toMatch(/TLS handshake failed/);
    });
  });

  describe('deadline and size', () => {
    it('gives up at the deadline when the server never answers', async () => {
      plain.route('GET /hang', () => undefined);
      const error = await failure(new OutboundHttp().fetch(`${plain.url}/hang`, { allowHttp: true, timeoutMs: 200 }));
      expect(error.reason).toBe('timeout');
      expect(error.message).toMatch(/no complete response within 200 ms/);
    });

    it('gives up at the deadline when the body trickles', async () => {
      plain.route('GET /trickle', (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"a":');
      });
      const error = await failure(new OutboundHttp().fetch(`${plain.url}/trickle`, { allowHttp: true, timeoutMs: 200 }));
      expect(error.reason).toBe('timeout');
    });

    it('honours the caller’s abort signal, reporting a TimeoutError reason as a timeout', async () => {
      plain.route('GET /hang', () => undefined);
      const controller = new AbortController();
      const pending = new OutboundHttp().fetch(`${plain.url}/hang`, { allowHttp: true, signal: controller.signal });
      controller.abort(new DOMException('deadline', 'TimeoutError'));
      expect((await failure(pending)).reason).toBe('timeout');

      const aborted = new AbortController();
      aborted.abort();
      expect((await failure(new OutboundHttp().fetch(`${plain.url}/hang`, { allowHttp: true, signal: aborted.signal }))).reason).toBe('aborted');
    });

    it('refuses a body whose declared length exceeds the cap', async () => {
      plain.route('GET /big', (_req, res) => {
        res.writeHead(200, { 'content-length': '5000' }).end('x'.repeat(5000));
      });
      const error = await failure(new OutboundHttp().fetch(`${plain.url}/big`, { allowHttp: true, maxResponseBytes: 1000 }));
      expect(error.reason).toBe('too_large');
      expect(error.message).toMatch(/larger than 1000 bytes/);
    });

    it('cuts a streamed body as soon as it passes the cap', async () => {
      let serverSawClose = false;
      plain.route('GET /stream', (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.on('close', () => (serverSawClose = true));
        // An endless body: only the client's cut can stop it.
        const chunk = Buffer.alloc(16 * 1024, 1);
        const pump = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        pump();
      });
      const error = await failure(new OutboundHttp().fetch(`${plain.url}/stream`, { allowHttp: true, maxResponseBytes: 64 * 1024 }));
      expect(error.reason).toBe('too_large');
      await waitFor(() => serverSawClose);
    });
  });

  describe('redirects', () => {
    it('returns a redirect as it is under the default policy', async () => {
      plain.route('GET /moved', (_req, res) => res.writeHead(302, { location: '/doc' }).end());
      const res = await new OutboundHttp().fetch(`${plain.url}/moved`, { allowHttp: true });
      expect(res.status).toBe(302);
      expect(plain.requests).toEqual(['GET /moved']);
    });

    it('follows a same-origin redirect when asked to', async () => {
      plain.route('GET /moved', (_req, res) => res.writeHead(301, { location: '/doc' }).end());
      plain.route('GET /doc', json({ here: true }));
      const res = await new OutboundHttp().fetch(`${plain.url}/moved`, { allowHttp: true, redirect: 'same-origin' });
      expect(res.status).toBe(200);
      expect(res.url).toBe(`${plain.url}/doc`);
      expect(plain.requests).toEqual(['GET /moved', 'GET /doc']);
    });

    it('never follows a redirect to another origin', async () => {
      other.route('GET /doc', json({ stolen: true }));
      plain.route('GET /away', (_req, res) => res.writeHead(307, { location: `${other.url}/doc` }).end());
      const error = await failure(new OutboundHttp().fetch(`${plain.url}/away`, { allowHttp: true, redirect: 'same-origin' }));
      expect(error.reason).toBe('redirect_refused');
      expect(error.message).toMatch(/another origin/);
      expect(other.requests).toEqual([]);
    });

    it('stops a redirect loop', async () => {
      plain.route('GET /loop', (_req, res) => res.writeHead(302, { location: '/loop' }).end());
      const error = await failure(new OutboundHttp().fetch(`${plain.url}/loop`, { allowHttp: true, redirect: 'same-origin', maxRedirects: 2 }));
      expect(error.reason).toBe('too_many_redirects');
      expect(plain.requests).toHaveLength(3);
    });
  });

  it('hands a WHATWG Response to fetch-shaped consumers', async () => {
    plain.route('GET /doc', json({ keys: [] }));
    const res = (await new OutboundHttp().fetch(`${plain.url}/doc`, { allowHttp: true })).toFetchResponse();
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ keys: [] });
  });

  it('never puts userinfo of a URL into an error message', async () => {
    const error = await failure(new OutboundHttp().fetch(`http://user:hunter2@127.0.0.1:${plain.port}/doc`));
    expect(error.message).not.toMatch(/hunter2/);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}
