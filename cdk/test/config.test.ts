import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { App } from 'aws-cdk-lib';
import { parseCidr, readConfig } from '../lib/config';
import { elfArchitecture, locateCode } from '../lib/lambda-code';
import { FUNCTIONS } from '../lib/quota-stack';
import { BASE_CONTEXT, ENV, elfHeader, fakeLambdaDir, resourceAt, synth, tempDir, variantApp } from './helpers';

// The stacks' Region, as buildApp passes it from the environment (the default of bedrockRegions).
const config = (context: Record<string, string>) => readConfig(new App({ context }).node, ENV.region);

describe('context', () => {
  test('defaults', () => {
    const c = config(BASE_CONTEXT);
    assert.equal(c.name, 'ccwb');
    assert.deepEqual(c.audiences, ['ccwb-cli', 'ccwb-helper']);
    assert.equal(c.deletionProtection, true);
    assert.equal(c.placeholderCode, false);
    assert.equal(c.lambdaArch, undefined);
    assert.equal(c.lambdaDir, path.resolve(__dirname, '..', '..', '..', 'target', 'lambda'));
    assert.deepEqual(c.settings, { adminGroups: 'ccwb-admins', identityClaims: 'email', failMode: 'closed', missingIdentity: 'deny', unverifiedEmail: 'deny', pricing: undefined });
    assert.equal(c.packageRetentionDays, 180);
    assert.equal(c.distributionAllowedIps, undefined);
    assert.equal(c.signerKeySerial, 1);
    assert.equal(c.analytics, true);
  });

  test('analytics: true or false, from the command line or cdk.json', () => {
    assert.equal(config({ ...BASE_CONTEXT, analytics: 'false' }).analytics, false);
    assert.equal(config({ ...BASE_CONTEXT, analytics: 'true' }).analytics, true);
    assert.equal(config({ ...BASE_CONTEXT, analytics: false as never }).analytics, false);
  });

  test('distributionAllowedIps: CIDR blocks as IAM and the functions read them', () => {
    assert.deepEqual(config({ ...BASE_CONTEXT, distributionAllowedIps: ' 10.0.0.0/8 ,, 192.0.2.1, 2001:db8::/32 ' }).distributionAllowedIps, [
      '10.0.0.0/8',
      '192.0.2.1/32',
      '2001:db8::/32',
    ]);
    // From cdk.json the value may be a list.
    assert.deepEqual(config({ ...BASE_CONTEXT, distributionAllowedIps: ['10.0.0.0/8', '::1'] as never }).distributionAllowedIps, [
      '10.0.0.0/8',
      '::1/128',
    ]);
    for (const ok of ['0.0.0.0/0', '203.0.113.128/25', '::ffff:192.0.2.0/120', '2001:db8:0:0:1::/80', 'fe80::/10']) {
      assert.equal(parseCidr(ok), ok);
    }
    const bad: [string, RegExp][] = [
      ['10.0.0.1/8', /bits set beyond its \/8 prefix/],
      ['2001:db8::1/32', /bits set beyond its \/32 prefix/],
      ['10.0.0.0/33', /prefix length that is not 0-32/],
      ['2001:db8::/129', /prefix length that is not 0-128/],
      ['10.0.0.0/', /prefix length/],
      ['10.0.0/8', /not an IP address or CIDR block/],
      ['fe80::1%eth0', /not an IP address or CIDR block/],
      ['10.0.0.0/8/8', /not an IP address or CIDR block/],
      ['example.com', /not an IP address or CIDR block/],
    ];
    for (const [raw, message] of bad) {
      assert.throws(() => parseCidr(raw), (err: Error) => message.test(err.message) && err.message.startsWith('context distributionAllowedIps'), raw);
    }
  });

  test('clientId stands in for audience', () => {
    assert.deepEqual(config({ issuer: 'https://idp.example.com', clientId: 'abc' }).audiences, ['abc']);
  });

  const refused: [string, Record<string, string>, RegExp][] = [
    ['no issuer', { audience: 'a' }, /context issuer is required/],
    ['a plain-http issuer', { issuer: 'http://idp.example.com', audience: 'a' }, /issuer must be an https URL/],
    ['no audience', { issuer: 'https://idp.example.com' }, /context audience \(or clientId\) is required/],
    ['a stack name with capitals', { ...BASE_CONTEXT, stackName: 'Ccwb' }, /context stackName/],
    ['a stack name too long for bucket names', { ...BASE_CONTEXT, stackName: 'a'.repeat(21) }, /context stackName/],
    ['an unknown fail mode', { ...BASE_CONTEXT, failMode: 'Open' }, /context failMode must be one of open, closed/],
    ['an unknown missing-identity mode', { ...BASE_CONTEXT, missingIdentity: 'yes' }, /context missingIdentity/],
    ['a retention CloudWatch does not offer', { ...BASE_CONTEXT, logRetentionDays: '10' }, /context logRetentionDays must be one of/],
    ['pricing that is not JSON', { ...BASE_CONTEXT, pricing: '{opus' }, /context pricing must be the JSON of CCWB_PRICING/],
    ['an empty admin group list', { ...BASE_CONTEXT, adminGroups: ' , ' }, /context adminGroups must name at least one value/],
    ['a boolean that is not', { ...BASE_CONTEXT, deletionProtection: 'no' }, /context deletionProtection must be true or false/],
    ['analytics that is neither true nor false', { ...BASE_CONTEXT, analytics: 'off' }, /context analytics must be true or false, got "off"/],
    ['an unknown architecture', { ...BASE_CONTEXT, lambdaArch: 'aarch64' }, /context lambdaArch must be arm64 or x86_64/],
    ['a download restriction that is no CIDR', { ...BASE_CONTEXT, distributionAllowedIps: '10.0.0.0/8,office' }, /context distributionAllowedIps: "office"/],
    ['an empty download restriction', { ...BASE_CONTEXT, distributionAllowedIps: ' , ' }, /distributionAllowedIps must name at least one CIDR block/],
    ['packages kept shorter than a link lives', { ...BASE_CONTEXT, packageRetentionDays: '7' }, /context packageRetentionDays must be a whole number from 8/],
    ['a signer key serial of 0', { ...BASE_CONTEXT, signerKeySerial: '0' }, /context signerKeySerial must be a whole number from 1/],
  ];
  for (const [what, context, message] of refused) {
    test(`refuses ${what}`, () => assert.throws(() => config(context), message));
  }
});

