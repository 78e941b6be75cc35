import * as net from 'node:net';
import * as path from 'node:path';
import { Token } from 'aws-cdk-lib';
import type { Node } from 'constructs';

/** Lambda CPU architectures the functions are built for. */
export type LambdaArch = 'arm64' | 'x86_64';

/** How developers' tokens become AWS credentials (`federation`). */
export type Federation = 'direct' | 'cognito';
/** The token claim the role session name must equal in direct federation (`sessionNameClaim`). */
export type SessionNameClaim = 'sub' | 'email';
/** Identity provider kinds (`providerType`), as the CLI's profile names them. */
export const PROVIDER_TYPES = ['okta', 'azure', 'auth0', 'cognito', 'google', 'generic'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];
/**
 * Where the tokens counted toward quotas come from (`meter`, the functions' `CCWB_METER`):
 * Claude Code's telemetry, or Bedrock's own model invocation records (lib/meter.ts).
 */
export const METERS = ['telemetry', 'invocation-logs'] as const;
export type Meter = (typeof METERS)[number];

/**
 * Geography prefixes of Bedrock's cross-Region (system-defined) inference profile ids:
 * `us.anthropic.claude-…` is a profile, `anthropic.claude-…` a foundation model.
 */
export const PROFILE_GEOGRAPHIES = ['us', 'us-gov', 'eu', 'apac', 'jp', 'au', 'ca', 'global'] as const;

/** A model developers may invoke (`allowedModels`), split into what IAM authorises. */
export type AllowedModel =
  /** A cross-Region inference profile (`us.anthropic.claude-…`, `global.anthropic.claude-…`) and the model it routes to. */
  | { readonly kind: 'profile'; readonly id: string; readonly geography: string; readonly model: string }
  /** A foundation model invoked in the Region it is called in (`anthropic.claude-…`). */
  | { readonly kind: 'foundation-model'; readonly id: string; readonly model: string };

/** The Auth stack's settings: who may assume the developers' role, and what it may call. */
export interface AuthConfig {
  /** `federation`: an IAM OIDC provider and a role (`direct`, default) or a Cognito identity pool. */
  readonly federation: Federation;
  /** `bedrockRegions`: the Regions developers may call Bedrock in (default: the stack's Region). */
  readonly bedrockRegions: string[];
  /** `allowedModels`: the models developers may invoke; undefined means any Anthropic Claude model. */
  readonly allowedModels?: AllowedModel[];
  /** `maxSessionSeconds`: the role's MaxSessionDuration (3600-43200, default 28800). */
  readonly maxSessionSeconds: number;
  /** `sessionNameClaim`: `sub` (default) or, with Google only, `email`. */
  readonly sessionNameClaim: SessionNameClaim;
  /** `oidcProviderArn`: an existing IAM OIDC provider for the issuer, reused instead of created. */
  readonly oidcProviderArn?: string;
  /** `providerType`, when given. */
  readonly providerType?: ProviderType;
  /** The issuer is a Cognito user pool (`https://cognito-idp.<region>.amazonaws.com/<poolId>`). */
  readonly userPool?: { readonly region: string; readonly poolId: string };
}

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
  /** Retention of every log group but the invocation records' (`logRetentionDays`, default 30). */
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
  /**
   * Athena reports over the archive (`analytics`, default true): the Glue database and tables,
   * the Athena workgroup and its results bucket. Off, the archive itself (Firehose streams, data
   * and access-log buckets) stays: the functions deliver every audit event and usage point there.
   */
  readonly analytics: boolean;
  /** Where alarms and usage alerts are mailed, if anywhere (`alertEmail`). */
  readonly alertEmail?: string;
  /** Days an uploaded package stays in the packages bucket (`packageRetentionDays`, default 180). */
  readonly packageRetentionDays: number;
  /**
   * The only addresses download links work from (`distributionAllowedIps`, comma-separated
   * CIDR blocks; a bare address is one host): enforced by the packages bucket's policy and
   * given to the distribution function. None: links work from anywhere.
   */
  readonly distributionAllowedIps?: string[];
  /** Serial of the download-link signer's access key (`signerKeySerial`, default 1); a new value rotates it. */
  readonly signerKeySerial: number;
  /**
   * Where quota usage comes from (`meter`, default `telemetry`). `invocation-logs` deploys
   * Bedrock's model invocation logging into a log group of this deployment and the meter
   * function that counts its records (lib/meter.ts); ingest then counts no telemetry tokens.
   */
  readonly meter: Meter;
  /** Retention of the invocation log group, in days (`meterLogRetentionDays`, default 7). */
  readonly meterLogRetentionDays: number;
  /** The Auth stack's settings (lib/auth-stack.ts). */
  readonly auth: AuthConfig;
  /** Settings the functions read at start (see functions/lambda/src/settings.rs). */
  readonly settings: {
    readonly adminGroups: string;
    readonly identityClaims: string;
    readonly failMode: 'open' | 'closed';
    readonly missingIdentity: 'allow' | 'deny';
    /** Whether an `email` the identity provider marks `email_verified: false` names a user (`unverifiedEmail`, default deny). */
    readonly unverifiedEmail: 'accept' | 'deny';
    readonly pricing?: string;
  };
}

