import { Injectable, Optional } from '@nestjs/common';
import { PolicyCatalog, type PolicyDescriptor, type RegisteredApplication } from '../journeys.contracts';
import type { AuthorizeLookups } from './authorization-request';

/**
 * The protocol's view of the engine's catalog. B2C treats policy ids in URLs as
 * case-insensitive (`b2c_1a_signup_invitation` reaches `B2C_1A_signup_invitation`); every URL
 * Tessera builds uses the canonical id. The catalog is optional so that the protocol surface
 * starts in an application that registers no journey engine: every policy is then unknown.
 */
@Injectable()
export class PolicyLookup implements AuthorizeLookups {
  constructor(@Optional() private readonly catalog?: PolicyCatalog) {}

  policy(policyId: string): PolicyDescriptor | undefined {
    if (!this.catalog) return undefined;
    const exact = this.catalog.policy(policyId);
    if (exact) return exact;
    const folded = policyId.toLowerCase();
    return this.catalog.policies().find((p) => p.id.toLowerCase() === folded);
  }

  application(clientId: string): RegisteredApplication | undefined {
    return this.catalog?.application(clientId);
  }
}
