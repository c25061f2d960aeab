import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module';
import { MailModule } from '../mail/mail.module';
import { RelyingPartiesModule } from '../relying-parties/relying-parties.module';
import { TokensModule } from '../tokens/tokens.module';
import { BulkImportController } from './bulk/bulk-import.controller';
import { BulkImportService } from './bulk/bulk-import.service';
import { BulkImportsRepository } from './bulk/bulk-imports.repository';
import { SpoolService } from './bulk/spool.service';
import { InvitationLinksService } from './invitation-links.service';
import { InvitationMailer } from './invitation-mailer.service';
import { InvitationsController } from './invitations.controller';
import { InvitationsRepository } from './invitations.repository';
import { InvitationsService } from './invitations.service';
import { LandingCsrfService } from './landing-csrf.service';
import { LandingController } from './landing.controller';
import { LandingService } from './landing.service';
import { RedeemController } from './redeem.controller';
import { RedemptionService } from './redemption.service';

@Module({
  imports: [KeysModule, TokensModule, MailModule, RelyingPartiesModule],
  // RedeemController first: its literal path must win over `:id` routes registered later.
  controllers: [RedeemController, BulkImportController, InvitationsController, LandingController],
  providers: [
    InvitationsRepository,
    InvitationsService,
    InvitationLinksService,
    InvitationMailer,
    RedemptionService,
    LandingService,
    LandingCsrfService,
    BulkImportService,
    BulkImportsRepository,
    SpoolService,
  ],
  exports: [InvitationsService, InvitationsRepository, RedemptionService, BulkImportService],
})
export class InvitationsModule {}
