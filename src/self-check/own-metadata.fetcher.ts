import { Injectable } from '@nestjs/common';
import { OutboundHttpError, safeUrl } from '../common/outbound-http.error';
import type { OutboundPolicy } from '../common/outbound-http.policy';
import { OutboundHttp } from '../common/outbound-http.service';
import { TesseraConfig } from '../config/config.schema';
import { OPENID_CONFIGURATION_PATH } from '../discovery/openid-configuration';
import type { DiscoveryObservation, JwksObservation } from './self-check.types';

/**
 * Fetches Tessera's own discovery document and JWKS the way a relying party does: from
 * PUBLIC_URL, over the network, through whatever stands in front of this instance, and without
 * following redirects (a relying party's metadata URL must answer itself).
 */
@Injectable()
export class OwnMetadataFetcher {
  constructor(
    private readonly http: OutboundHttp,
    private readonly config: TesseraConfig,
  ) {}

  get discoveryUrl(): string {
    return `${this.config.publicUrl}${OPENID_CONFIGURATION_PATH}`;
  }

  async discovery(): Promise<DiscoveryObservation> {
    const observed = await this.get(this.discoveryUrl);
    if (!observed.body) return observed.observation;
    const doc = observed.body;
    const problems: string[] = [];
    if (typeof doc.issuer !== 'string' || doc.issuer === '') problems.push('it has no "issuer"');
    let jwksUri: string | undefined;
    if (typeof doc.jwks_uri === 'string' && isAbsoluteHttpUrl(doc.jwks_uri)) jwksUri = doc.jwks_uri;
    else problems.push('it has no absolute "jwks_uri"');
    return {
      ...observed.observation,
      ...(typeof doc.issuer === 'string' ? { issuer: doc.issuer } : {}),
      ...(jwksUri ? { jwksUri } : {}),
      ...(problems.length ? { problem: `not a discovery document: ${problems.join(', ')}` } : {}),
    };
  }

  async jwks(url: string): Promise<JwksObservation> {
    const observed = await this.get(url);
    if (!observed.body) return observed.observation;
    const keys = observed.body.keys;
    if (!Array.isArray(keys) || !keys.every((k) => k !== null && typeof k === 'object' && !Array.isArray(k))) {
      return { ...observed.observation, problem: 'not a JWKS: it has no "keys" array of objects (RFC 7517 §5)' };
    }
    const document = { keys: keys as Record<string, unknown>[] };
    return {
      ...observed.observation,
      kids: document.keys.map((k) => k.kid).filter((kid): kid is string => typeof kid === 'string'),
      document,
    };
  }

  /**
   * PUBLIC_URL is this service's own configured address, so it may be plain HTTP on loopback or
   * a private address (a development machine, a service behind a private load balancer): this
   * one fetch is allowed those, explicitly. Any other origin gets the default, strict policy.
   */
  private policyFor(url: string): OutboundPolicy {
    const own = sameOrigin(url, this.config.publicUrl);
    return { redirect: 'none', timeoutMs: 5000, maxResponseBytes: 1024 * 1024, ...(own ? { allowHttp: true, allowPrivateNetworks: true } : {}) };
  }

  private async get(url: string): Promise<{ observation: DiscoveryObservation; body?: Record<string, unknown> }> {
    try {
      const res = await this.http.fetch(url, { ...this.policyFor(url), headers: { accept: 'application/json' } });
      const observation: DiscoveryObservation = { url, status: res.status };
      if (res.status >= 300 && res.status < 400) {
        return { observation: { ...observation, location: res.headers.get('location') ?? '(no Location)', problem: `redirect (${res.status})` } };
      }
      if (res.status !== 200) return { observation: { ...observation, problem: `HTTP ${res.status}` } };
      let body: unknown;
      try {
        body = res.json();
      } catch {
        return { observation: { ...observation, problem: 'the body is not JSON' } };
      }
      if (body === null || typeof body !== 'object' || Array.isArray(body)) return { observation: { ...observation, problem: 'the body is not a JSON object' } };
      return { observation, body: body as Record<string, unknown> };
    } catch (e) {
      // The message starts with the URL, which the observation already names.
      if (e instanceof OutboundHttpError) return { observation: { url, problem: e.message.slice(`${safeUrl(e.url)}: `.length) } };
      throw e;
    }
  }
}

function isAbsoluteHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}
