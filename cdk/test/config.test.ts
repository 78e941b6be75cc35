import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { App } from 'aws-cdk-lib';
import { readConfig } from '../lib/config';
import { elfArchitecture, locateCode } from '../lib/lambda-code';
import { FUNCTIONS } from '../lib/quota-stack';
import { BASE_CONTEXT, elfHeader, fakeLambdaDir, resourceAt, synth, tempDir, variantApp } from './helpers';

const config = (context: Record<string, string>) => readConfig(new App({ context }).node);

describe('context', () => {
  test('defaults', () => {
    const c = config(BASE_CONTEXT);
    assert.equal(c.name, 'ccwb');
    assert.deepEqual(c.audiences, ['ccwb-cli', 'ccwb-helper']);
    assert.equal(c.deletionProtection, true);
    assert.equal(c.placeholderCode, false);
    assert.equal(c.lambdaArch, undefined);
    assert.equal(c.lambdaDir, path.resolve(__dirname, '..', '..', '..', 'target', 'lambda'));
    assert.deepEqual(c.settings, { adminGroups: 'ccwb-admins', identityClaims: 'email', failMode: 'closed', missingIdentity: 'deny', pricing: undefined });
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
    ['an unknown architecture', { ...BASE_CONTEXT, lambdaArch: 'aarch64' }, /context lambdaArch must be arm64 or x86_64/],
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
