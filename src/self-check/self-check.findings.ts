import { isLoopbackUrl } from '../config/config.loader';
import { HINT_ERROR_CODES } from '../validation/hint-validation.error';
import type { Finding, HintObservation, MetadataObservation, RelyingPartyObservation } from './self-check.types';

/**
 * The checks themselves: pure functions from what was observed to findings, each naming the B2C
 * error a user would meet and what to change. Nothing here fetches, mints or reads a clock.
 */

/** A certificate this close to its end is a warning: B2C needs time to be given a new one. */
export const CERTIFICATE_WARNING_DAYS = 30;

const C = HINT_ERROR_CODES;

/**
 * What an RS256 relying party (B2C with `METADATA`) depends on: the discovery document and the
 * JWKS as it fetches them through PUBLIC_URL, the issuer, the signing key and its certificate.
 */
export function metadataFindings(m: MetadataObservation, mintedIss: string | undefined, now: Date): Finding[] {
  const findings: Finding[] = [];
  findings.push(...httpsFindings('public-url-https', 'PUBLIC_URL', m.publicUrl));

  const discovery = m.discovery;
  const discoveryReadable = discovery.problem === undefined && discovery.status === 200;
  if (!discoveryReadable) {
    findings.push({
      severity: 'error',
      code: C.invalid,
      check: 'discovery-reachable',
      message: `${discovery.url} ${unreadable(discovery)}: a relying party configured with it as METADATA cannot validate any hint`,
      fix:
        discovery.location !== undefined
          ? 'Set PUBLIC_URL to the address that serves the document itself (relying parties do not follow redirects to metadata)'
          : 'Set PUBLIC_URL to the public base address that reaches this Tessera, and make sure whatever is in front of it forwards /.well-known/',
    });
  }

  if (discovery.issuer !== undefined && mintedIss !== undefined && discovery.issuer !== mintedIss) {
    findings.push({
      severity: 'error',
      code: C.issuer,
      check: 'issuer-matches-discovery',
      message: `the discovery document at ${discovery.url} names the issuer ${JSON.stringify(discovery.issuer)}, but hints carry iss ${JSON.stringify(mintedIss)}; they are compared byte for byte`,
      fix: 'Make PUBLIC_URL reach this Tessera (another service or instance answers there), or make ISSUER and the published issuer the same string',
    });
  }
  if (mintedIss !== undefined && mintedIss !== m.publicUrl) {
    const slashOnly = mintedIss.replace(/\/+$/, '') === m.publicUrl.replace(/\/+$/, '');
    findings.push(
      slashOnly
        ? {
            severity: 'error',
            code: C.issuer,
            check: 'issuer-matches-public-url',
            message:
              `hints carry iss ${JSON.stringify(mintedIss)}, which differs from PUBLIC_URL ${JSON.stringify(m.publicUrl)} only by a trailing slash: ` +
              'a relying party told that the issuer is the metadata address (the issuer item of a B2C technical profile, or a check of ' +
              'OpenID Connect Discovery §4.3) rejects every hint',
            fix: `Set ISSUER to exactly ${JSON.stringify(m.publicUrl)} (or leave it unset), and write that same string wherever a relying party names the issuer`,
          }
        : {
            severity: 'warning',
            code: C.issuer,
            check: 'issuer-matches-public-url',
            message:
              `ISSUER ${JSON.stringify(mintedIss)} is not PUBLIC_URL ${JSON.stringify(m.publicUrl)}: the discovery document is not where OpenID Connect Discovery §4.3 ` +
              'puts it for this issuer, so strict validators refuse it; B2C reads the issuer from the document, but a policy that names the issuer must use ISSUER exactly',
            fix: 'Unless the difference is deliberate, leave ISSUER unset so that it equals PUBLIC_URL',
          },
    );
  }

  if (discovery.jwksUri !== undefined) {
    // On PUBLIC_URL's own origin, its scheme has been judged already.
    if (!sameOrigin(discovery.jwksUri, m.publicUrl)) findings.push(...httpsFindings('jwks-uri-https', 'jwks_uri', discovery.jwksUri));
    const host = hostOf(discovery.jwksUri);
    const publicHost = hostOf(m.publicUrl);
    if (host !== undefined && publicHost !== undefined && host !== publicHost) {
      findings.push({
        severity: 'warning',
        code: null,
        check: 'jwks-uri-host',
        message: `jwks_uri ${discovery.jwksUri} is on ${host}, not on PUBLIC_URL's host ${publicHost}: relying parties fetch the keys from a host this check did not reach through PUBLIC_URL`,
        fix: 'Serve discovery and keys under the same host; if a proxy rewrites the discovery document, make it keep jwks_uri on PUBLIC_URL',
      });
    }
  }

  const jwks = m.jwks;
  const jwksReadable = jwks.problem === undefined && jwks.status === 200;
  if (!jwksReadable) {
    findings.push({
      severity: 'error',
      code: C.invalid,
      check: 'jwks-reachable',
      message: `the key set at ${jwks.url} ${unreadable(jwks)}: relying parties cannot get the key that signs hints`,
      fix:
        jwks.location !== undefined
          ? 'Serve the JWKS at jwks_uri itself: relying parties do not follow redirects to keys'
          : 'Set PUBLIC_URL to the public base address that reaches this Tessera, and make sure whatever is in front of it forwards /.well-known/keys',
    });
  }

  if ('problem' in m.activeKey) {
    findings.push({
      severity: 'error',
      code: C.signature,
      check: 'active-key-published',
      message: `the key store has no usable RS256 signing key: ${m.activeKey.problem}`,
      fix: 'Check KEYSTORE_PASSPHRASE and the key store (`tessera keys list`); import or generate a key',
    });
  } else {
    const active = m.activeKey;
    if (jwksReadable && jwks.kids !== undefined && !jwks.kids.includes(active.kid)) {
      findings.push({
        severity: 'error',
        code: C.signature,
        check: 'active-key-published',
        message:
          `hints are signed with kid ${JSON.stringify(active.kid)}, which the key set at ${jwks.url} does not publish ` +
          `(it has ${jwks.kids.length ? jwks.kids.map((k) => JSON.stringify(k)).join(', ') : 'no keys'}): every signature check fails`,
        fix: 'Make PUBLIC_URL reach the Tessera instances that share this key store, and let caches in front of /.well-known/keys expire (or purge them)',
      });
    }
    if (active.certificateNotAfter !== undefined) {
      const end = active.certificateNotAfter;
      const days = Math.floor((end.getTime() - now.getTime()) / 86_400_000);
      if (end.getTime() <= now.getTime()) {
        findings.push({
          severity: 'error',
          code: C.signature,
          check: 'certificate-validity',
          message: `the certificate of signing key ${active.kid} expired on ${end.toISOString()}: relying parties that hold it as a policy key refuse its signatures`,
          fix: 'Rotate in a key with a valid certificate (`tessera keys rotate`, then promote it) and upload the new certificate where relying parties keep one',
        });
      } else if (days < CERTIFICATE_WARNING_DAYS) {
        findings.push({
          severity: 'warning',
          code: C.signature,
          check: 'certificate-validity',
          message: `the certificate of signing key ${active.kid} expires on ${end.toISOString()} (in ${days} day${days === 1 ? '' : 's'})`,
          fix: `Rotate in a new key now so it is published for a while before it signs: relying parties cache the JWKS for up to a day`,
        });
      }
    }
  }
  return findings;
}

