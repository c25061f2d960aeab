import type { Provider, Type } from '@nestjs/common';
import { JourneyStarter, PolicyCatalog } from '../journeys.contracts';
import { PageRenderer } from '../pages/page-renderer.service';
import { PolicyCatalogService } from '../policy/policy-catalog.service';
import { IdTokenHintHandler } from '../profiles/id-token-hint.handler';
import { InvitationRedemptionHandler } from '../profiles/invitation-redemption.handler';
import { ProfileRunner } from '../profiles/profile-runner.service';
import { RestHandler } from '../profiles/rest.handler';
import { SelfAssertedHandler } from '../profiles/self-asserted.handler';
import { CLAIMS_EXCHANGE_HANDLERS, type ClaimsExchangeHandler } from '../profiles/technical-profile.handler';
import { UserStoreHandler } from '../profiles/user-store.handler';
import { LocalAccountsRepository } from '../user-store/local-accounts.repository';
import { PasswordHasher } from '../user-store/password-hasher';
import { UserStoreService } from '../user-store/user-store.service';
import { JourneyEngine } from './journey-engine.service';
import { JourneySessionsRepository } from './journey-sessions.repository';
import { JourneyController } from './journey.controller';

/** The technical profile kinds that exchange claims without a page; federation kinds join here. */
const HANDLERS = [IdTokenHintHandler, UserStoreHandler, InvitationRedemptionHandler, RestHandler];

/** Providers and controllers of the journey engine (policies, steps, pages). */
export const ENGINE_PROVIDERS: Provider[] = [
  PolicyCatalogService,
  { provide: PolicyCatalog, useExisting: PolicyCatalogService },
  JourneySessionsRepository,
  JourneyEngine,
  { provide: JourneyStarter, useExisting: JourneyEngine },
  PageRenderer,
  ProfileRunner,
  SelfAssertedHandler,
  ...HANDLERS,
  {
    provide: CLAIMS_EXCHANGE_HANDLERS,
    inject: HANDLERS,
    useFactory: (...handlers: ClaimsExchangeHandler[]) => handlers,
  },
  LocalAccountsRepository,
  PasswordHasher,
  UserStoreService,
];
export const ENGINE_CONTROLLERS: Type[] = [JourneyController];
