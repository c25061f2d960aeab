import { Logger, Module } from '@nestjs/common';
import { TesseraConfig } from '../config/config.schema';
import { HmacSecretRepository } from './hmac-secret.repository';
import { KeyStoreService } from './key-store.service';
import { KeysController } from './keys.controller';
import { KeystorePassphrase, resolveKeystorePassphrase } from './keystore-passphrase';
import { RsaKeyGenerator } from './rsa-key-generator';
import { SigningKeyRepository } from './signing-key.repository';

@Module({
  controllers: [KeysController],
  providers: [
    KeyStoreService,
    SigningKeyRepository,
    HmacSecretRepository,
    RsaKeyGenerator,
    {
      provide: KeystorePassphrase,
      inject: [TesseraConfig],
      useFactory: (config: TesseraConfig) => {
        const passphrase = resolveKeystorePassphrase(config);
        if (passphrase.source !== 'env') {
          new Logger('KeyStore').warn(
            `DEVELOPMENT DEFAULT: KEYSTORE_PASSPHRASE is not set; private keys are encrypted under a passphrase ` +
              `${passphrase.source.generated ? 'generated into' : 'read from'} ${passphrase.source.file}. ` +
              'Set KEYSTORE_PASSPHRASE (the same on every instance) for production',
          );
        }
        return passphrase;
      },
    },
  ],
  // The passphrase also seals other modules' secrets at rest (the landing page's CSRF secret).
  exports: [KeyStoreService, KeystorePassphrase],
})
export class KeysModule {}
