import { IsOptional, IsString, Matches, MinLength } from 'class-validator';

/**
 * One signing key imported when the server starts (`keys.import` in the YAML file), so that a
 * production deployment names its certificate in configuration instead of running the CLI.
 * Either `key` + `cert` (PEM files) or `pfx` (+ `passwordEnv`, the name of the environment
 * variable holding its password: passwords do not belong in the YAML file). Relative paths are
 * resolved against the working directory. A key already in the store is left as it is.
 */
export class KeyImportConfig {
  /** PEM private key file (PKCS#8 or PKCS#1, unencrypted) */
  @IsOptional() @IsString() @MinLength(1)
  key?: string;

  /** PEM certificate file for `key` (leaf first, then any chain) */
  @IsOptional() @IsString() @MinLength(1)
  cert?: string;

  /** PKCS#12 (.pfx/.p12) file holding the key and its certificate */
  @IsOptional() @IsString() @MinLength(1)
  pfx?: string;

  /** environment variable that holds the PFX password */
  @IsOptional() @IsString() @Matches(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'must be an environment variable name' })
  passwordEnv?: string;
}
