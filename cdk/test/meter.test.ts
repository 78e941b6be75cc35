// meter=invocation-logs: Bedrock's model invocation logging into a log group of the deployment,
// and the meter function its subscription feeds (lib/meter.ts, METER in lib/quota-stack.ts).
import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { App } from 'aws-cdk-lib';
import { readConfig } from '../lib/config';
import { loggingConfig } from '../lib/meter';
import { FUNCTIONS, METER, functionsOf } from '../lib/quota-stack';
import { BASE_CONTEXT, ENV, defaultApp, logicalId, meterApp, resourceAt, resourcesOfType, synth, variantApp } from './helpers';

const metered = meterApp();
const { quota, quotaTemplate: template } = metered;
const resources = template.toJSON().Resources as Record<string, any>;
const logging = quota.invocationLogging!;
const getAtt = (construct: Parameters<typeof logicalId>[0]) => ({ 'Fn::GetAtt': [logicalId(construct), 'Arn'] });
const logGroupArn = `arn:aws:logs:${ENV.region}:${ENV.account}:log-group:/aws/bedrock/ccwb/invocations`;

/** A custom resource's call (`Create`, `Update`, `Delete`) as JSON, CloudFormation values as cdk-nag writes them. */
function sdkCall(value: unknown): any {
  const parts: unknown[] = typeof value === 'string' ? [value] : (value as any)['Fn::Join'][1];
  const text = parts
    .map((p: any) => (typeof p === 'string' ? p : p.Ref ? `<${p.Ref}>` : `<${p['Fn::GetAtt'].join('.')}>`))
    .join('');
  return JSON.parse(text);
}

/** A statement with single values as one-element lists and lists sorted, for comparison. */
const normal = (s: any) => {
  const list = (v: unknown) => (Array.isArray(v) ? v : [v]).map((x) => JSON.stringify(x)).sort();
  return { Sid: s.Sid, Effect: s.Effect, Action: list(s.Action), Resource: list(s.Resource), Condition: s.Condition };
};
const statements = (role: { Properties: Record<string, any> }) =>
  role.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement).map(normal).sort((a: any, b: any) => a.Sid.localeCompare(b.Sid));
const allow = (Sid: string, Action: string[], Resource: unknown[], Condition?: unknown) => normal({ Sid, Effect: 'Allow', Action, Resource, Condition });

describe('meter=telemetry (the default)', () => {
  const { quotaTemplate } = defaultApp();
  const json = JSON.stringify(quotaTemplate.toJSON());

  test('deploys nothing of the meter', () => {
    assert.equal(readConfig(new App({ context: BASE_CONTEXT }).node, ENV.region).meter, 'telemetry');
    assert.deepEqual(functionsOf({ meter: 'telemetry' }), FUNCTIONS);
    assert.ok(!FUNCTIONS.includes(METER));
    assert.equal(defaultApp().quota.invocationLogging, undefined);
    for (const type of ['AWS::Logs::SubscriptionFilter', 'Custom::BedrockInvocationLogging']) {
      assert.deepEqual(resourcesOfType(quotaTemplate, type), {}, type);
    }
    assert.equal(Object.keys(resourcesOfType(quotaTemplate, 'AWS::KMS::Key')).length, 1, 'only the alert key');
    for (const text of ['ccwb-meter', '/aws/bedrock/', 'bedrock.amazonaws.com', 'ModelInvocationLogging', 'CCWB_METER']) {
      assert.ok(!json.includes(text), text);
    }
    // The developers' role is named for the sweeper alone (revocation, revocation.test.ts).
    for (const spec of FUNCTIONS) {
      const env = resourceAt(quotaTemplate, `Quota/${spec.id}Function/Resource`).Properties.Environment.Variables;
      assert.equal(env.CCWB_FEDERATED_ROLE, spec.id === 'Sweeper' ? 'ccwb-bedrock-developers' : undefined, spec.id);
    }
    const outputs = Object.keys(quotaTemplate.toJSON().Outputs);
    assert.ok(!outputs.includes('MeterFunctionName') && !outputs.includes('InvocationLogGroupName'));
  });
});