describe('Lambda code', () => {
  const tmp = () => tempDir('ccwb-cdk-test-');
  const binaries = FUNCTIONS.map((f) => f.binary);

  test('the architecture is read from the ELF header', () => {
    const dir = tmp();
    const write = (name: string, content: Buffer | string) => {
      fs.writeFileSync(path.join(dir, name), content);
      return path.join(dir, name);
    };
    assert.equal(elfArchitecture(write('arm', elfHeader('arm64'))), 'arm64');
    assert.equal(elfArchitecture(write('x86', elfHeader('x86_64'))), 'x86_64');
    assert.equal(elfArchitecture(write('script', '#!/bin/sh\necho hello there, this is long enough\n')), undefined);
    assert.equal(elfArchitecture(write('short', 'x')), undefined);
  });

  test('x86_64 binaries make x86_64 functions', () => {
    const { quotaTemplate } = synth({ lambdaDir: fakeLambdaDir('x86_64') });
    for (const spec of FUNCTIONS) {
      assert.deepEqual(resourceAt(quotaTemplate, `Quota/${spec.id}Function/Resource`).Properties.Architectures, ['x86_64']);
    }
  });

  test('a missing binary names its path and the fix', () => {
    const dir = fakeLambdaDir('arm64', binaries.filter((b) => b !== 'ccwb-status'));
    assert.throws(
      () => locateCode(binaries, { lambdaDir: dir, placeholder: false, placeholderRoot: tmp() }),
      (err: Error) => err.message.includes(path.join(dir, 'ccwb-status', 'bootstrap')) && err.message.includes('make build-lambdas'),
    );
  });

  test('binaries of two architectures are refused', () => {
    const dir = fakeLambdaDir('arm64');
    fs.writeFileSync(path.join(dir, 'ccwb-admin', 'bootstrap'), elfHeader('x86_64'));
    assert.throws(() => locateCode(binaries, { lambdaDir: dir, placeholder: false, placeholderRoot: tmp() }), /different architectures \(arm64: .*; x86_64: ccwb-admin\)/);
  });

  test('lambdaArch must match what was built', () => {
    const dir = fakeLambdaDir('x86_64');
    assert.throws(() => locateCode(binaries, { lambdaDir: dir, arch: 'arm64', placeholder: false, placeholderRoot: tmp() }), /lambdaArch is arm64 but the binaries .* are x86_64/);
    assert.equal(locateCode(binaries, { lambdaDir: dir, arch: 'x86_64', placeholder: false, placeholderRoot: tmp() }).architecture, 'x86_64');
  });

  test('placeholder code needs no build, says so, and cannot run', () => {
    const { quotaTemplate } = variantApp(); // lambdaDir does not exist
    const fn = resourceAt(quotaTemplate, 'Quota/CheckFunction/Resource').Properties;
    assert.equal(fn.Description, 'ccwb-check PLACEHOLDER, do not deploy');
    assert.deepEqual(fn.Architectures, ['arm64']);
    const code = locateCode(['ccwb-check'], { lambdaDir: '/nonexistent', placeholder: true, placeholderRoot: tmp() });
    assert.match(fs.readFileSync(path.join(code.dirs['ccwb-check']!, 'bootstrap'), 'utf8'), /exit 1/);
  });
});
