import * as path from 'node:path';
import type { Node } from 'constructs';

/** Lambda CPU architectures the functions are built for. */
export type LambdaArch = 'arm64' | 'x86_64';

/**
 * Everything the stacks take from the outside, read once from CDK context (`-c key=value`,
 * `cdk.json`, or `ccwb deploy`, which passes the active profile's values) and checked here, so
 * that a bad value stops `cdk synth` with a message naming the key instead of deploying a
 * function that refuses to start.
 */
export interface Config {
  /** Deployment name (`stackName`), the prefix of every resource name; the Lambdas' `CCWB_STACK_NAME`. */
  readonly name: string;
  /** OpenID issuer the JWT authorizer trusts (`issuer`). */
  readonly issuer: string;
  /** Accepted `aud` / `client_id` values (`audience`, or `clientId`; comma-separated). */
  readonly audiences: string[];
  /** Where `cargo lambda build` put the binaries (`lambdaDir`): `<dir>/<binary>/bootstrap`. */
  readonly lambdaDir: string;
  /** Architecture asked for (`lambdaArch`); when absent it follows what was built. */
  readonly lambdaArch?: LambdaArch;
  /** Synthesise with stand-in code (`placeholderCode=true`), for offline checks only. */
  readonly placeholderCode: boolean;
  /** Deletion protection and retention of the tables (`deletionProtection`, default true). */
  readonly deletionProtection: boolean;
  /** Retention of every log group, in days (`logRetentionDays`, default 30). */
  readonly logRetentionDays: number;
  /** Stage-wide steady rate, requests per second (`throttleRate`, default 50). */
  readonly throttleRate: number;
  /** Stage-wide burst (`throttleBurst`, default 100). */
  readonly throttleBurst: number;
  /** Memory of each function in MB (`lambdaMemoryMb`, default 256). */
  readonly lambdaMemoryMb: number;
  /** p99 duration of the check function above which its alarm fires (`checkP99Ms`, default 1000). */
  readonly checkP99Ms: number;
  /** Days S3 keeps the audit and usage copies; 0 keeps them (`dataRetentionDays`, default 0). */
  readonly dataRetentionDays: number;
  /** Where alarms and usage alerts are mailed, if anywhere (`alertEmail`). */
  readonly alertEmail?: string;
  /** Settings the functions read at start (see functions/lambda/src/settings.rs). */
  readonly settings: {
    readonly adminGroups: string;
    readonly identityClaims: string;
    readonly failMode: 'open' | 'closed';
    readonly missingIdentity: 'allow' | 'deny';
    readonly pricing?: string;
  };
}

/** The repository root: `cdk/` sits in it (this file is compiled to `cdk/dist/lib/`). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** Log retentions CloudWatch accepts, in days. */
const RETENTIONS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** Reads and checks the context of `node` (the app). Throws naming the key on a bad value. */
export function readConfig(node: Node): Config {
  const get = (key: string): string | undefined => {
    const value = node.tryGetContext(key);
    if (value === undefined || value === null) return undefined;
    const text = String(value).trim();
    return text === '' ? undefined : text;
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const value = get(key);
    if (value === undefined) return fallback;
    if (value === 'true') return true;
    if (value === 'false') return false;
    throw new Error(`context ${key} must be true or false, got ${JSON.stringify(value)}`);
  };
  const int = (key: string, fallback: number, min: number, max: number): number => {
    const value = get(key);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new Error(`context ${key} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
    return n;
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const value = get(key) ?? fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      throw new Error(`context ${key} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
    }
    return value as T;
  };
  const list = (key: string, fallback: string): string => {
    const items = (get(key) ?? fallback).split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (items.length === 0) throw new Error(`context ${key} must name at least one value`);
    return items.join(',');
  };

  // Bucket names carry the name plus account and region and must stay within 63 characters.
  const name = get('stackName') ?? 'ccwb';
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(name) || name.endsWith('-') || name.includes('--')) {
    throw new Error(
      'context stackName must be 1-20 lower-case letters, digits and single hyphens, starting with a letter, ' +
        `got ${JSON.stringify(name)}`,
    );
  }

  const issuer = get('issuer');
  if (issuer === undefined) {
    throw new Error('context issuer is required: the OpenID issuer URL of your identity provider (-c issuer=https://...)');
  }
  if (!/^https:\/\/[^\s/]+/.test(issuer)) {
    throw new Error(`context issuer must be an https URL (API Gateway fetches its JWKS), got ${JSON.stringify(issuer)}`);
  }
  const audienceText = get('audience') ?? get('clientId');
  if (audienceText === undefined) {
    throw new Error('context audience (or clientId) is required: the client id(s) tokens are issued to, comma-separated');
  }
  const audiences = audienceText.split(',').map((s) => s.trim()).filter((s) => s !== '');

  const logRetentionDays = int('logRetentionDays', 30, 1, 3653);
  if (!RETENTIONS.includes(logRetentionDays)) {
    throw new Error(`context logRetentionDays must be one of ${RETENTIONS.join(', ')}, got ${logRetentionDays}`);
  }

  const arch = get('lambdaArch');
  if (arch !== undefined && arch !== 'arm64' && arch !== 'x86_64') {
    throw new Error(`context lambdaArch must be arm64 or x86_64, got ${JSON.stringify(arch)}`);
  }

  const pricing = get('pricing');
  if (pricing !== undefined) {
    try {
      JSON.parse(pricing);
    } catch {
      throw new Error('context pricing must be the JSON of CCWB_PRICING (price overrides per million tokens)');
    }
  }

  const alertEmail = get('alertEmail');
  if (alertEmail !== undefined && !/^[^\s@]+@[^\s@]+$/.test(alertEmail)) {
    throw new Error(`context alertEmail must be an e-mail address, got ${JSON.stringify(alertEmail)}`);
  }

  return {
    name,
    issuer,
    audiences,
    lambdaDir: path.resolve(get('lambdaDir') ?? path.join(REPO_ROOT, 'target', 'lambda')),
    lambdaArch: arch as LambdaArch | undefined,
    placeholderCode: bool('placeholderCode', false),
    deletionProtection: bool('deletionProtection', true),
    logRetentionDays,
    throttleRate: int('throttleRate', 50, 1, 10000),
    throttleBurst: int('throttleBurst', 100, 1, 5000),
    lambdaMemoryMb: int('lambdaMemoryMb', 256, 128, 10240),
    checkP99Ms: int('checkP99Ms', 1000, 10, 30000),
    dataRetentionDays: int('dataRetentionDays', 0, 0, 36500),
    alertEmail,
    settings: {
      adminGroups: list('adminGroups', 'ccwb-admins'),
      identityClaims: list('identityClaims', 'email'),
      failMode: oneOf('failMode', ['open', 'closed'] as const, 'closed'),
      missingIdentity: oneOf('missingIdentity', ['allow', 'deny'] as const, 'deny'),
      pricing,
    },
  };
}
