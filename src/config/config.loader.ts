import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError, FieldProblem } from '../common/errors';
import { flattenValidationErrors } from '../common/validation';
import { TesseraConfig } from './config.schema';

/**
 * Environment variables other tools rely on (DESIGN §6). They win over the YAML file.
 * Value: the config field they set, and how to parse them.
 */
const ENV: Record<string, { field: keyof TesseraConfig | string; parse?: (v: string) => unknown }> = {
  PORT: { field: 'port', parse: (v) => (/^\d+$/.test(v) ? Number(v) : v) },
  PUBLIC_URL: { field: 'publicUrl' },
  ISSUER: { field: 'issuer' },
  DATA_DIR: { field: 'dataDir' },
  DATABASE_URL: { field: 'databaseUrl' },
  TESSERA_ADMIN_API_KEY: { field: 'adminApiKey' },
  SMTP_URL: { field: 'smtpUrl' },
  KEYSTORE_PASSPHRASE: { field: 'keystorePassphrase' },
  LOG_LEVEL: { field: 'logging.level' },
  // Settings operators commonly keep out of files (container platforms, secrets managers).
  MAIL_FROM: { field: 'mail.from' },
  METRICS_BEARER_TOKEN: { field: 'metrics.bearerToken' },
  TRUST_PROXY: { field: 'trustProxy', parse: parseTrustProxy },
  RATE_LIMITS_ENABLED: { field: 'rateLimits.enabled', parse: parseBoolean },
};

/** `true`/`false` as booleans; anything else is left for validation to name. */
function parseBoolean(value: string): unknown {
  const v = value.trim().toLowerCase();
  return v === 'true' ? true : v === 'false' ? false : value;
}

/** As Express reads `trust proxy`: a boolean, a hop count, or a list of addresses and names. */
function parseTrustProxy(value: string): unknown {
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  return parseBoolean(v);
}

export interface LoadedConfig {
  config: TesseraConfig;
  /** Where the configuration file came from, if one was read. */
  configFile?: string;
  /** Development defaults in effect: each is printed once, loudly, at start. */
  warnings: string[];
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Structured settings given directly (tests), merged under the environment like the YAML file. */
  overrides?: Record<string, unknown>;
  cwd?: string;
}

export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const problems: FieldProblem[] = [];

  let raw: Record<string, unknown> = {};
  const explicitPath = env.TESSERA_CONFIG;
  const path = explicitPath ? resolve(cwd, explicitPath) : join(cwd, 'tessera.yaml');
  let configFile: string | undefined;
  if (explicitPath || existsSync(path)) {
    configFile = path;
    raw = readYaml(path, problems);
  }
  raw = deepMerge(raw, options.overrides ?? {});

  for (const [name, { field, parse }] of Object.entries(ENV)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    setPath(raw, field, parse ? parse(value) : value);
  }

  // Derived defaults: computed after the sources are merged so each can be overridden alone.
  const port = typeof raw.port === 'number' ? raw.port : 3000;
  if (raw.publicUrl === undefined) raw.publicUrl = `http://localhost:${port}`;
  if (typeof raw.publicUrl === 'string') raw.publicUrl = raw.publicUrl.replace(/\/+$/, '');
  if (raw.issuer === undefined) raw.issuer = raw.publicUrl;
  const dataDir = typeof raw.dataDir === 'string' ? raw.dataDir : './data';
  if (raw.databaseUrl === undefined) raw.databaseUrl = join(dataDir, 'tessera.sqlite');

  const config = plainToInstance(TesseraConfig, raw, { exposeDefaultValues: true });
  problems.push(
    ...flattenValidationErrors(
      validateSync(config, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true }),
    ).map((p) => (p.problem.startsWith('property ') ? { ...p, problem: 'is not a known setting' } : p)),
  );
  problems.push(...checkUrls(config));
  if (problems.length) throw new ConfigError(problems);

  if (config.databaseKind === 'sqlite' && !isAbsolute(config.databaseUrl) && config.databaseUrl !== ':memory:') {
    config.databaseUrl = resolve(cwd, config.databaseUrl);
  }
  config.dataDir = resolve(cwd, config.dataDir);
  return { config, configFile, warnings: developmentWarnings(config, env, configFile) };
}

