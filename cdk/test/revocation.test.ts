// Revocation within a minute (lib/revocation.ts, the Sweeper's statements in lib/quota-stack.ts):
// the sweeper writes deny policies on the developers' role, the usage table's stream starts it,
// and the Quota stack's deletion removes the policies. None of it with Cognito federation.
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AwsSolutionsChecks } from 'cdk-nag';
import { REVOCATION_FILTER } from '../lib/revocation';
import { ENV, cognitoApp, defaultApp, logicalId, resourceAt, resourcesOfType, variantApp } from './helpers';

const deployment = defaultApp();
const { quota, quotaTemplate: template } = deployment;
const resources = template.toJSON().Resources as Record<string, any>;
const revocation = quota.revocation!;
const sweeperId = logicalId(quota.functions.Sweeper!);
const sweeperArn = { 'Fn::GetAtt': [sweeperId, 'Arn'] };

/** The statements of a role's one inline policy. */
const statementsOf = (t: typeof template, path: string): any[] => {
  const policies = resourceAt(t, path).Properties.Policies;
  assert.equal(policies.length, 1, path);
  return policies[0].PolicyDocument.Statement;
};
const actionsOf = (statement: any): string[] => [statement.Action].flat();

/**
 * Whether a stream record matches an event filter pattern made only of exact values (what
 * `FilterRule.isEqual` writes): every key of the pattern present, its value one of those listed.
 */
function matches(pattern: any, record: any): boolean {
  return Object.entries(pattern).every(([key, wanted]) =>
    Array.isArray(wanted) ? wanted.includes(record?.[key]) : matches(wanted, record?.[key]),
  );
}

/** A keys-only stream record of the usage table, as Lambda hands it to a filter. */
const record = (eventName: string, pk: string) => ({
  eventName,
  eventSource: 'aws:dynamodb',
  dynamodb: { Keys: { pk: { S: pk }, sk: { S: 'dev@example.com' } }, StreamViewType: 'KEYS_ONLY' },
});

