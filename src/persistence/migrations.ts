import { apiKeysMigration } from '../auth/api-keys.migration';
import { bulkImportsMigration } from '../invitations/bulk/bulk-imports.migration';
import { invitationsMigration } from '../invitations/invitations.migration';
import { journeySessionsMigration } from '../journeys/engine/journey-sessions.migration';
import { authorizationCodesMigration } from '../journeys/protocol/authorization-codes.migration';
import { localAccountsMigration } from '../journeys/user-store/local-accounts.migration';
import { hmacSecretsMigration, signingKeysMigration } from '../keys/keys.migration';
import { mailOutboxMigration, mailOutboxTemplatesMigration } from '../mail/mail.migration';
import type { TesseraMigration } from './migration';

/**
 * Every migration, in order. A feature writes its migration next to its code and lists it here;
 * once released, a migration is never edited (add a new one instead).
 */
export const MIGRATIONS: TesseraMigration[] = [signingKeysMigration, hmacSecretsMigration, apiKeysMigration, mailOutboxMigration, invitationsMigration, bulkImportsMigration, authorizationCodesMigration, journeySessionsMigration, localAccountsMigration, mailOutboxTemplatesMigration];
