import { isIP } from 'node:net';
import { registerDecorator, type ValidationArguments } from 'class-validator';

/**
 * The value handed to Express `trust proxy`, which decides which `X-Forwarded-For` hops
 * `req.ip` believes (and so which client a rate limit counts): `false` (default: the socket
 * peer is the client), `true` (the left-most forwarded address), a hop count, or a
 * comma-separated list of proxy addresses/subnets and the names `loopback`, `linklocal`,
 * `uniquelocal`. Never `true` unless every request passes a proxy that overwrites the header:
 * a client could otherwise pick its own address.
 */
export type TrustProxySetting = boolean | number | string;

const NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

export function trustProxyProblem(value: unknown): string | undefined {
  if (typeof value === 'boolean') return undefined;
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0 && value <= 32 ? undefined : 'as a hop count must be an integer from 0 to 32';
  }
  if (typeof value !== 'string' || !value.trim()) return 'must be true, false, a hop count or a list of proxy addresses';
  const bad = value
    .split(',')
    .map((s) => s.trim())
    .filter((item) => !NAMES.has(item) && !isAddressOrSubnet(item));
  return bad.length ? `not an address, subnet or known name: ${bad.join(', ')}` : undefined;
}

function isAddressOrSubnet(item: string): boolean {
  const [address, prefix, extra] = item.split('/');
  const version = isIP(address);
  if (!version || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

export function IsTrustProxy(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isTrustProxy',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => trustProxyProblem(value) === undefined,
        defaultMessage: (args?: ValidationArguments) => trustProxyProblem(args?.value) ?? 'is not valid',
      },
    });
}