describe('meter=invocation-logs', () => {
  test('the invocation log group: named for the deployment, kept a week, encrypted with a rotated key of its own', () => {
    const group = resources[logicalId(logging.logGroup)];
    assert.deepEqual(group.Properties, {
      LogGroupName: '/aws/bedrock/ccwb/invocations',
      RetentionInDays: 7,
      KmsKeyId: getAtt(logging.key),
      Tags: [{ Key: 'ccwb:deployment', Value: 'ccwb' }],
    });
    assert.equal(group.DeletionPolicy, 'Delete');
    const key = resources[logicalId(logging.key)];
    assert.equal(key.Properties.EnableKeyRotation, true);
    assert.equal(key.Properties.PendingWindowInDays, 7);
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/ccwb-invocation-logs', TargetKeyId: getAtt(logging.key) });
    const outputs = template.toJSON().Outputs as Record<string, any>;
    assert.deepEqual(outputs.InvocationLogGroupName.Value, { Ref: logicalId(logging.logGroup) });
  });

  test('its name and retention follow context (stackName, meterLogRetentionDays)', () => {
    const variant = variantApp();
    const group = resourceAt(variant.quotaTemplate, 'Quota/InvocationLogging/LogGroup/Resource');
    assert.equal(group.Properties.LogGroupName, '/aws/bedrock/acme/invocations');
    assert.equal(group.Properties.RetentionInDays, 14);
    // The other log groups keep logRetentionDays.
    assert.equal(resourceAt(variant.quotaTemplate, 'Quota/MeterLogs/Resource').Properties.RetentionInDays, 90);
  });

  test('the key lets CloudWatch Logs of this Region use it for the invocation log group only', () => {
    const policy = resources[logicalId(logging.key)].Properties.KeyPolicy.Statement;
    assert.equal(policy.length, 2);
    assert.deepEqual(policy[0], { Action: 'kms:*', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ENV.account}:root` }, Resource: '*' });
    assert.deepEqual(policy[1], {
      Sid: 'CloudWatchLogsEncryptInvocationLogs',
      Effect: 'Allow',
      Principal: { Service: `logs.${ENV.region}.amazonaws.com` },
      Action: ['kms:Decrypt*', 'kms:Describe*', 'kms:Encrypt*', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
      Resource: '*',
      Condition: { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': logGroupArn } },
    });
  });

  test("Bedrock's role: assumed by Bedrock for this account and Region only, writing only Bedrock's stream of the group", () => {
    const role = resources[logicalId(logging.deliveryRole)];
    assert.deepEqual(role.Properties.AssumeRolePolicyDocument.Statement, [
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'bedrock.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': ENV.account },
          ArnLike: { 'aws:SourceArn': `arn:aws:bedrock:${ENV.region}:${ENV.account}:*` },
        },
      },
    ]);
    assert.equal(role.Properties.ManagedPolicyArns, undefined);
    assert.deepEqual(statements(role), [
      allow('WriteInvocationRecords', ['logs:CreateLogStream', 'logs:PutLogEvents'], [`${logGroupArn}:log-stream:aws/bedrock/modelinvocations`]),
    ]);
    // Nothing else grants it anything, and only the logging configuration names it.
    const roleId = logicalId(logging.deliveryRole);
    const mentions = Object.entries(resources).filter(([id, r]) => id !== roleId && JSON.stringify(r).includes(`"${roleId}"`));
    assert.deepEqual(
      mentions.map(([id]) => id).sort(),
      [logicalId(logging.configuration.node.findChild('Resource')), logicalId(logging.configurationRole)].sort(),
    );
  });

  test("the custom resource puts this Region's logging configuration, metadata only, and deletes it with the stack", () => {
    const resource = resourceAt(template, 'Quota/InvocationLogging/Configuration/Resource/Default');
    const props = resource.Properties;
    const put = {
      service: 'bedrock',
      action: 'PutModelInvocationLoggingConfiguration',
      parameters: {
        loggingConfig: {
          cloudWatchConfig: { logGroupName: `<${logicalId(logging.logGroup)}>`, roleArn: `<${logicalId(logging.deliveryRole)}.Arn>` },
          textDataDeliveryEnabled: false,
          imageDataDeliveryEnabled: false,
          embeddingDataDeliveryEnabled: false,
          videoDataDeliveryEnabled: false,
          audioDataDeliveryEnabled: false,
        },
      },
      // The same id on every update: CloudFormation never deletes an "old" configuration.
      physicalResourceId: { id: 'ccwb-invocation-logging' },
    };
    assert.deepEqual(sdkCall(props.Create), put);
    assert.deepEqual(sdkCall(props.Update), put);
    assert.deepEqual(sdkCall(props.Delete), { service: 'bedrock', action: 'DeleteModelInvocationLoggingConfiguration' });
    assert.equal(props.InstallLatestAwsSdk, false);
    assert.equal(resources[resource.id].Type, 'Custom::BedrockInvocationLogging');
    // No data of any modality: every delivery flag there is, each false.
    const config = loggingConfig('g', 'r');
    const flags = Object.keys(config).filter((k) => k.endsWith('DataDeliveryEnabled'));
    assert.deepEqual(flags.sort(), ['audio', 'embedding', 'image', 'text', 'video'].map((m) => `${m}DataDeliveryEnabled`));
    assert.ok(flags.every((f) => config[f] === false));
  });

  test("the custom resource's function: its own role and log group, allowed only the configuration and passing Bedrock's role", () => {
    const fn = resourceAt(template, 'Quota/AWS679f53fac002430cb0da5b7982bd2287/Resource').Properties;
    assert.equal(fn.FunctionName, 'ccwb-invocation-logging');
    assert.deepEqual(fn.Role, getAtt(logging.configurationRole));
    const logs = resourceAt(template, 'Quota/InvocationLogging/ConfigurationLogs/Resource');
    assert.deepEqual(fn.LoggingConfig, { LogGroup: { Ref: logs.id } });
    assert.equal(logs.Properties.LogGroupName, '/aws/lambda/ccwb-invocation-logging');
    assert.equal(logs.Properties.RetentionInDays, 30);
    const role = resources[logicalId(logging.configurationRole)];
    assert.deepEqual(role.Properties.AssumeRolePolicyDocument.Statement, [
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
    ]);
    assert.equal(role.Properties.ManagedPolicyArns, undefined, 'no managed policies');
    assert.deepEqual(statements(role), [
      allow(
        'InvocationLoggingConfiguration',
        ['bedrock:DeleteModelInvocationLoggingConfiguration', 'bedrock:PutModelInvocationLoggingConfiguration'],
        ['*'],
      ),
      allow('PassDeliveryRole', ['iam:PassRole'], [getAtt(logging.deliveryRole)], { StringEquals: { 'iam:PassedToService': 'bedrock.amazonaws.com' } }),
      allow('WriteLogs', ['logs:CreateLogStream', 'logs:PutLogEvents'], [{ 'Fn::GetAtt': [logs.id, 'Arn'] }]),
    ]);
    // Nothing adds a policy of its own to any role (the custom resource is given no policy).
    assert.deepEqual(resourcesOfType(template, 'AWS::IAM::Policy'), {});
  });

  test('the Meter role has exactly its statements', () => {
    const { policies, usage } = quota.tables;
    const role = resourceAt(template, 'Quota/MeterRole/Resource');
    assert.deepEqual(role.Properties.AssumeRolePolicyDocument.Statement, [
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
    ]);
    assert.equal(role.Properties.ManagedPolicyArns, undefined);
    assert.equal(role.Properties.Policies.length, 1);
    assert.deepEqual(statements(role), [
      allow('EncryptAlerts', ['kms:Decrypt', 'kms:GenerateDataKey'], [{ 'Fn::GetAtt': [resourceAt(template, 'Quota/AlertKey/Resource').id, 'Arn'] }]),
      allow('PublishAlerts', ['sns:Publish'], [{ Ref: logicalId(quota.alertTopic) }]),
      allow('ReadPolicies', ['dynamodb:BatchGetItem'], [getAtt(policies)]),
      allow('Usage', ['dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], [getAtt(usage)]),
      allow('WriteLogs', ['logs:CreateLogStream', 'logs:PutLogEvents'], [{ 'Fn::GetAtt': [resourceAt(template, 'Quota/MeterLogs/Resource').id, 'Arn'] }]),
    ]);
    // The alerts it sends are ingest's: the same statements, without what only ingest does
    // (the usage stream).
    const ingest = statements(resourceAt(template, 'Quota/IngestRole/Resource')).filter((s: any) => !['CopyUsage', 'WriteLogs'].includes(s.Sid));
    assert.deepEqual(
      ingest,
      statements(role).filter((s: any) => s.Sid !== 'WriteLogs'),
    );
  });

  test('the meter function: ccwb-meter, off the API and any schedule, with the shared names and the developers\' role', () => {
    assert.deepEqual(functionsOf({ meter: 'invocation-logs' }), [...FUNCTIONS, METER]);
    const fnId = logicalId(quota.functions.Meter!);
    const fn = resources[fnId].Properties;
    assert.equal(fn.FunctionName, 'ccwb-meter');
    assert.equal(fn.Runtime, 'provided.al2023');
    assert.deepEqual(fn.Architectures, ['arm64']);
    assert.match(fn.Description, /^ccwb-meter \d+\.\d+\.\d+/);
    assert.equal(fn.Timeout, 60);
    // The names and settings every function gets (the Check function's, which adds none of its
    // own), and the developers' role whose sessions are counted.
    const shared = resourceAt(template, 'Quota/CheckFunction/Resource').Properties.Environment.Variables;
    assert.equal(shared.CCWB_STACK_NAME, 'ccwb');
    assert.deepEqual(fn.Environment.Variables, { ...shared, CCWB_FEDERATED_ROLE: 'ccwb-bedrock-developers' });
    assert.equal(resourceAt(variantApp().quotaTemplate, 'Quota/MeterFunction/Resource').Properties.Environment.Variables.CCWB_FEDERATED_ROLE, 'acme-bedrock-developers');
    assert.deepEqual(METER.routes, []);
    assert.equal(METER.schedule, undefined);
    const mentions = (value: unknown) => JSON.stringify(value).includes(`"${fnId}"`);
    for (const integration of Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Integration'))) {
      assert.ok(!mentions(integration.Properties.IntegrationUri));
    }
    for (const rule of Object.values(resourcesOfType(template, 'AWS::Events::Rule'))) assert.ok(!mentions(rule.Properties.Targets));
    const outputs = template.toJSON().Outputs as Record<string, any>;
    assert.deepEqual(outputs.MeterFunctionName.Value, { Ref: fnId });
  });

  test('the subscription hands every record of the invocation log group to the meter, which only it may invoke', () => {
    const fnArn = getAtt(quota.functions.Meter!);
    assert.deepEqual(Object.values(resourcesOfType(template, 'AWS::Logs::SubscriptionFilter')).map((f) => f.Properties), [
      { DestinationArn: fnArn, FilterName: 'ccwb-meter', FilterPattern: '', LogGroupName: { Ref: logicalId(logging.logGroup) } },
    ]);
    const permissions = Object.values(resourcesOfType(template, 'AWS::Lambda::Permission'))
      .map((p) => p.Properties)
      .filter((p) => JSON.stringify(p.FunctionName) === JSON.stringify(fnArn));
    assert.deepEqual(permissions, [
      { Action: 'lambda:InvokeFunction', FunctionName: fnArn, Principal: 'logs.amazonaws.com', SourceArn: getAtt(logging.logGroup) },
    ]);
  });

  test('ingest gets CCWB_METER=invocation-logs (telemetry then counts no tokens), no other function does', () => {
    for (const spec of functionsOf({ meter: 'invocation-logs' })) {
      const env = resourceAt(template, `Quota/${spec.id}Function/Resource`).Properties.Environment.Variables;
      assert.equal(env.CCWB_METER, spec.id === 'Ingest' ? 'invocation-logs' : undefined, spec.id);
      // The meter counts the developers' role's invocations, the sweeper denies on it.
      assert.equal(env.CCWB_FEDERATED_ROLE, ['Meter', 'Sweeper'].includes(spec.id) ? 'ccwb-bedrock-developers' : undefined, spec.id);
    }
    const ingest = resourceAt(defaultApp().quotaTemplate, 'Quota/IngestFunction/Resource').Properties.Environment.Variables;
    assert.equal(ingest.CCWB_METER, undefined);
  });

  test('the meter alarms on its errors, and its failures are on the dashboard', () => {
    const alarm = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm'))
      .map((a) => a.Properties)
      .find((a) => a.AlarmName === 'ccwb-meter-errors');
    assert.ok(alarm);
    assert.equal(alarm.MetricName, 'Errors');
    assert.deepEqual(alarm.Dimensions, [{ Name: 'FunctionName', Value: { Ref: logicalId(quota.functions.Meter!) } }]);
    assert.deepEqual(alarm.AlarmActions, [{ Ref: logicalId(quota.alertTopic) }]);
    const body = JSON.stringify(resourceAt(template, 'Quota/Dashboard/Dashboard/Resource').Properties.DashboardBody);
    assert.ok(body.includes(`"${logicalId(quota.functions.Meter!)}"`));
  });

  test('the Auth and Analytics stacks do not change', () => {
    assert.deepEqual(metered.authTemplate.toJSON(), defaultApp().authTemplate.toJSON());
    assert.deepEqual(metered.analyticsTemplate.toJSON(), defaultApp().analyticsTemplate.toJSON());
  });
});

describe('meter context', () => {
  const config = (context: Record<string, string>) => readConfig(new App({ context: { ...BASE_CONTEXT, ...context } }).node, ENV.region);

  test('meter and meterLogRetentionDays', () => {
    const c = config({ meter: 'invocation-logs', meterLogRetentionDays: '30' });
    assert.equal(c.meter, 'invocation-logs');
    assert.equal(c.meterLogRetentionDays, 30);
    assert.equal(config({}).meterLogRetentionDays, 7);
    assert.equal(config({ meter: 'telemetry' }).meter, 'telemetry');
  });

  const refused: [string, Record<string, string>, RegExp][] = [
    ['an unknown meter', { meter: 'bedrock' }, /^Error: context meter must be one of telemetry, invocation-logs, got "bedrock"$/],
    ['a meter log retention CloudWatch does not offer', { meter: 'invocation-logs', meterLogRetentionDays: '10' }, /^Error: context meterLogRetentionDays must be one of 1, 3, 5, 7,/],
    [
      'the meter with Cognito federation, whose sessions all carry one name',
      { meter: 'invocation-logs', federation: 'cognito' },
      /^Error: context meter=invocation-logs cannot be used with federation=cognito: every session of a Cognito identity pool carries the same role session name/,
    ],
    [
      'the meter with Bedrock Regions beside the stacks\' own',
      { meter: 'invocation-logs', bedrockRegions: 'us-east-1,us-west-2' },
      /^Error: context meter=invocation-logs meters Bedrock calls in the stacks' Region only \(us-east-1\).* calls in us-west-2 would go uncounted; set bedrockRegions=us-east-1/,
    ],
  ];
  for (const [what, context, message] of refused) {
    test(`refuses ${what}`, () => assert.throws(() => config(context), message));
  }

  test('Cognito federation and several Regions are fine with telemetry', () => {
    assert.equal(config({ federation: 'cognito', bedrockRegions: 'us-east-1,eu-west-1' }).auth.federation, 'cognito');
  });

  test('a refused combination stops the synth, before any stack is built', () => {
    assert.throws(() => synth({ meter: 'invocation-logs', federation: 'cognito' }), /^Error: context meter=invocation-logs cannot be used with federation=cognito/);
  });
});
