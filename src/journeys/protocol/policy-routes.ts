import type { Request } from 'express';
import { policyIdFromUrl } from './authorization-request';

/**
 * B2C addresses a policy's endpoints three ways, and a link moved to Tessera keeps its path:
 *   /{policy}/oauth2/v2.0/authorize
 *   /{tenant}/{policy}/oauth2/v2.0/authorize          (e.g. /contoso.onmicrosoft.com/B2C_1A_x/…)
 *   /{tenant}/oauth2/v2.0/authorize?p={policy}
 * Each controller registers the one- and two-segment forms; the tenant segment is not checked,
 * since a Tessera deployment is one tenant.
 */
export function policyRoutes(suffix: string): string[] {
  return [`:first/${suffix}`, `:tenant/:policy/${suffix}`];
}

export interface PolicyAddress {
  /** as written in the URL; resolved case-insensitively */
  policyId?: string;
  /** the tenant segment, when the URL had one: kept in the URLs built for this request */
  tenant?: string;
}

export function policyAddress(req: Request): PolicyAddress {
  const params = req.params as { first?: string; tenant?: string; policy?: string };
  const query = (req.query ?? {}) as Record<string, unknown>;
  const policyId = policyIdFromUrl(params, query);
  const tenant = params.tenant ?? (params.policy === undefined && policyId !== params.first ? params.first : undefined);
  return { ...(policyId !== undefined ? { policyId } : {}), ...(tenant !== undefined ? { tenant } : {}) };
}

/** The base of a policy's endpoints: `{publicUrl}[/{tenant}]/{policy}`. */
export function policyBase(publicUrl: string, policyId: string, tenant?: string): string {
  const prefix = tenant !== undefined ? `/${encodeURIComponent(tenant)}` : '';
  return `${publicUrl}${prefix}/${encodeURIComponent(policyId)}`;
}
