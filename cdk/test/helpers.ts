import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { type CcwbStacks, addAuthStack, buildApp } from '../lib/app';
import type { AuthStack } from '../lib/auth-stack';
import { readConfig } from '../lib/config';
import { resourceNames } from '../lib/names';
import { FUNCTIONS, METER } from '../lib/quota-stack';

/** The cdk/ directory (tests run from cdk/dist/test/). */
export const CDK_DIR = path.resolve(__dirname, '..', '..');

export const ENV = { account: '111111111111', region: 'us-east-1' };
export const ISSUER = 'https://idp.example.com/realms/ccwb';

/** What the tests configure unless they say otherwise. */
export const BASE_CONTEXT: Record<string, string> = {
  issuer: ISSUER,
  audience: 'ccwb-cli,ccwb-helper',
};

/** `cdk.json`'s context (the feature flags), so tests synthesise what `cdk synth` does. */
const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(fs.readFileSync(path.join(CDK_DIR, 'cdk.json'), 'utf8')).context;

/** Temporary directories made by these helpers, removed when the process exits. */
const temporary: string[] = [];
process.on('exit', () => {
  for (const dir of temporary) fs.rmSync(dir, { recursive: true, force: true });
});
/** A new temporary directory, removed at exit. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

/** ELF `e_machine` values. */
const MACHINES = { arm64: 0xb7, x86_64: 0x3e } as const;

/** The first 64 bytes of a 64-bit little-endian Linux executable for `arch`. */
export function elfHeader(arch: keyof typeof MACHINES): Buffer {
  const header = Buffer.alloc(64);
  header.writeUInt32BE(0x7f454c46, 0); // \x7fELF
  header[4] = 2; // 64-bit
  header[5] = 1; // little-endian
  header[6] = 1; // version
  header.writeUInt16LE(2, 16); // executable
  header.writeUInt16LE(MACHINES[arch], 18);
  return header;
}

/** A directory laid out as `cargo lambda build` leaves target/lambda, with fake executables (every binary, ccwb-meter too). */
export function fakeLambdaDir(arch: keyof typeof MACHINES, binaries = [...FUNCTIONS, METER].map((f) => f.binary)): string {
  const dir = tempDir('ccwb-cdk-lambda-');
  for (const binary of binaries) {
    fs.mkdirSync(path.join(dir, binary));
    fs.writeFileSync(path.join(dir, binary, 'bootstrap'), elfHeader(arch), { mode: 0o755 });
  }
  return dir;
}

export interface Synthesised extends CcwbStacks {
  readonly app: App;
  readonly quotaTemplate: Template;
  readonly analyticsTemplate: Template;
  readonly authTemplate: Template;
}

/** Builds the app with `context` over the base context and synthesises every stack. */
export function synth(context: Record<string, string> = {}): Synthesised {
  const app = new App({
    outdir: tempDir('ccwb-cdk-out-'),
    context: { ...CDK_JSON_CONTEXT, ...BASE_CONTEXT, lambdaDir: fakeLambdaDir('arm64'), ...context },
  });
  const stacks = buildApp(app, ENV);
  const quotaTemplate = Template.fromStack(stacks.quota);
  const analyticsTemplate = Template.fromStack(stacks.analytics);
  const authTemplate = Template.fromStack(stacks.auth);
  stacksByTemplate.set(quotaTemplate, stacks.quota);
  stacksByTemplate.set(analyticsTemplate, stacks.analytics);
  stacksByTemplate.set(authTemplate, stacks.auth);
  return { app, ...stacks, quotaTemplate, analyticsTemplate, authTemplate };
}

/**
 * The Auth stack alone, as `buildApp` makes it, with `context` over the base context: no
 * Lambda code and no other stack to synthesise, so trying many settings stays cheap.
 */
export function synthAuth(context: Record<string, string> = {}): { app: App; stack: AuthStack; template: Template } {
  const app = new App({ outdir: tempDir('ccwb-cdk-out-'), context: { ...CDK_JSON_CONTEXT, ...BASE_CONTEXT, ...context } });
  const config = readConfig(app.node, ENV.region);
  const stack = addAuthStack(app, config, resourceNames(config.name), ENV);
  const template = Template.fromStack(stack);
  stacksByTemplate.set(template, stack);
  return { app, stack, template };
}

const stacksByTemplate = new Map<Template, Stack>();

let cached: Synthesised | undefined;
/** The default deployment, synthesised once per process. */
export function defaultApp(): Synthesised {
  cached ??= synth();
  return cached;
}

/**
 * Every optional setting changed at once, on placeholder code (no build at all): one synth
 * serves every "follows context" test, since each synth costs about a second.
 */