/**
 * Whether blocked developers' sessions are denied on the developers' role within a minute
 * (the sweeper's `CCWB_REVOCATION`; cdk/README.md, "Revocation"). Not with Cognito federation:
 * the identity pool gives every developer's session the same name, so a deny on a session name
 * (`aws:userid` `*:<session>`) could not single one developer out. Off, the deployment has none
 * of it: no IAM access for the sweeper, no stream trigger, no clean-up at deletion.
 */
export function revokesSessions(config: Pick<Config, 'auth'>): boolean {
  return config.auth.federation !== 'cognito';
}

/** The repository root: `cdk/` sits in it (this file is compiled to `cdk/dist/lib/`). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** Log retentions CloudWatch accepts, in days. */
const RETENTIONS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** The bits of an IPv4 or IPv6 address and their count; undefined if `text` is neither. */
function addressBits(text: string): { bits: bigint; width: number } | undefined {
  if (net.isIPv4(text)) {
    return { bits: text.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n), width: 32 };
  }
  if (!net.isIPv6(text) || text.includes('%')) return undefined; // no zone ids in a policy
  let groups = text;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(groups); // ::ffff:192.0.2.1
  if (v4) {
    const low = addressBits(v4[1]!)!.bits;
    groups = `${groups.slice(0, -v4[1]!.length)}${(low >> 16n).toString(16)}:${(low & 0xffffn).toString(16)}`;
  }
  const split = (part: string) => (part === '' ? [] : part.split(':'));
  let words: string[];
  if (groups.includes('::')) {
    const [head, tail] = groups.split('::') as [string, string];
    const h = split(head);
    const t = split(tail);
    words = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  } else {
    words = groups.split(':');
  }
  return { bits: words.reduce((acc, word) => (acc << 16n) | BigInt(parseInt(word, 16)), 0n), width: 128 };
}

/**
 * A CIDR block as IAM's `aws:SourceIp` and ccwb's `Cidr::parse` (functions/core) both read
 * it: `203.0.113.0/24`, `2001:db8::/32`, or a bare address, which becomes a /32 or /128.
 * Host bits beyond the prefix are refused rather than silently cleared.
 */
export function parseCidr(raw: string): string {
  const text = raw.trim();
  const [address, prefixText, extra] = text.split('/');
  const parsed = address === undefined ? undefined : addressBits(address);
  const fail = (why: string) =>
    new Error(`context distributionAllowedIps: ${JSON.stringify(raw)} ${why}`);
  if (parsed === undefined || extra !== undefined) {
    throw fail('is not an IP address or CIDR block such as 203.0.113.0/24');
  }
  if (prefixText === undefined) return `${address}/${parsed.width}`;
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > parsed.width) {
    throw fail(`has a prefix length that is not 0-${parsed.width}`);
  }
  const prefix = Number(prefixText);
  const hostMask = (1n << BigInt(parsed.width - prefix)) - 1n;
  if ((parsed.bits & hostMask) !== 0n) {
    throw fail(`has address bits set beyond its /${prefix} prefix: give the network address`);
  }
  return `${address}/${prefix}`;
}

