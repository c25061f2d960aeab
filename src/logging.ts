import type { Params } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { Options } from 'pino-http';
import type { IncomingMessage } from 'node:http';
import type { TesseraConfig } from './config/config.schema';

/**
 * Structured JSON logs (pino). Secrets and tokens never reach them: credentials headers are
 * redacted, and request URLs are logged without their query string, since `id_token_hint`,
 * codes and `state` travel there.
 */
export function loggerParams(config: TesseraConfig, destination?: DestinationStream): Params {
  const options: Options = {
    level: config.logging.level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-api-key"]',
        'res.headers["set-cookie"]',
        'res.headers.location',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req: (req: IncomingMessage & { id?: unknown }) => ({
        id: req.id,
        method: req.method,
        url: redactPath(stripQuery(req.url)),
      }),
    },
    // One sequence for the whole process: requests are logged by two pino-http instances, the
    // Express middleware and the API fast path (src/http), whose own counters would collide.
    genReqId: (req) => (req as IncomingMessage & { id?: string | number }).id ?? nextRequestId(),
    // Health probes and scrapes would drown everything else.
    autoLogging: { ignore: (req) => ['/health', '/metrics'].includes(stripQuery(req.url)) },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
  };
  // Default: stdout. Tests pass a stream to read back what would have been logged.
  return { pinoHttp: destination ? [options, destination] : options };
}

let lastRequestId = 0;

function nextRequestId(): number {
  lastRequestId = lastRequestId === 0x7fffffff ? 1 : lastRequestId + 1;
  return lastRequestId;
}

/**
 * Path segments that are bearer secrets: the invitation code in `/invite/:code` is enough to
 * mint a hint, so it is replaced before the URL is logged.
 */
// Case-insensitive, as Express's routing is: `/INVITE/<code>` reaches the same page.
const SECRET_PATHS: RegExp[] = [/^(\/invite\/)[^/]+/i];

export function redactPath(path: string): string {
  return SECRET_PATHS.reduce((p, re) => p.replace(re, '$1[redacted]'), path);
}

export function stripQuery(url: string | undefined): string {
  if (!url) return '';
  const i = url.indexOf('?');
  return i === -1 ? url : url.slice(0, i);
}