/** What concerns one relying party itself: its secret, and the test hint validated as it would. */
export function relyingPartyFindings(rp: RelyingPartyObservation): Finding[] {
  const findings: Finding[] = [];
  if (rp.secret && !rp.secret.present) {
    findings.push({
      severity: 'error',
      code: null,
      check: 'hs256-secret',
      message: `relying party "${rp.id}" signs with the HS256 secret "${rp.secret.name}", which the key store does not hold: its invitations are refused`,
      fix: `Give the key store the policy key's value (\`tessera keys secret set ${rp.secret.name}\`), or generate one (\`tessera keys secret generate ${rp.secret.name}\`) and upload it as the B2C policy key`,
    });
    return findings;
  }
  const finding = hintFinding(rp, rp.hint);
  if (finding) findings.push(finding);
  return findings;
}

function hintFinding(rp: RelyingPartyObservation, hint: HintObservation): Finding | undefined {
  if (!hint.minted) {
    return {
      severity: 'error',
      code: null,
      check: 'hint-validates',
      message: `a test hint for "${rp.id}" could not be minted: ${hint.problem}`,
      fix: 'Fix the key store or the relying party configuration named in the message',
    };
  }
  if (!hint.failure || hint.failure.kind === 'skipped') return undefined;
  const how = rp.signing === 'RS256' ? 'with the published issuer, keys and RS256' : 'with the UTF-8 bytes of the shared secret and HS256';
  const fixes: Record<Exclude<typeof hint.failure.kind, 'skipped'>, string> = {
    issuer: 'Make the issuer the relying party expects, the discovery issuer and ISSUER the same string',
    audience: `Set the relying party's audience to the client id the policy expects (it is ${JSON.stringify(rp.audience)} now)`,
    signature: 'Publish the signing key (see the other findings) or, for HS256, give the policy key the same secret as the key store',
    expired: 'Check the server clock and tokens.defaultLifetimeSeconds',
    invalid: 'See the other findings: the metadata a relying party needs is not available',
  };
  return {
    severity: 'error',
    code: C[hint.failure.kind],
    check: 'hint-validates',
    message: `a test hint for "${rp.id}" (aud ${JSON.stringify(rp.audience)}) does not validate ${how}: ${hint.failure.message}`,
    fix: fixes[hint.failure.kind],
  };
}

function httpsFindings(check: 'public-url-https' | 'jwks-uri-https', name: string, url: string): Finding[] {
  if (!url.startsWith('http://')) return [];
  if (isLoopbackUrl(url)) {
    return [
      {
        severity: 'warning',
        code: C.invalid,
        check,
        message: `${name} ${url} is plain HTTP on a loopback address: fine for development, but Azure AD B2C fetches metadata only over HTTPS, from the internet`,
        fix: `Before a relying party uses it, serve Tessera over HTTPS on a public name and set PUBLIC_URL to it`,
      },
    ];
  }
  return [
    {
      severity: 'error',
      code: C.invalid,
      check,
      message: `${name} ${url} is plain HTTP: Azure AD B2C fetches metadata only over HTTPS and rejects every hint`,
      fix: 'Serve Tessera over HTTPS (a TLS-terminating proxy is fine) and set PUBLIC_URL to the https:// address',
    },
  ];
}

function unreadable(o: { status?: number; location?: string; problem?: string }): string {
  if (o.location !== undefined) return `answers ${o.status} redirecting to ${o.location}`;
  if (o.problem !== undefined && o.status === undefined) return `could not be fetched (${o.problem})`;
  if (o.status !== undefined && o.status !== 200) return `answers HTTP ${o.status}`;
  return `is not usable (${o.problem ?? 'unknown problem'})`;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}