export const VARIANT_CONTEXT: Record<string, string> = {
  stackName: 'acme',
  lambdaDir: '/nonexistent',
  placeholderCode: 'true',
  throttleRate: '7',
  throttleBurst: '9',
  adminGroups: 'ops, platform',
  identityClaims: 'email,upn',
  failMode: 'open',
  missingIdentity: 'allow',
  unverifiedEmail: 'accept',
  pricing: '{"opus":{"input":15}}',
  alertEmail: 'ops@example.com',
  deletionProtection: 'false',
  dataRetentionDays: '400',
  logRetentionDays: '90',
  checkP99Ms: '500',
  // A bare address becomes a /32; IPv6 blocks are passed on as written.
  distributionAllowedIps: '203.0.113.0/24, 2001:db8::/32,198.51.100.7',
  packageRetentionDays: '30',
  signerKeySerial: '3',
  meter: 'invocation-logs',
  meterLogRetentionDays: '14',
};

let variant: Synthesised | undefined;
/** The deployment with `VARIANT_CONTEXT`, synthesised once per process. */
export function variantApp(): Synthesised {
  variant ??= synth(VARIANT_CONTEXT);
  return variant;
}

let metered: Synthesised | undefined;
/** The default deployment metering Bedrock's invocation records (`meter=invocation-logs`), synthesised once per process. */
export function meterApp(): Synthesised {
  metered ??= synth({ meter: 'invocation-logs' });
  return metered;
}

let cognito: Synthesised | undefined;
/** The default deployment with Cognito federation (no revocation), synthesised once per process. */
export function cognitoApp(): Synthesised {
  cognito ??= synth({ federation: 'cognito' });
  return cognito;
}

let archiveOnly: Synthesised | undefined;
/** The default deployment without Athena reports (`analytics=false`), synthesised once per process. */
export function archiveOnlyApp(): Synthesised {
  archiveOnly ??= synth({ analytics: 'false' });
  return archiveOnly;
}

/** The logical id of `construct`'s CloudFormation resource. */
export function logicalId(construct: IConstruct): string {
  const resource = construct.node.defaultChild ?? construct;
  return Stack.of(construct).getLogicalId(resource as never);
}

/**
 * The resource at construct path `cdkPath` (e.g. `Quota/CheckRole/Resource`) of a template,
 * found through the construct tree (the templates carry no path metadata outside the CLI).
 */
export function resourceAt(template: Template, cdkPath: string): { id: string; Properties: Record<string, any> } {
  const [stackId, ...rest] = cdkPath.split('/');
  const stack = stacksByTemplate.get(template);
  if (!stack || stack.node.id !== stackId) throw new Error(`${cdkPath} is not in this template`);
  const construct = rest.reduce<IConstruct>((node, id) => node.node.findChild(id), stack);
  const id = stack.getLogicalId(construct as never);
  const resource = (template.toJSON().Resources as Record<string, any>)[id];
  if (!resource) throw new Error(`no resource ${id} at ${cdkPath}`);
  return { id, Properties: resource.Properties };
}

/** Every resource of `type` in a template, by logical id. */
export function resourcesOfType(template: Template, type: string): Record<string, any> {
  return template.findResources(type);
}

/**
 * The dashboard body of a synthesised Quota stack as JSON, with each CloudFormation value in
 * it written as cdk-nag does (`<Id.Arn>` for GetAtt, `<Id>` for Ref).
 */
export function dashboardBody(s: Synthesised): { start?: string; widgets: any[] } {
  const body = resourceAt(s.quotaTemplate, 'Quota/Dashboard/Dashboard/Resource').Properties.DashboardBody;
  const parts: unknown[] = typeof body === 'string' ? [body] : body['Fn::Join'][1];
  const text = parts
    .map((p: any) => (typeof p === 'string' ? p : p.Ref ? `<${p.Ref}>` : `<${p['Fn::GetAtt'].join('.')}>`))
    .join('');
  return JSON.parse(text);
}

/**
 * Asserts what every bucket of the deployment is: encrypted with S3-managed keys, closed to
 * public access and ACLs (the bucket owner owns every object), and retained when the stack goes.
 */
export function assertPrivateBucket(bucket: { Properties: Record<string, any>; DeletionPolicy?: string }, id: string): void {
  assert.deepEqual(
    bucket.Properties.BucketEncryption,
    { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    id,
  );
  assert.deepEqual(
    bucket.Properties.PublicAccessBlockConfiguration,
    { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    id,
  );
  assert.deepEqual(bucket.Properties.OwnershipControls, { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] }, id);
  assert.equal(bucket.DeletionPolicy, 'Retain', id);
}

/** The bucket policy statement refusing every request to the bucket `arn` without TLS. */
export function plainHttpDenial(arn: unknown): Record<string, unknown> {
  return {
    Action: 's3:*',
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Resource: [arn, { 'Fn::Join': ['', [arn, '/*']] }],
  };
}
