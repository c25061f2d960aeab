import { Inject, Injectable, Optional } from '@nestjs/common';
import { lookup as dnsLookup } from 'node:dns/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import { OutboundHttpError, safeUrl } from './outbound-http.error';
import { checkAddress, OUTBOUND_DEFAULTS, type OutboundPolicy } from './outbound-http.policy';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Name resolution is an I/O edge of its own, so tests can make a name resolve anywhere. */
export type DnsLookup = (hostname: string) => Promise<ResolvedAddress[]>;
export const DNS_LOOKUP = Symbol('DNS_LOOKUP');

const systemLookup: DnsLookup = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

export interface OutboundRequest extends OutboundPolicy {
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Aborts the request; a `TimeoutError` reason (AbortSignal.timeout) reports as a timeout. */
  signal?: AbortSignal;
  /** Trust anchors (PEM) replacing the default CA list, for issuers behind a private CA. */
  ca?: string | string[];
}

/** A complete response: the body has been read (up to the cap) before this exists. */
export class OutboundResponse {
  constructor(
    /** the URL that answered, after any redirects followed */
    readonly url: string,
    readonly status: number,
    readonly headers: Headers,
    readonly body: Buffer,
  ) {}

  text(): string {
    return this.body.toString('utf8');
  }

  /** Parses the body as JSON; throws `SyntaxError` when it is not. */
  json(): unknown {
    return JSON.parse(this.text()) as unknown;
  }

  /** The same response as a WHATWG `Response`, for libraries that take a fetch implementation. */
  toFetchResponse(): Response {
    const nullBody = [101, 204, 205, 304].includes(this.status);
    return new Response(nullBody ? null : new Uint8Array(this.body), { status: this.status, headers: this.headers });
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * The one way Tessera talks to other servers (issuer metadata, JWKS, later self-check, journeys
 * and federation). Every request gets a deadline, a response-size cap and a redirect policy, and
 * is refused before connecting when its destination is not allowed: names are resolved by our
 * own `lookup`, which vets every address, and the address actually connected to is vetted again,
 * so a DNS answer that changes between check and connect (rebinding) gains nothing. Sockets are
 * never pooled, so a connection opened under a lenient policy cannot serve a strict one.
 */
@Injectable()
export class OutboundHttp {
  private readonly lookup: DnsLookup;

  constructor(@Optional() @Inject(DNS_LOOKUP) lookup?: DnsLookup) {
    this.lookup = lookup ?? systemLookup;
  }

  async fetch(url: string | URL, request: OutboundRequest = {}): Promise<OutboundResponse> {
    const policy = withDefaults(request);
    let current = parseUrl(String(url));
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new OutboundHttpError('timeout', current.href, `no complete response within ${policy.timeoutMs} ms`)),
      policy.timeoutMs,
    );
    const outer = request.signal;
    const onOuterAbort = () => controller.abort(fromAbortReason(outer?.reason, current.href));
    if (outer?.aborted) onOuterAbort();
    else outer?.addEventListener('abort', onOuterAbort, { once: true });
    try {
      let method = request.method ?? 'GET';
      let body = request.body;
      for (let hops = 0; ; hops++) {
        const response = await this.exchange(current, method, request, body, policy, controller.signal);
        if (!REDIRECTS.has(response.status) || policy.redirect === 'none') return response;
        const location = response.headers.get('location');
        if (!location) return response;
        let next: URL;
        try {
          next = new URL(location, current);
        } catch {
          throw new OutboundHttpError('redirect_refused', current.href, `redirect to an invalid location (${response.status})`);
        }
        if (next.origin !== current.origin) {
          throw new OutboundHttpError(
            'redirect_refused',
            current.href,
            `redirect (${response.status}) to another origin (${safeUrl(next.origin)}) is not followed`,
          );
        }
        if (hops + 1 > policy.maxRedirects) {
          throw new OutboundHttpError('too_many_redirects', current.href, `more than ${policy.maxRedirects} redirects`);
        }
        // RFC 9110 §15.4.4: a 303 is retrieved with GET; 301/302 after POST are, by long custom, too.
        if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        current = next;
      }
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
    }
  }