/**
 * The issuer as IAM names it in condition keys and policy variables: without `https://` and a
 * trailing slash (`https://idp.example.com/realms/x/` is `idp.example.com/realms/x`, so its
 * keys are `idp.example.com/realms/x:aud` and `…:sub`). It is also the provider's name in a
 * Cognito identity pool's logins and an IAM OIDC provider's ARN.
 */
export function issuerKey(issuer: string): string {
  return issuer.replace(/^https:\/\//, '').replace(/\/+$/, '');
}

/** Google's issuer, the only one whose tokens' `email` IAM exposes (`accounts.google.com:email`). */
export const GOOGLE_ISSUER_KEY = 'accounts.google.com';

/** The Cognito user pool an issuer URL names, if it is one (`https://cognito-idp.<region>.amazonaws.com/<poolId>`). */
export function cognitoUserPool(issuer: string): { region: string; poolId: string } | undefined {
  const m = /^https:\/\/cognito-idp\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com\/(([a-z]{2}(?:-[a-z]+)+-\d+)_[0-9A-Za-z]+)\/?$/.exec(issuer);
  if (!m || m[1] !== m[3]) return undefined;
  return { region: m[1]!, poolId: m[2]! };
}

/** An AWS Region name: `us-east-1`, `ap-southeast-2`, `us-gov-west-1`. */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** Parses one `allowedModels` entry: a cross-Region inference profile id or a foundation model id. */
export function parseModelId(raw: string): AllowedModel {
  const id = raw.trim();
  // Bedrock's model and profile ids: letters, digits and - . : (`anthropic.claude-3-5-haiku-20241022-v1:0`).
  // No wildcards: each id becomes an ARN in the role's policy.
  if (!/^[a-z0-9-]+\.[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(id)) {
    throw new Error(
      `context allowedModels: ${JSON.stringify(raw)} is not a Bedrock model id such as us.anthropic.claude-opus-5-5 ` +
        '(a cross-Region inference profile) or anthropic.claude-opus-5-5 (a foundation model); wildcards are not accepted',
    );
  }
  const dot = id.indexOf('.');
  const geography = id.slice(0, dot);
  if ((PROFILE_GEOGRAPHIES as readonly string[]).includes(geography)) {
    const model = id.slice(dot + 1);
    if (!model.includes('.')) {
      throw new Error(`context allowedModels: ${JSON.stringify(raw)} names no model after its ${geography}. prefix (e.g. ${geography}.anthropic.claude-opus-5-5)`);
    }
    return { kind: 'profile', id, geography, model };
  }
  return { kind: 'foundation-model', id, model: id };
}

/**
 * Reads and checks the context of `node` (the app). Throws naming the key on a bad value.
 * `region` is the stacks' Region when it is known (`env`), the default of `bedrockRegions`.
 */
export function readConfig(node: Node, region?: string): Config {
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

  const retention = (key: string, fallback: number): number => {
    const days = int(key, fallback, 1, 3653);
    if (!RETENTIONS.includes(days)) {
      throw new Error(`context ${key} must be one of ${RETENTIONS.join(', ')}, got ${days}`);
    }
    return days;
  };
  const logRetentionDays = retention('logRetentionDays', 30);

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

  const allowedIps = get('distributionAllowedIps');
  const distributionAllowedIps = allowedIps
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(parseCidr);
  if (distributionAllowedIps?.length === 0) {
    throw new Error('context distributionAllowedIps must name at least one CIDR block; leave it out for no restriction');
  }

  const meter = oneOf('meter', METERS, 'telemetry');
  const auth = readAuth(get, int, oneOf, issuer, audiences, region);
  if (meter === 'invocation-logs') checkMetered(auth, region);

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
    analytics: bool('analytics', true),
    alertEmail,
    // At least 8 days: a link lives up to 7 days (168 hours) after it is published.
    packageRetentionDays: int('packageRetentionDays', 180, 8, 36500),
    distributionAllowedIps,
    signerKeySerial: int('signerKeySerial', 1, 1, 1_000_000),
    settings: {
      adminGroups: list('adminGroups', 'ccwb-admins'),
      identityClaims: list('identityClaims', 'email'),
      failMode: oneOf('failMode', ['open', 'closed'] as const, 'closed'),
      missingIdentity: oneOf('missingIdentity', ['allow', 'deny'] as const, 'deny'),
      unverifiedEmail: oneOf('unverifiedEmail', ['accept', 'deny'] as const, 'deny'),
      pricing,
    },
    meter,
    // Records wait here only until the subscription delivers them (seconds); a week leaves
    // time to look into one the meter skipped.
    meterLogRetentionDays: retention('meterLogRetentionDays', 7),
    auth,
  };
}

/**
 * Refuses what `meter=invocation-logs` cannot meter. Bedrock's records name the caller only by
 * its ARN, whose last part is the role session name (functions/core/src/invocation.rs): the
 * meter attributes usage by that name, which direct federation pins to the token's `sub`. A
 * Cognito identity pool names every session itself, the same for all developers, so no record
 * could be attributed. And invocation logging is configured per Region, in the stacks' own:
 * calls in another Region would be logged nowhere, and with the meter on telemetry no longer
 * counts their tokens either.
 */
function checkMetered(auth: AuthConfig, region: string | undefined): void {
  if (auth.federation === 'cognito') {
    throw new Error(
      'context meter=invocation-logs cannot be used with federation=cognito: every session of a Cognito identity pool ' +
        "carries the same role session name, so Bedrock's invocation records (which name the caller only by its role session) " +
        'cannot be attributed to a developer; use federation=direct, or meter=telemetry',
    );
  }
  if (region !== undefined && !Token.isUnresolved(region) && auth.bedrockRegions.some((r) => r !== region)) {
    throw new Error(
      `context meter=invocation-logs meters Bedrock calls in the stacks' Region only (${region}): Bedrock's invocation ` +
        `logging is configured per Region, so calls in ${auth.bedrockRegions.filter((r) => r !== region).join(', ')} would go uncounted; ` +
        `set bedrockRegions=${region}, or use meter=telemetry`,
    );
  }
}

/** The Auth stack's keys, read with `readConfig`'s accessors. */
function readAuth(
  get: (key: string) => string | undefined,
  int: (key: string, fallback: number, min: number, max: number) => number,
  oneOf: <T extends string>(key: string, allowed: readonly T[], fallback: T) => T,
  issuer: string,
  audiences: string[],
  region: string | undefined,
): AuthConfig {
  const federation = oneOf('federation', ['direct', 'cognito'] as const, 'direct');

  const regionsText = get('bedrockRegions');
  let bedrockRegions: string[];
  if (regionsText !== undefined) {
    bedrockRegions = [...new Set(regionsText.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
    if (bedrockRegions.length === 0) throw new Error('context bedrockRegions must name at least one AWS Region');
    for (const r of bedrockRegions) {
      if (!REGION.test(r)) {
        throw new Error(`context bedrockRegions: ${JSON.stringify(r)} is not an AWS Region name such as us-east-1`);
      }
    }
  } else if (region !== undefined && !Token.isUnresolved(region)) {
    bedrockRegions = [region];
  } else {
    throw new Error(
      'context bedrockRegions is required when the stacks have no Region of their own: the Regions developers may call Bedrock in, ' +
        'comma-separated (-c bedrockRegions=us-east-1,us-west-2)',
    );
  }

  const modelsText = get('allowedModels');
  let allowedModels: AllowedModel[] | undefined;
  if (modelsText !== undefined) {
    const ids = [...new Set(modelsText.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
    if (ids.length === 0) {
      throw new Error('context allowedModels must name at least one model id; leave it out to allow any Anthropic Claude model');
    }
    allowedModels = ids.map(parseModelId);
  }

  const providerText = get('providerType');
  if (providerText !== undefined && !(PROVIDER_TYPES as readonly string[]).includes(providerText)) {
    throw new Error(`context providerType must be one of ${PROVIDER_TYPES.join(', ')}, got ${JSON.stringify(providerText)}`);
  }
  const providerType = providerText as ProviderType | undefined;
  const userPool = cognitoUserPool(issuer);
  if (providerType === 'cognito' && userPool === undefined) {
    throw new Error(
      `context providerType is cognito but the issuer ${JSON.stringify(issuer)} is not a Cognito user pool ` +
        '(https://cognito-idp.<region>.amazonaws.com/<poolId>)',
    );
  }
  if (providerType !== undefined && providerType !== 'cognito' && userPool !== undefined) {
    throw new Error(`context providerType is ${providerType} but the issuer ${JSON.stringify(issuer)} is a Cognito user pool; use providerType=cognito or leave it out`);
  }

  const key = issuerKey(issuer);
  const sessionNameClaim = oneOf('sessionNameClaim', ['sub', 'email'] as const, 'sub');
  if (sessionNameClaim === 'email' && key !== GOOGLE_ISSUER_KEY) {
    throw new Error(
      `context sessionNameClaim=email needs the Google issuer (https://${GOOGLE_ISSUER_KEY}): IAM exposes a token's email as a ` +
        `condition key (${GOOGLE_ISSUER_KEY}:email) only for Google, so for ${JSON.stringify(issuer)} the session name can only be pinned to sub`,
    );
  }
  // Auth0's subjects are `<connection>|<id>`; an STS role session name allows only [\w+=,.@-],
  // so a session name equal to `sub` cannot exist and the pinned trust policy would admit no one.
  const auth0 = providerType === 'auth0' || /(^|\.)auth0\.com$/.test(key.split('/')[0]!);
  if (federation === 'direct' && sessionNameClaim === 'sub' && auth0) {
    throw new Error(
      "context sessionNameClaim=sub cannot work with federation=direct for Auth0: Auth0's sub values contain '|' (auth0|...), " +
        'which an STS role session name cannot hold; deploy with -c federation=cognito (the identity pool names the session itself)',
    );
  }

  const oidcProviderArn = get('oidcProviderArn');
  if (oidcProviderArn !== undefined) {
    const m = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/(.+)$/.exec(oidcProviderArn);
    if (!m) {
      throw new Error(
        `context oidcProviderArn must be the ARN of an IAM OIDC provider (arn:aws:iam::<account>:oidc-provider/${key}), got ${JSON.stringify(oidcProviderArn)}`,
      );
    }
    if (m[1]!.replace(/\/+$/, '') !== key) {
      throw new Error(`context oidcProviderArn names the provider ${m[1]}, not the issuer's (${key})`);
    }
    if (federation === 'cognito' && userPool !== undefined) {
      throw new Error(
        'context oidcProviderArn is not used with federation=cognito and a Cognito user pool issuer (the identity pool trusts the user pool itself); leave it out',
      );
    }
  }

  if (audiences.length === 0) {
    throw new Error('context audience must name at least one client id: the first is the one developers sign in with');
  }
  // The identity pool names the user pool's app client, whose ids are letters and digits.
  if (federation === 'cognito' && userPool !== undefined && !/^\w+$/.test(audiences[0]!)) {
    throw new Error(
      `context audience: ${JSON.stringify(audiences[0])} is not a Cognito user pool app client id (letters and digits), ` +
        'which the identity pool needs first in the list',
    );
  }

  return {
    federation,
    bedrockRegions,
    allowedModels,
    maxSessionSeconds: int('maxSessionSeconds', 28800, 3600, 43200),
    sessionNameClaim,
    oidcProviderArn,
    providerType,
    userPool,
  };
}
