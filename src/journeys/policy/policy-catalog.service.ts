import { Injectable, Logger } from '@nestjs/common';
import { resolve } from 'node:path';
import { TesseraConfig } from '../../config/config.schema';
import { HintProfileRegistry } from '../../validation/hint-profile.registry';
import { PolicyCatalog, type PolicyDescriptor, type RegisteredApplication } from '../journeys.contracts';
import { tokenClaimName } from './policy.checks';
import { loadPolicies } from './policy.loader';
import type { RunnablePolicy } from './policy.model';

/**
 * The policies folder (`journeys.policiesDir`), loaded and checked once at start: a mistake in
 * any file stops the start with every problem named. Policy ids are matched case-insensitively,
 * as B2C matches them in URLs; the canonical id is the one in the file.
 */
@Injectable()
export class PolicyCatalogService extends PolicyCatalog {
  private readonly logger = new Logger('Journeys');
  private readonly runnable = new Map<string, RunnablePolicy>();
  private readonly descriptors = new Map<string, PolicyDescriptor>();
  private readonly applications = new Map<string, RegisteredApplication>();

  constructor(config: TesseraConfig, hintProfiles: HintProfileRegistry) {
    super();
    const dir = config.journeys.policiesDir;
    if (!dir) {
      this.logger.log('journeys are off: no journeys.policiesDir is configured');
      return;
    }
    const loaded = loadPolicies(resolve(dir), {
      hintProfileIds: hintProfiles.ids(),
      env: process.env,
      ...(config.journeys.tenantId ? { tenantId: config.journeys.tenantId } : {}),
      maxTokenLifetimeSeconds: config.tokens.maxLifetimeSeconds,
    });
    for (const [id, policy] of loaded.policies) {
      this.runnable.set(id.toLowerCase(), policy);
      this.descriptors.set(id.toLowerCase(), describe(policy, config));
    }
    for (const [clientId, app] of loaded.applications) this.applications.set(clientId, app);
    this.logger.log(`journeys: ${loaded.policies.size} polic${loaded.policies.size === 1 ? 'y' : 'ies'} (${[...loaded.policies.keys()].join(', ') || 'none'}) and ${this.applications.size} application(s) from ${resolve(dir)}`);
  }

  policy(policyId: string): PolicyDescriptor | undefined {
    return typeof policyId === 'string' ? this.descriptors.get(policyId.toLowerCase()) : undefined;
  }

  policies(): PolicyDescriptor[] {
    return [...this.descriptors.values()];
  }

  application(clientId: string): RegisteredApplication | undefined {
    return typeof clientId === 'string' ? this.applications.get(clientId) : undefined;
  }

  /** The merged policy the engine runs. */
  runnablePolicy(policyId: string): RunnablePolicy | undefined {
    return typeof policyId === 'string' ? this.runnable.get(policyId.toLowerCase()) : undefined;
  }
}

/**
 * What the protocol side needs of a policy, from its SendClaims step's JWT issuer profile.
 * `IssuanceClaimPattern` (B2C's item) decides the issuer: the policy's own path under ISSUER by
 * default, so that `/{policy}/v2.0/.well-known/openid-configuration` describes it exactly
 * (OpenID Connect Discovery §4.3: the issuer and the discovery location must agree).
 */
export function describe(policy: RunnablePolicy, config: Pick<TesseraConfig, 'issuer' | 'journeys'>): PolicyDescriptor {
  const sendClaims = policy.journey.steps[policy.journey.steps.length - 1];
  const issuerProfile = policy.technicalProfiles.get(sendClaims.cpimIssuerTechnicalProfileReferenceId ?? '');
  const metadata = issuerProfile?.metadata ?? {};
  const base = config.issuer.replace(/\/+$/, '');
  const issuer =
    metadata.IssuanceClaimPattern === 'AuthorityWithTfp'
      ? `${base}/tfp/${policy.policyId}/v2.0/`
      : metadata.IssuanceClaimPattern === 'AuthorityAndTenantGuid'
        ? `${base}/${config.journeys.tenantId}/v2.0/`
        : `${base}/${policy.policyId}/v2.0/`;
  return {
    id: policy.policyId,
    issuer,
    idTokenLifetimeSeconds: Number(metadata.id_token_lifetime_secs ?? 3600),
    codeLifetimeSeconds: Number(metadata.authorization_code_lifetime_secs ?? 300),
    claimsSupported: [...new Set(policy.relyingParty.outputClaims.map((c) => tokenClaimName(c, policy)))],
  };
}