  private exchange(
    url: URL,
    method: string,
    request: OutboundRequest,
    body: string | Uint8Array | undefined,
    policy: Required<OutboundPolicy>,
    signal: AbortSignal,
  ): Promise<OutboundResponse> {
    const scheme = url.protocol;
    if (scheme !== 'https:' && scheme !== 'http:') {
      return Promise.reject(new OutboundHttpError('scheme_refused', url.href, `the ${scheme} scheme is not allowed; use https`));
    }
    if (scheme === 'http:' && !policy.allowHttp) {
      return Promise.reject(new OutboundHttpError('scheme_refused', url.href, 'plain http is not allowed; use https'));
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const vet = (address: string): OutboundHttpError | undefined => {
      const verdict = checkAddress(address, scheme, policy);
      return verdict.ok ? undefined : new OutboundHttpError('address_refused', url.href, `destination refused: ${verdict.reason}`);
    };
    if (isIP(host)) {
      const refused = vet(host);
      if (refused) return Promise.reject(refused);
    }

    const lookup: LookupFunction = (hostname, options, callback) => {
      this.lookup(hostname).then(
        (addresses) => {
          if (addresses.length === 0) {
            callback(new OutboundHttpError('dns', url.href, `${hostname} has no address`), '', 4);
            return;
          }
          // One bad answer taints the name: a name that resolves to both a public and an
          // internal address is exactly what a rebinding attack looks like.
          for (const a of addresses) {
            const refused = vet(a.address);
            if (refused) {
              callback(refused, '', 4);
              return;
            }
          }
          if ((options as { all?: boolean }).all) {
            (callback as unknown as (e: null, all: ResolvedAddress[]) => void)(null, addresses);
          } else {
            callback(null, addresses[0].address, addresses[0].family);
          }
        },
        (cause: unknown) => callback(new OutboundHttpError('dns', url.href, `${hostname} could not be resolved`, { cause }), '', 4),
      );
    };

    if (signal.aborted) return Promise.reject(toOutboundError(signal.reason, url.href));
    return new Promise<OutboundResponse>((resolve, reject) => {
      const transport = scheme === 'https:' ? https : http;
      const headers: Record<string, string> = { 'user-agent': 'Tessera', accept: '*/*', ...request.headers };
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      const req = transport.request({
        protocol: scheme,
        hostname: host,
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method,
        headers,
        agent: false,
        lookup,
        ...(scheme === 'https:' && request.ca ? { ca: request.ca } : {}),
      });
      let settled = false;
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        reject(toOutboundError(error, url.href));
        req.destroy();
      };
      req.on('error', fail);
      const onAbort = () => fail(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('close', () => signal.removeEventListener('abort', onAbort));
      req.on('socket', (socket: Socket) => {
        socket.once('connect', () => {
          const refused = socket.remoteAddress ? vet(socket.remoteAddress) : undefined;
          if (refused) fail(refused);
        });
      });
      req.on('response', (res: IncomingMessage) => {
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > policy.maxResponseBytes) {
          fail(tooLarge(url.href, policy.maxResponseBytes));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > policy.maxResponseBytes) {
            fail(tooLarge(url.href, policy.maxResponseBytes));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', fail);
        res.on('aborted', () => fail(new OutboundHttpError('network', url.href, 'the connection closed before the response was complete')));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          resolve(new OutboundResponse(url.href, res.statusCode ?? 0, toHeaders(res), Buffer.concat(chunks)));
        });
      });
      req.end(body);
    });
  }
}

function withDefaults(request: OutboundRequest): Required<OutboundPolicy> {
  const out = { ...OUTBOUND_DEFAULTS };
  for (const key of Object.keys(OUTBOUND_DEFAULTS) as (keyof OutboundPolicy)[]) {
    if (request[key] !== undefined) (out as Record<string, unknown>)[key] = request[key];
  }
  return out;
}

function parseUrl(value: string): URL {
  try {
    return new URL(value);
  } catch {
    throw new OutboundHttpError('invalid_url', value, 'not an absolute URL');
  }
}

function tooLarge(url: string, max: number): OutboundHttpError {
  return new OutboundHttpError('too_large', url, `the response is larger than ${max} bytes`);
}

function fromAbortReason(reason: unknown, url: string): OutboundHttpError {
  if (reason instanceof OutboundHttpError) return reason;
  // DOMException (AbortSignal.timeout) is matched by name: it is not always an Error instance.
  if ((reason as { name?: unknown } | undefined)?.name === 'TimeoutError') {
    return new OutboundHttpError('timeout', url, 'no complete response before the caller’s deadline', { cause: reason });
  }
  return new OutboundHttpError('aborted', url, 'the request was aborted', { cause: reason });
}

function toOutboundError(error: unknown, url: string): OutboundHttpError {
  if (error instanceof OutboundHttpError) return error;
  const code = (error as { code?: string } | undefined)?.code;
  const described: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ETIMEDOUT: 'connection timed out',
    EPIPE: 'connection closed',
  };
  if (code && described[code]) return new OutboundHttpError('network', url, described[code], { cause: error });
  if (code && /^(ERR_TLS|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|ERR_SSL|HOSTNAME_MISMATCH)/.test(code)) {
    return new OutboundHttpError('network', url, `TLS handshake failed (${code})`, { cause: error });
  }
  return new OutboundHttpError('network', url, code ? `request failed (${code})` : 'request failed', { cause: error });
}

function toHeaders(res: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    for (const v of [value].flat()) {
      try {
        headers.append(name, v);
      } catch {
        // A header value the WHATWG Headers class refuses is dropped rather than failing the fetch.
      }
    }
  }
  return headers;
}