function readYaml(path: string, problems: FieldProblem[]): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    problems.push({ field: 'TESSERA_CONFIG', problem: `cannot read ${path}: ${(e as Error).message}` });
    return {};
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length) {
    for (const err of doc.errors) problems.push({ field: path, problem: `YAML: ${err.message.split('\n')[0]}` });
    return {};
  }
  const value = doc.toJS() as unknown;
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push({ field: path, problem: 'the configuration file must hold a mapping at its top level' });
    return {};
  }
  return value as Record<string, unknown>;
}

function checkUrls(config: TesseraConfig): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (typeof config.publicUrl === 'string') {
    let url: URL | undefined;
    try {
      url = new URL(config.publicUrl);
    } catch {
      problems.push({ field: 'publicUrl', problem: `"${config.publicUrl}" is not an absolute URL` });
    }
    if (url && !['http:', 'https:'].includes(url.protocol)) {
      problems.push({ field: 'publicUrl', problem: 'must be an http or https URL' });
    }
    if (url && (url.search || url.hash)) {
      problems.push({ field: 'publicUrl', problem: 'must not carry a query or a fragment' });
    }
  }
  if (config.smtpUrl) {
    try {
      const u = new URL(config.smtpUrl);
      if (!['smtp:', 'smtps:'].includes(u.protocol)) problems.push({ field: 'smtpUrl', problem: 'must be an smtp:// or smtps:// URL' });
    } catch {
      problems.push({ field: 'smtpUrl', problem: 'is not a URL (expected smtp://user:pass@host:587)' });
    }
  }
  if (config.tokens && config.tokens.defaultLifetimeSeconds > config.tokens.maxLifetimeSeconds) {
    problems.push({ field: 'tokens.defaultLifetimeSeconds', problem: 'must not exceed tokens.maxLifetimeSeconds' });
  }
  // Another instance keeps signing with a just-retired key until its cached key set is
  // cacheTtlSeconds old, so a token it signs can expire that much after the retirement's own
  // lifetime cap; a shorter margin would unpublish the key while such tokens are still valid.
  if (config.keys && config.keys.retentionMarginSeconds < config.keys.cacheTtlSeconds) {
    problems.push({
      field: 'keys.retentionMarginSeconds',
      problem: `must be at least keys.cacheTtlSeconds (${config.keys.cacheTtlSeconds}): instances may sign with a retired key for that long`,
    });
  }
  return problems;
}

function developmentWarnings(config: TesseraConfig, env: NodeJS.ProcessEnv, configFile?: string): string[] {
  const warnings: string[] = [];
  if (config.databaseKind === 'sqlite') {
    warnings.push(`database: embedded SQLite at ${config.databaseUrl}; set DATABASE_URL=postgres://… to run several instances`);
  }
  if (!config.smtpUrl) {
    warnings.push(`mail: no SMTP_URL; messages are written to ${join(config.dataDir, 'outbox')} and their links logged`);
  }
  if (config.publicUrl.startsWith('http://') && !isLoopbackUrl(config.publicUrl)) {
    warnings.push(`PUBLIC_URL ${config.publicUrl} is plain HTTP: relying parties such as Azure AD B2C require HTTPS metadata`);
  } else if (config.publicUrl.startsWith('http://')) {
    warnings.push(`PUBLIC_URL is ${config.publicUrl} (plain HTTP on loopback): fine for development, unreachable for a real relying party`);
  }
  if (!env.PUBLIC_URL && !configFile) {
    warnings.push('PUBLIC_URL is not set: the issuer and every link default to localhost');
  }
  return warnings;
}

export function isLoopbackUrl(value: string): boolean {
  try {
    const host = new URL(value).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127\./.test(host);
  } catch {
    return false;
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
        ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}