describe('revocation: the sweeper on the developers\' role', () => {
  const sweeper = statementsOf(template, 'Quota/SweeperRole/Resource');
  const denyPolicies = `arn:aws:iam::${ENV.account}:policy/ccwb/ccwb-revoked-*`;
  const role = `arn:aws:iam::${ENV.account}:role/ccwb-bedrock-developers`;

  test('it may attach and detach only the deployment\'s deny policies, and only on the developers\' role', () => {
    const attaching = sweeper.filter((st) => actionsOf(st).some((a) => /^iam:(Attach|Detach)/.test(a)));
    assert.deepEqual(attaching, [
      {
        Sid: 'AttachDenyPolicies',
        Effect: 'Allow',
        Action: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
        Resource: role,
        // Without it the sweeper could attach AdministratorAccess to every developer's role.
        Condition: { ArnLike: { 'iam:PolicyARN': denyPolicies } },
      },
    ]);
  });

  test('every other IAM call it may make is a read of the role, or on the deny policies themselves', () => {
    const iam = sweeper.filter((st) => actionsOf(st).some((a) => a.startsWith('iam:')) && st.Sid !== 'AttachDenyPolicies');
    assert.deepEqual(
      iam.map((st) => [st.Sid, actionsOf(st), st.Resource, st.Condition]),
      [
        ['FindDenyPolicies', ['iam:ListPolicies'], '*', undefined],
        ['ReadRolePolicies', ['iam:ListAttachedRolePolicies'], role, undefined],
        [
          'DenyPolicies',
          ['iam:CreatePolicy', 'iam:CreatePolicyVersion', 'iam:DeletePolicy', 'iam:DeletePolicyVersion', 'iam:GetPolicyVersion', 'iam:ListPolicyVersions'],
          denyPolicies,
          undefined,
        ],
      ],
    );
    // No passing of roles, no inline role policies, no boundary changes, no other role.
    for (const st of sweeper) {
      for (const action of actionsOf(st)) assert.doesNotMatch(action, /^iam:(PassRole|PutRole|DeleteRole|Update|Tag|CreateRole)/, st.Sid);
    }
  });

  test('the deny policies and the role follow the deployment name', () => {
    const { quotaTemplate } = variantApp();
    const attach = statementsOf(quotaTemplate, 'Quota/SweeperRole/Resource').find((st) => st.Sid === 'AttachDenyPolicies');
    assert.equal(attach.Resource, `arn:aws:iam::${ENV.account}:role/acme-bedrock-developers`);
    assert.deepEqual(attach.Condition, { ArnLike: { 'iam:PolicyARN': `arn:aws:iam::${ENV.account}:policy/ccwb/acme-revoked-*` } });
    const env = resourceAt(quotaTemplate, 'Quota/SweeperFunction/Resource').Properties.Environment.Variables;
    assert.deepEqual([env.CCWB_REVOCATION, env.CCWB_FEDERATED_ROLE], ['on', 'acme-bedrock-developers']);
  });

  test('its usage-table writes are limited to the outbox and REVOCATION partitions; the counters it only reads', () => {
    const usage = { 'Fn::GetAtt': [logicalId(quota.tables.usage), 'Arn'] };
    const onUsage = sweeper.filter((st) => [st.Resource].flat().some((r) => JSON.stringify(r) === JSON.stringify(usage)));
    assert.deepEqual(
      onUsage.map((st) => [st.Sid, actionsOf(st), st.Condition]),
      [
        ['Outbox', ['dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['OUTBOX#*'] } }],
        ['ReadQuotaInputs', ['dynamodb:BatchGetItem'], undefined],
        ['Revocations', ['dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['REVOCATION'] } }],
      ],
    );
  });

  test('ingest and the meter may write the REVOCATION item (UpdateItem on the usage table, no key condition)', () => {
    const usage = { 'Fn::GetAtt': [logicalId(quota.tables.usage), 'Arn'] };
    // The meter's role is in meter.test.ts; it has the same Usage statement as ingest's.
    const ingest = statementsOf(template, 'Quota/IngestRole/Resource').filter(
      (st) => actionsOf(st).includes('dynamodb:UpdateItem') && JSON.stringify(st.Resource) === JSON.stringify(usage),
    );
    assert.equal(ingest.length, 1);
    assert.equal(ingest[0].Condition, undefined);
  });
});

describe('revocation: the usage table\'s stream starts the sweeper', () => {
  test('the usage table has a keys-only stream, the other tables none', () => {
    const streams = Object.fromEntries(
      Object.values(resourcesOfType(template, 'AWS::DynamoDB::Table')).map((t) => [t.Properties.TableName, t.Properties.StreamSpecification]),
    );
    assert.deepEqual(streams, { 'ccwb-policies': undefined, 'ccwb-usage': { StreamViewType: 'KEYS_ONLY' }, 'ccwb-audit': undefined });
  });

  test('one event source mapping: the stream to the sweeper, at once, from the latest record, retried twice whole', () => {
    const mappings = Object.values(resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')).map((m) => m.Properties);
    assert.deepEqual(mappings, [
      {
        EventSourceArn: { 'Fn::GetAtt': [logicalId(quota.tables.usage), 'StreamArn'] },
        FunctionName: { Ref: sweeperId },
        StartingPosition: 'LATEST',
        BatchSize: 100,
        MaximumBatchingWindowInSeconds: 0,
        MaximumRetryAttempts: 2,
        BisectBatchOnFunctionError: false,
        FilterCriteria: { Filters: [{ Pattern: '{"eventName":["INSERT"],"dynamodb":{"Keys":{"pk":{"S":["REVOCATION"]}}}}' }] },
        Tags: [{ Key: 'ccwb:deployment', Value: 'ccwb' }],
      },
    ]);
  });

  test('the filter admits a REVOCATION item created, not its changes, removal or any other item', () => {
    const pattern = JSON.parse(REVOCATION_FILTER.pattern as string);
    assert.equal(matches(pattern, record('INSERT', 'REVOCATION')), true);
    // mark_applied and lift are the sweeper's own writes: they must not start it again.
    assert.equal(matches(pattern, record('MODIFY', 'REVOCATION')), false);
    assert.equal(matches(pattern, record('REMOVE', 'REVOCATION')), false);
    for (const pk of ['USAGE#dev@example.com#2025-01', 'OUTBOX#3', 'SESSION#abc', 'REVOCATIONS']) {
      assert.equal(matches(pattern, record('INSERT', pk)), false, pk);
    }
  });

  test('the schedule still runs it every minute, and the stream invokes it as its role (no resource policy)', () => {
    template.hasResourceProperties('AWS::Events::Rule', { Name: 'ccwb-sweeper', ScheduleExpression: 'rate(1 minute)' });
    const permissions = Object.values(resourcesOfType(template, 'AWS::Lambda::Permission')).filter(
      (p) => JSON.stringify(p.Properties.FunctionName) === JSON.stringify(sweeperArn),
    );
    assert.deepEqual(permissions.map((p) => p.Properties.Principal), ['events.amazonaws.com']);
    assert.equal(resourceAt(template, 'Quota/SweeperFunction/Resource').Properties.Timeout, 50);
  });
});

describe('revocation: the stack\'s deletion removes the deny policies', () => {
  const cleanupId = logicalId(revocation.cleanup);
  const framework = resourceAt(template, 'Quota/Revocation/Provider/framework-onEvent/Resource');
  const cleanupRole = resourceAt(template, 'Quota/Revocation/CleanupRole/Resource');
  const cleanupLogs = resourceAt(template, 'Quota/Revocation/CleanupLogs/Resource');

  test('a custom resource of the provider framework, whose handler is the sweeper', () => {
    assert.deepEqual(resources[cleanupId], {
      Type: 'Custom::RevocationCleanup',
      Properties: { ServiceToken: { 'Fn::GetAtt': [framework.id, 'Arn'] } },
      UpdateReplacePolicy: 'Delete',
      DeletionPolicy: 'Delete',
    });
    assert.deepEqual(framework.Properties.Environment.Variables, { USER_ON_EVENT_FUNCTION_ARN: sweeperArn });
    assert.equal(framework.Properties.FunctionName, 'ccwb-revocation-cleanup');
    assert.deepEqual(framework.Properties.Role, { 'Fn::GetAtt': [cleanupRole.id, 'Arn'] });
    assert.deepEqual(framework.Properties.LoggingConfig.LogGroup, { Ref: cleanupLogs.id });
    assert.equal(cleanupLogs.Properties.LogGroupName, '/aws/lambda/ccwb-revocation-cleanup');
    assert.equal(cleanupLogs.Properties.RetentionInDays, 30);
  });

  test('the framework\'s role may write its log and invoke the sweeper, nothing else', () => {
    assert.deepEqual(cleanupRole.Properties.AssumeRolePolicyDocument.Statement, [
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
    ]);
    assert.equal(cleanupRole.Properties.ManagedPolicyArns, undefined);
    assert.deepEqual(statementsOf(template, 'Quota/Revocation/CleanupRole/Resource'), [
      {
        Sid: 'WriteLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [cleanupLogs.id, 'Arn'] },
      },
      { Sid: 'InvokeSweeper', Effect: 'Allow', Action: ['lambda:GetFunction', 'lambda:InvokeFunction'], Resource: sweeperArn },
    ]);
    // The framework's own grants went nowhere: the role was handed over immutable.
    assert.deepEqual(resourcesOfType(template, 'AWS::IAM::Policy'), {});
  });

  test('the trigger and the schedule go before the clean-up runs, so no run writes a policy after it', () => {
    for (const path of ['Quota/Revocation/Trigger/Resource', 'Quota/SweeperSchedule/Resource']) {
      const id = resourceAt(template, path).id;
      assert.ok((resources[id].DependsOn ?? []).includes(cleanupId), path);
    }
  });

  test('the Quota stack depends on the Auth stack, so destroying them deletes Quota (and the policies) first', () => {
    assert.ok(quota.dependencies.includes(deployment.auth));
    assert.deepEqual(deployment.auth.dependencies, []);
    const manifest = deployment.app.synth().manifest.artifacts!;
    assert.ok(manifest.Quota!.dependencies!.includes('Auth'), JSON.stringify(manifest.Quota!.dependencies));
  });

  test('cdk-nag passes the provider framework without an acknowledgement of its own', () => {
    const report = new AwsSolutionsChecks().validateScope(revocation);
    assert.deepEqual(report.violations, []);
  });
});

describe('revocation: none of it with Cognito federation', () => {
  const cognito = cognitoApp();
  const t = cognito.quotaTemplate;

  test('no stream, no trigger, no clean-up, no dependency on the Auth stack', () => {
    assert.equal(cognito.quota.revocation, undefined);
    for (const table of Object.values(resourcesOfType(t, 'AWS::DynamoDB::Table'))) {
      assert.equal(table.Properties.StreamSpecification, undefined, table.Properties.TableName);
    }
    assert.deepEqual(resourcesOfType(t, 'AWS::Lambda::EventSourceMapping'), {});
    assert.deepEqual(resourcesOfType(t, 'Custom::RevocationCleanup'), {});
    assert.ok(!JSON.stringify(t.toJSON()).includes('revocation-cleanup'));
    assert.ok(!cognito.quota.dependencies.includes(cognito.auth));
    assert.equal(cognito.auth.boundary, undefined);
  });

  test('the sweeper is told revocation is off, is not given the role, and may make no IAM call', () => {
    const env = resourceAt(t, 'Quota/SweeperFunction/Resource').Properties.Environment.Variables;
    assert.equal(env.CCWB_REVOCATION, 'off');
    assert.equal(env.CCWB_FEDERATED_ROLE, undefined);
    const sweeper = statementsOf(t, 'Quota/SweeperRole/Resource');
    assert.deepEqual(sweeper.map((st) => st.Sid), ['WriteLogs', 'Audit', 'FindPendingAudit', 'DeliverAudit', 'Outbox', 'DeliverUsage']);
    assert.deepEqual(actionsOf(sweeper.find((st) => st.Sid === 'Audit')), ['dynamodb:UpdateItem']);
    for (const [id, resource] of Object.entries(t.toJSON().Resources as Record<string, any>)) {
      if (resource.Type === 'AWS::IAM::Role') assert.ok(!JSON.stringify(resource).includes('"iam:'), id);
    }
  });

  test('cdk-nag is clean', () => {
    assert.deepEqual(new AwsSolutionsChecks().validateScope(cognito.app).violations, []);
  });
});
