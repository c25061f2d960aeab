import type { AuthorizationRequest, RegisteredApplication } from '../journeys.contracts';
import type { Problems } from './policy.problems';
import { YamlReader } from './yaml-reader';

/**
 * `applications.yaml` in the policies folder: the applications (OAuth clients) allowed to start
 * journeys. B2C keeps these as app registrations in the tenant; here they are a list:
 *
 * ```yaml
 * applications:
 *   - clientId: 2f1ad3c8-1f0e-4d7a-9c7e-1d8c0e7a9b11
 *     displayName: Contoso web app
 *     redirectUris: [https://app.contoso.com/signin-oidc]
 *     responseTypes: [code]            # default [code]; also id_token, "code id_token"
 *     clientSecretEnv: CONTOSO_SECRET  # confidential client; omit for a public one
 *     requirePkce: true                # default: true for public clients, false for confidential
 * ```
 */

export const APPLICATIONS_FILE = 'applications.yaml';
const CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESPONSE_TYPES: AuthorizationRequest['responseType'][] = ['code', 'id_token', 'code id_token'];
/** Client secrets are compared, not hashed with a KDF: they must carry enough entropy themselves. */
export const MIN_CLIENT_SECRET_LENGTH = 32;

export function readApplications(document: unknown, file: string, env: NodeJS.ProcessEnv, problems: Problems): RegisteredApplication[] {
  const root = new YamlReader(problems, { file, element: 'applications', path: [] });
  if (document === null || document === undefined) return [];
  const doc = root.mapping(document, ['applications']);
  if (!doc) return [];
  const seen = new Map<string, number>();
  return root.list(doc, 'applications', (value, reader, index) => {
    const record = reader.mapping(value, ['clientId', 'displayName', 'redirectUris', 'responseTypes', 'clientSecret', 'clientSecretEnv', 'requirePkce']);
    if (!record) return undefined;
    const clientId = reader.string(record, 'clientId', { required: true, pattern: CLIENT_ID, patternHelp: 'must be 1-128 letters, digits, ".", "_", ":" or "-" (B2C: the application id, a GUID)' });
    const r = reader.element(clientId ? `Application "${clientId}"` : `applications[${index}]`, []);
    if (clientId) {
      const first = seen.get(clientId);
      if (first !== undefined) r.report(`clientId "${clientId}" is also used by applications[${first}]`, 'clientId');
      else seen.set(clientId, index);
    }
    const displayName = r.string(record, 'displayName', { required: true });
    if (record.redirectUris === undefined) r.report('is required: at least one redirect URI, compared exactly', 'redirectUris');
    const redirectUris = r.list(record, 'redirectUris', (v, ur) => {
      if (typeof v !== 'string') {
        ur.report('must be a URL');
        return undefined;
      }
      const problem = redirectUriProblem(v);
      if (problem) ur.report(problem);
      return problem ? undefined : v;
    });
    if (Array.isArray(record.redirectUris) && record.redirectUris.length === 0) r.report('must list at least one redirect URI', 'redirectUris');
    const responseTypes = record.responseTypes === undefined
      ? (['code'] as AuthorizationRequest['responseType'][])
      : r.list(record, 'responseTypes', (v, tr) => {
          const normalized = typeof v === 'string' ? v.trim().split(/\s+/).sort().join(' ') : v;
          if (!RESPONSE_TYPES.includes(normalized as AuthorizationRequest['responseType'])) {
            tr.report(`${JSON.stringify(v)} is not one of ${RESPONSE_TYPES.map((t) => `"${t}"`).join(', ')}`);
            return undefined;
          }
          return normalized as AuthorizationRequest['responseType'];
        });
    if (record.clientSecret !== undefined && record.clientSecretEnv !== undefined) r.report('set either clientSecret or clientSecretEnv, not both', 'clientSecret');
    let clientSecret = r.string(record, 'clientSecret');
    const secretEnv = r.string(record, 'clientSecretEnv', { pattern: ENV_NAME, patternHelp: 'must name an environment variable' });
    if (secretEnv) {
      clientSecret = env[secretEnv];
      if (!clientSecret) r.report(`environment variable ${secretEnv} is not set`, 'clientSecretEnv');
    }
    if (clientSecret !== undefined && clientSecret.length < MIN_CLIENT_SECRET_LENGTH) {
      r.report(`the secret has ${clientSecret.length} characters; at least ${MIN_CLIENT_SECRET_LENGTH} are required (use a random one)`, secretEnv ? 'clientSecretEnv' : 'clientSecret');
      clientSecret = undefined;
    }
    const confidential = clientSecret !== undefined || secretEnv !== undefined;
    const requirePkce = r.boolean(record, 'requirePkce', !confidential);
    if (!confidential && !requirePkce) r.report('a public client (no secret) must use PKCE (RFC 9700 §2.1.1)', 'requirePkce');
    if (!clientId || !displayName || !redirectUris.length || !responseTypes.length) return undefined;
    return { clientId, displayName, redirectUris, ...(clientSecret ? { clientSecret } : {}), responseTypes, requirePkce };
  });
}

/**
 * RFC 6749 §3.1.2: absolute, no fragment. HTTPS, or for native apps (RFC 8252 §7) plain HTTP to
 * a loopback address or a private-use scheme in reverse domain notation.
 */
export function redirectUriProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${value}" is not an absolute URL`;
  }
  if (value.includes('#')) return 'must not carry a fragment (RFC 6749 §3.1.2)';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host) ? undefined : 'must use https (plain http only to a loopback address, RFC 8252 §7.3)';
  }
  if (/^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:$/i.test(url.protocol)) return undefined;
  return `the ${url.protocol} scheme is not allowed: use https, http on loopback, or a private-use scheme such as com.example.app: (RFC 8252 §7.1)`;
}
