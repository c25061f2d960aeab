import { Global, Module } from '@nestjs/common';
import { OutboundHttp } from './outbound-http.service';

/**
 * Outbound HTTP as an injectable edge, global so that every feature that calls out (issuer
 * metadata, self-check, journeys, federation) goes through the same guarded client.
 */
@Global()
@Module({ providers: [OutboundHttp], exports: [OutboundHttp] })
export class OutboundHttpModule {}
