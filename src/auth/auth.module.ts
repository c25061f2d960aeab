import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import { AccessGuard } from './access.guard';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';
import { FirstStartKeyService } from './first-start-key.service';
import { OperatorConsole } from './operator-console';
import { RateLimitGuard } from './rate-limit.guard';
import { RequestAuthenticator } from './request-authenticator';

/**
 * Admin API keys and the global guards. Guards run in the order listed: the rate limiter
 * first (so floods of bad keys are cut off before they cost lookups), then access control.
 */
@Module({
  controllers: [ApiKeysController],
  providers: [
    ApiKeysRepository,
    ApiKeysService,
    RequestAuthenticator,
    OperatorConsole,
    FirstStartKeyService,
    // One in-memory counter store per application, emptied on shutdown.
    { provide: ThrottlerStorage, useClass: ThrottlerStorageService },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  exports: [ApiKeysService],
})
export class AuthModule {}
