import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { USAGE_ROWS } from '../lib/dashboard';
import { FUNCTIONS } from '../lib/quota-stack';
import { ROUTES } from '../lib/routes';
import {
  ENV,
  ISSUER,
  assertPrivateBucket,
  dashboardBody,
  defaultApp,
  logicalId,
  plainHttpDenial,
  resourceAt,
  resourcesOfType,
  variantApp,
} from './helpers';

const { quota, quotaTemplate: template } = defaultApp();
const resources = template.toJSON().Resources as Record<string, any>;

/** Which function serves each route: the Rust route catalogue's manifest, by function id. */
const ROUTE_OWNERS: Record<string, string> = Object.fromEntries(
  ROUTES.map((r) => [r.route, FUNCTIONS.find((f) => f.binary === r.binary)!.id]),
);

describe('HTTP API', () => {
  const routes = resourcesOfType(template, 'AWS::ApiGatewayV2::Route');
  const authorizers = resourcesOfType(template, 'AWS::ApiGatewayV2::Authorizer');

  test('the JWT authorizer trusts the configured issuer and audiences', () => {
    assert.deepEqual(Object.values(authorizers).map((a) => a.Properties), [
      {
        ApiId: { Ref: logicalId(quota.api) },
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: { Audience: ['ccwb-cli', 'ccwb-helper'], Issuer: ISSUER },
        Name: 'ccwb-jwt',
      },
    ]);
  });

  test('every route has the JWT authorizer', () => {
    const [authorizerId] = Object.keys(authorizers);
    assert.equal(Object.keys(routes).length, Object.keys(ROUTE_OWNERS).length);
    for (const route of Object.values(routes)) {
      assert.equal(route.Properties.AuthorizationType, 'JWT', route.Properties.RouteKey);
      assert.deepEqual(route.Properties.AuthorizerId, { Ref: authorizerId }, route.Properties.RouteKey);
    }
  });

  test('each route maps to its function', () => {
    const served: Record<string, string> = {};
    for (const route of Object.values(routes)) {
      const target = route.Properties.Target['Fn::Join'][1][1].Ref as string;
      const uri = resources[target].Properties.IntegrationUri['Fn::GetAtt'][0] as string;
      const owner = Object.keys(quota.functions).find((id) => logicalId(quota.functions[id]!) === uri);
      served[route.Properties.RouteKey] = owner!;
      assert.equal(resources[target].Properties.PayloadFormatVersion, '2.0', 'lambda_http reads payload 2.0 events');
    }
    assert.deepEqual(served, ROUTE_OWNERS);
  });

  test('there is no catch-all route that could bypass a function', () => {
    for (const route of Object.values(routes)) {
      assert.doesNotMatch(route.Properties.RouteKey, /\$default|ANY|\{proxy\+\}/);
    }
  });

  test('the stage throttles and writes access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingBurstLimit: 100, ThrottlingRateLimit: 50 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiAccessLogs'), 'Arn'] },
        Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
      },
    });
  });

  test('throttling follows context', () => {
    const { quotaTemplate } = variantApp();
    quotaTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingBurstLimit: 9, ThrottlingRateLimit: 7 },
    });
  });
});

describe('functions', () => {
  const functions = resourcesOfType(template, 'AWS::Lambda::Function');

  test('one function per binary: provided.al2023, arm64, its own log group', () => {
    // And the provider framework's function of revocation's clean-up (revocation.test.ts).
    assert.deepEqual(
      Object.values(functions).map((f) => f.Properties.FunctionName).sort(),
      [
        'ccwb-admin',
        'ccwb-check',
        'ccwb-distribution',
        'ccwb-ingest',
        'ccwb-revocation-cleanup',
        'ccwb-status',
        'ccwb-sweeper',
        'ccwb-unblock',
        'ccwb-widgets',
      ],
    );
    for (const spec of FUNCTIONS) {
      const fn = resourceAt(template, `Quota/${spec.id}Function/Resource`).Properties;
      assert.equal(fn.Runtime, 'provided.al2023');
      assert.equal(fn.Handler, 'bootstrap');
      assert.deepEqual(fn.Architectures, ['arm64']);
      assert.match(fn.Description, new RegExp(`^${spec.binary} \\d+\\.\\d+\\.\\d+`));
      const logs = resourceAt(template, `Quota/${spec.id}Logs/Resource`);
      assert.deepEqual(fn.LoggingConfig, { LogGroup: { Ref: logs.id } });
      assert.equal(logs.Properties.LogGroupName, `/aws/lambda/${fn.FunctionName}`);
      assert.equal(logs.Properties.RetentionInDays, 30);
    }
  });

  test('every function gets the same resource names and settings', () => {
    const topic = logicalId(quota.alertTopic);
    const shared = {
      CCWB_STACK_NAME: 'ccwb',
      CCWB_POLICIES_TABLE: { Ref: logicalId(quota.tables.policies) },
      CCWB_USAGE_TABLE: { Ref: logicalId(quota.tables.usage) },
      CCWB_AUDIT_TABLE: { Ref: logicalId(quota.tables.audit) },
      CCWB_AUDIT_STREAM: 'ccwb-audit',
      CCWB_USAGE_STREAM: 'ccwb-usage',
      CCWB_ALERT_TOPIC_ARN: { Ref: topic },
      CCWB_BUCKET: `ccwb-data-${ENV.account}-${ENV.region}`,
      CCWB_PACKAGES_BUCKET: { Ref: logicalId(quota.distribution.bucket) },
      CCWB_SIGNER_SECRET: 'ccwb-distribution-signer',
      CCWB_ADMIN_GROUPS: 'ccwb-admins',
      CCWB_IDENTITY_CLAIMS: 'email',
      CCWB_FAIL_MODE: 'closed',
      CCWB_MISSING_IDENTITY: 'deny',
      CCWB_UNVERIFIED_EMAIL: 'deny',
      RUST_LOG: 'info',
    };
    for (const spec of FUNCTIONS) {
      const env = resourceAt(template, `Quota/${spec.id}Function/Resource`).Properties.Environment.Variables;
      const own: Record<string, Record<string, string>> = {
        Status: { CCWB_CFN_STACKS: 'ccwb-auth,ccwb-quota,ccwb-analytics' },
        Sweeper: { CCWB_REVOCATION: 'on', CCWB_FEDERATED_ROLE: 'ccwb-bedrock-developers' },
      };
      assert.deepEqual(env, { ...shared, ...own[spec.id] }, spec.id);
    }
  });

  test("the status function reports every stack of the deployment, the auth stack first, and may describe only those", () => {
    for (const deployment of [defaultApp(), variantApp()]) {
      const { auth, quota: q, analytics, quotaTemplate } = deployment;
      const stacks = [auth.stackName, q.stackName, analytics.stackName];
      const fn = resourceAt(quotaTemplate, 'Quota/StatusFunction/Resource').Properties;
      assert.equal(fn.Environment.Variables.CCWB_CFN_STACKS, stacks.join(','));
      const role = resourceAt(quotaTemplate, 'Quota/StatusRole/Resource').Properties;
      const describe = role.Policies[0].PolicyDocument.Statement.filter((st: any) => [st.Action].flat().includes('cloudformation:DescribeStacks'));
      assert.equal(describe.length, 1);
      assert.deepEqual(describe[0].Action, 'cloudformation:DescribeStacks');
      // CDK sorts a statement's resources; the set is what matters.
      assert.deepEqual(
        [...describe[0].Resource].sort(),
        stacks.map((name) => `arn:aws:cloudformation:${ENV.region}:${ENV.account}:stack/${name}/*`).sort(),
      );
    }
    assert.equal(variantApp().auth.stackName, 'acme-auth');
  });

  test('settings come from context', () => {
    const { quotaTemplate } = variantApp();
    quotaTemplate.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'acme-check',
      Environment: {
        Variables: Match.objectLike({
          CCWB_STACK_NAME: 'acme',
          CCWB_ADMIN_GROUPS: 'ops,platform',
          CCWB_IDENTITY_CLAIMS: 'email,upn',
          CCWB_FAIL_MODE: 'open',
          CCWB_MISSING_IDENTITY: 'allow',
          CCWB_UNVERIFIED_EMAIL: 'accept',
          CCWB_PRICING: '{"opus":{"input":15}}',
          CCWB_AUDIT_STREAM: 'acme-audit',
        }),
      },
    });
    quotaTemplate.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/lambda/acme-check', RetentionInDays: 90 });
    quotaTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'acme-check-latency-p99', Threshold: 500 });
    quotaTemplate.hasResourceProperties('AWS::DynamoDB::Table', { TableName: 'acme-policies' });
  });

  test('only the distribution function gets the download restriction, as one comma list', () => {
    const { quota: variant, quotaTemplate } = variantApp();
    for (const spec of FUNCTIONS) {
      const env = resourceAt(quotaTemplate, `Quota/${spec.id}Function/Resource`).Properties.Environment.Variables;
      assert.equal(
        env.CCWB_DISTRIBUTION_ALLOWED_IPS,
        spec.id === 'Distribution' ? '203.0.113.0/24,2001:db8::/32,198.51.100.7/32' : undefined,
        spec.id,
      );
      assert.deepEqual(env.CCWB_PACKAGES_BUCKET, { Ref: logicalId(variant.distribution.bucket) });
      assert.equal(env.CCWB_SIGNER_SECRET, 'acme-distribution-signer');
    }
  });
});

describe('roles', () => {
  const getAtt = (construct: Parameters<typeof logicalId>[0]) => ({ 'Fn::GetAtt': [logicalId(construct), 'Arn'] });
  const { policies, usage, audit } = quota.tables;
  const index = (table: typeof policies, name: string) => ({ 'Fn::Join': ['', [getAtt(table), `/index/${name}`]] });
  const stream = (name: string) => `arn:aws:firehose:${ENV.region}:${ENV.account}:deliverystream/${name}`;
  const stack = (name: string) => `arn:aws:cloudformation:${ENV.region}:${ENV.account}:stack/${name}/*`;
  const logs = (id: string) => ({ 'Fn::GetAtt': [resourceAt(template, `Quota/${id}Logs/Resource`).id, 'Arn'] });
  const allow = (Sid: string, Action: string[], Resource: unknown[]) => ({ Sid, Effect: 'Allow', Action, Resource });
  const key = resourceAt(template, 'Quota/AlertKey/Resource').id;
  const iamArn = (resource: string) => `arn:aws:iam::${ENV.account}:${resource}`;
  const denyPolicies = iamArn('policy/ccwb/ccwb-revoked-*');
  const developersRole = iamArn('role/ccwb-bedrock-developers');
  const packageObjects = { 'Fn::Join': ['', [getAtt(quota.distribution.bucket), '/packages/*']] };

  // Each role's statements beside WriteLogs, which every role has on its own log group.
  const expected: Record<string, unknown[]> = {
    Check: [
      allow('ReadQuotaInputs', ['dynamodb:BatchGetItem'], [getAtt(policies), getAtt(usage)]),
      {
        ...allow('RecordSessionNames', ['dynamodb:PutItem'], [getAtt(usage)]),
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SESSION#*'] } },
      },
    ],
    Admin: [
      allow(
        'Policies',
        ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
        [getAtt(policies)],
      ),
      allow('ListPolicies', ['dynamodb:Query'], [index(policies, 'policy-type-index')]),
      allow('ReadUsage', ['dynamodb:BatchGetItem'], [getAtt(usage)]),
      allow('WriteAudit', ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], [getAtt(audit)]),
      allow('FindPendingAudit', ['dynamodb:Query'], [index(audit, 'audit-pending-index')]),
      allow('DeliverAudit', ['firehose:PutRecordBatch'], [stream('ccwb-audit')]),
    ],
    Unblock: [
      allow(
        'Unblocks',
        ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
        [getAtt(usage)],
      ),
      allow('Audit', ['dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], [getAtt(audit)]),
      allow('FindPendingAudit', ['dynamodb:Query'], [index(audit, 'audit-pending-index')]),
      allow('DeliverAudit', ['firehose:PutRecordBatch'], [stream('ccwb-audit')]),
    ],
    Ingest: [
      allow('ReadPolicies', ['dynamodb:BatchGetItem'], [getAtt(policies)]),
      allow('Usage', ['dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], [getAtt(usage)]),
      allow('CopyUsage', ['firehose:PutRecordBatch'], [stream('ccwb-usage')]),
      allow('PublishAlerts', ['sns:Publish'], [{ Ref: logicalId(quota.alertTopic) }]),
      allow('EncryptAlerts', ['kms:Decrypt', 'kms:GenerateDataKey'], [{ 'Fn::GetAtt': [key, 'Arn'] }]),
    ],
    Status: [
      allow('DescribeStacks', ['cloudformation:DescribeStacks'], [stack('ccwb-auth'), stack('ccwb-quota'), stack('ccwb-analytics')]),
      allow('DescribeTables', ['dynamodb:DescribeTable'], [getAtt(policies), getAtt(usage), getAtt(audit)]),
    ],
    Distribution: [
      allow('Packages', ['s3:GetObject', 's3:PutObject'], [packageObjects]),
      allow('FindPackages', ['s3:ListBucket'], [getAtt(quota.distribution.bucket)]),
      allow('ReadSignerKey', ['secretsmanager:GetSecretValue'], [{ Ref: logicalId(quota.distribution.signerSecret) }]),
      allow(
        'LatestDistribution',
        ['ssm:GetParameter', 'ssm:PutParameter'],
        [`arn:aws:ssm:${ENV.region}:${ENV.account}:parameter/ccwb/ccwb/distribution/latest`],
      ),
      allow('WriteAudit', ['dynamodb:PutItem', 'dynamodb:UpdateItem'], [getAtt(audit)]),
      allow('FindPendingAudit', ['dynamodb:Query'], [index(audit, 'audit-pending-index')]),
      allow('DeliverAudit', ['firehose:PutRecordBatch'], [stream('ccwb-audit')]),
    ],
    // Delivery of what others left (audit events, the outbox), and revocation's reconcile: the
    // reads /check makes, the REVOCATION items, the deny policies and the role's attachments of
    // them only, the audit events of each deny and lift, and the stream that starts it.
    Sweeper: [
      allow('FindPendingAudit', ['dynamodb:Query'], [index(audit, 'audit-pending-index')]),
      allow('Audit', ['dynamodb:PutItem', 'dynamodb:UpdateItem'], [getAtt(audit)]),
      allow('DeliverAudit', ['firehose:PutRecordBatch'], [stream('ccwb-audit')]),
      {
        ...allow('Outbox', ['dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], [getAtt(usage)]),
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['OUTBOX#*'] } },
      },
      allow('DeliverUsage', ['firehose:PutRecordBatch'], [stream('ccwb-usage')]),
      allow('ReadQuotaInputs', ['dynamodb:BatchGetItem'], [getAtt(policies), getAtt(usage)]),
      {
        ...allow('Revocations', ['dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], [getAtt(usage)]),
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['REVOCATION'] } },
      },
      allow('FindDenyPolicies', ['iam:ListPolicies'], ['*']),
      allow('ReadRolePolicies', ['iam:ListAttachedRolePolicies'], [developersRole]),
      allow(
        'DenyPolicies',
        [
          'iam:CreatePolicy',
          'iam:CreatePolicyVersion',
          'iam:DeletePolicy',
          'iam:DeletePolicyVersion',
          'iam:GetPolicyVersion',
          'iam:ListPolicyVersions',
        ],
        [denyPolicies],
      ),
      {
        ...allow('AttachDenyPolicies', ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'], [developersRole]),
        Condition: { ArnLike: { 'iam:PolicyARN': denyPolicies } },
      },
      allow(
        'ReadUsageTableStream',
        ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        [{ 'Fn::GetAtt': [logicalId(usage), 'StreamArn'] }],
      ),
      allow('ListStreams', ['dynamodb:ListStreams'], ['*']),
    ],
    // One Query per day (and month) on the table's own key: the table's ARN, not an index's;
    // quota-status: the unblocks and the users' policies, by key (BatchGetItem). Nothing else.
    Widgets: [
      allow('ReadRollups', ['dynamodb:BatchGetItem', 'dynamodb:Query'], [getAtt(usage)]),
      allow('ReadPolicies', ['dynamodb:BatchGetItem'], [getAtt(policies)]),
    ],
  };

  test('every function has its expected statements', () => {
    assert.deepEqual(Object.keys(expected).sort(), FUNCTIONS.map((f) => f.id).sort());
  });

  /** A statement with single values as one-element lists and lists sorted, for comparison. */
  const normal = (s: any) => {
    const list = (v: unknown) => (Array.isArray(v) ? v : [v]).map((x) => JSON.stringify(x)).sort();
    return { Sid: s.Sid, Effect: s.Effect, Action: list(s.Action), Resource: list(s.Resource), Condition: s.Condition };
  };

  for (const [id, statements] of Object.entries(expected)) {
    test(`the ${id} role has exactly its statements`, () => {
      const role = resourceAt(template, `Quota/${id}Role/Resource`).Properties;
      assert.deepEqual(role.AssumeRolePolicyDocument.Statement, [
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);
      assert.equal(role.ManagedPolicyArns, undefined, 'no managed policies');
      assert.equal(role.Policies.length, 1);
      const actual = role.Policies[0].PolicyDocument.Statement.map(normal).sort((a: any, b: any) => a.Sid.localeCompare(b.Sid));
      const writeLogs = allow('WriteLogs', ['logs:CreateLogStream', 'logs:PutLogEvents'], [logs(id)]);
      const want = [writeLogs, ...statements].map(normal).sort((a: any, b: any) => a.Sid.localeCompare(b.Sid));
      assert.deepEqual(actual, want);
    });
  }

  test('no role has a policy beside its inline one', () => {
    assert.deepEqual(resourcesOfType(template, 'AWS::IAM::Policy'), {});
  });

  test('each function runs as its own role', () => {
    for (const spec of FUNCTIONS) {
      const fn = resourceAt(template, `Quota/${spec.id}Function/Resource`).Properties;
      assert.deepEqual(fn.Role, { 'Fn::GetAtt': [resourceAt(template, `Quota/${spec.id}Role/Resource`).id, 'Arn'] });
    }
  });
});

describe('sweeper schedule', () => {
  const sweeper = logicalId(quota.functions.Sweeper!);
  const rules = resourcesOfType(template, 'AWS::Events::Rule');
  const permissions = Object.values(resourcesOfType(template, 'AWS::Lambda::Permission')).map((p) => p.Properties);
  const names = (fn: unknown) => JSON.stringify(fn).includes(`"${sweeper}"`);

  test('one rule runs the sweeper every minute, with no retries', () => {
    assert.deepEqual(Object.values(rules).map((r) => r.Properties), [
      {
        Name: 'ccwb-sweeper',
        Description: 'Runs ccwb-sweeper: rate(1 minute)',
        ScheduleExpression: 'rate(1 minute)',
        State: 'ENABLED',
        Targets: [{ Arn: { 'Fn::GetAtt': [sweeper, 'Arn'] }, Id: 'Target0', RetryPolicy: { MaximumRetryAttempts: 0 } }],
        Tags: [{ Key: 'ccwb:deployment', Value: 'ccwb' }],
      },
    ]);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: sweeper },
      MaximumRetryAttempts: 0,
    });
  });

  test('only that rule may invoke the sweeper', () => {
    const [rule] = Object.keys(rules);
    assert.deepEqual(permissions.filter((p) => names(p.FunctionName)), [
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [sweeper, 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [rule, 'Arn'] },
      },
    ]);
    // And the rule invokes nothing else.
    assert.ok(permissions.filter((p) => p.Principal === 'events.amazonaws.com').every((p) => names(p.FunctionName)));
  });

  test('the sweeper is on no HTTP route', () => {
    assert.deepEqual(FUNCTIONS.find((f) => f.id === 'Sweeper')!.routes, []);
    const integrations = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Integration'));
    assert.ok(integrations.length > 0);
    for (const integration of integrations) assert.ok(!names(integration.Properties.IntegrationUri));
    assert.ok(!Object.values(ROUTE_OWNERS).includes('Sweeper'));
  });

  test('its timeout ends a run before its claims (60 s) lapse', () => {
    const fn = resourceAt(template, 'Quota/SweeperFunction/Resource').Properties;
    assert.ok(fn.Timeout < 60, `timeout ${fn.Timeout}`);
  });
});

describe('widgets function and dashboard', () => {
  const widgetsFn = logicalId(quota.functions.Widgets!);
  const widgetsArn = `<${widgetsFn}.Arn>`;
  const mentions = (value: unknown) => JSON.stringify(value).includes(`"${widgetsFn}"`);
  const body = dashboardBody(defaultApp());
  const custom = body.widgets.filter((w) => w.type === 'custom');

  test('the widgets function is on no route, has no resource policy and no schedule', () => {
    const spec = FUNCTIONS.find((f) => f.id === 'Widgets')!;
    assert.deepEqual([spec.binary, spec.routes, spec.schedule], ['ccwb-widgets', [], undefined]);
    assert.ok(!Object.values(ROUTE_OWNERS).includes('Widgets'));
    const integrations = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Integration'));
    assert.ok(integrations.length > 0);
    for (const integration of integrations) assert.ok(!mentions(integration.Properties.IntegrationUri));
    // The console invokes it with the viewer's own credentials: no service is granted anything.
    for (const permission of Object.values(resourcesOfType(template, 'AWS::Lambda::Permission'))) {
      assert.ok(!mentions(permission.Properties.FunctionName), JSON.stringify(permission.Properties));
    }
    for (const rule of Object.values(resourcesOfType(template, 'AWS::Events::Rule'))) assert.ok(!mentions(rule.Properties.Targets));
    const fn = resources[widgetsFn].Properties;
    assert.equal(fn.FunctionName, 'ccwb-widgets');
    assert.equal(fn.Timeout, 20);
  });

  test('the dashboard is <stack>-claude-code, a week by default', () => {
    const dashboard = resourceAt(template, 'Quota/Dashboard/Dashboard/Resource').Properties;
    assert.equal(dashboard.DashboardName, 'ccwb-claude-code');
    assert.equal(body.start, '-P7D');
    const variant = variantApp();
    assert.equal(resourceAt(variant.quotaTemplate, 'Quota/Dashboard/Dashboard/Resource').Properties.DashboardName, 'acme-claude-code');
  });

  test('one custom widget per usage widget, each invoking the widgets function with its params', () => {
    const expected = USAGE_ROWS.flat().map((w) => ({
      widget: w.widget,
      properties: {
        endpoint: widgetsArn,
        params: w.limit === undefined ? { widget: w.widget } : { widget: w.widget, limit: w.limit },
        title: w.title,
        updateOn: { refresh: true, resize: true, timeRange: true },
      },
    }));
    assert.deepEqual(
      custom.map((w) => ({ widget: w.properties.params.widget, properties: w.properties })),
      expected,
    );
    assert.equal(new Set(custom.map((w) => w.properties.params.widget)).size, custom.length, 'each widget once');
    // Custom widgets only ever call the widgets function.
    assert.deepEqual(body.widgets.map((w) => w.type).filter((t) => !['custom', 'metric', 'text'].includes(t)), []);
  });

  test('the layout fits the 24-column grid, without overlaps, usage above operations', () => {
    for (const w of body.widgets) assert.ok(w.x >= 0 && w.x + w.width <= 24, JSON.stringify(w));
    for (const [i, a] of body.widgets.entries()) {
      for (const b of body.widgets.slice(i + 1)) {
        const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
        assert.ok(apart, `${JSON.stringify(a.properties.title)} overlaps ${JSON.stringify(b.properties.title)}`);
      }
    }
    for (const row of USAGE_ROWS) assert.equal(row.reduce((sum, w) => sum + w.width, 0), 24);
    const lowestUsage = Math.max(...custom.map((w) => w.y + w.height));
    for (const metric of body.widgets.filter((w) => w.type === 'metric')) assert.ok(metric.y >= lowestUsage);
  });

  test('operations: check invocations, errors, throttles and p99 duration; API requests, 4xx and 5xx', () => {
    const check = `<${logicalId(quota.functions.Check!)}>`;
    const api = `<${logicalId(quota.api)}>`;
    const metrics = body.widgets
      .filter((w) => w.type === 'metric')
      .flatMap((w) => w.properties.metrics.map((m: any[]) => `${m.slice(0, 4).join(' ')} ${m[4].stat}`));
    for (const expected of [
      `AWS/Lambda Invocations FunctionName ${check} Sum`,
      `AWS/Lambda Errors FunctionName ${check} Sum`,
      `AWS/Lambda Throttles FunctionName ${check} Sum`,
      `AWS/Lambda Duration FunctionName ${check} p99`,
      `AWS/ApiGateway Count ApiId ${api} Sum`,
      `AWS/ApiGateway 4xx ApiId ${api} Sum`,
      `AWS/ApiGateway 5xx ApiId ${api} Sum`,
    ]) {
      assert.ok(metrics.includes(expected), `${expected} not in ${metrics.join('\n')}`);
    }
    // Every function's failures, the widgets function's included.
    for (const spec of FUNCTIONS) {
      assert.ok(metrics.includes(`AWS/Lambda Errors FunctionName <${logicalId(quota.functions[spec.id]!)}> Sum`), spec.id);
    }
    const p99 = body.widgets.find((w) => w.properties.title === 'ccwb-check: p99 duration (ms)');
    assert.deepEqual(p99.properties.annotations.horizontal, [{ value: 1000, label: 'alarm threshold', yAxis: 'left' }]);
  });

  test('the viewer policy: open this dashboard and invoke the widgets function, nothing else', () => {
    const policy = resourceAt(template, 'Quota/Dashboard/ViewerPolicy/Resource');
    assert.deepEqual(policy.Properties, {
      ManagedPolicyName: 'ccwb-dashboard-viewer',
      Description: 'View the ccwb-claude-code CloudWatch dashboard and run its custom widgets (ccwb-widgets)',
      Path: '/',
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'OpenDashboard',
            Effect: 'Allow',
            Action: 'cloudwatch:GetDashboard',
            Resource: `arn:aws:cloudwatch::${ENV.account}:dashboard/ccwb-claude-code`,
          },
          { Sid: 'RunUsageWidgets', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [widgetsFn, 'Arn'] } },
        ],
      },
    });
    // Attached to nothing here: administrators attach it (cdk/README.md).
    assert.equal(Object.keys(resourcesOfType(template, 'AWS::IAM::ManagedPolicy')).length, 1);
    const outputs = template.toJSON().Outputs as Record<string, any>;
    assert.deepEqual(outputs.DashboardViewerPolicyArn.Value, { Ref: policy.id });
    assert.deepEqual(outputs.DashboardName.Value, { Ref: resourceAt(template, 'Quota/Dashboard/Dashboard/Resource').id });
    assert.equal(
      outputs.DashboardUrl.Value,
      `https://${ENV.region}.console.aws.amazon.com/cloudwatch/home?region=${ENV.region}#dashboards/dashboard/ccwb-claude-code`,
    );
    const variant = variantApp();
    variant.quotaTemplate.hasResourceProperties('AWS::IAM::ManagedPolicy', { ManagedPolicyName: 'acme-dashboard-viewer' });
  });

  test('no other IAM resource grants invoking the widgets function', () => {
    const policy = resourceAt(template, 'Quota/Dashboard/ViewerPolicy/Resource').id;
    // The one other grant to invoke anything: the revocation clean-up's, of the sweeper alone.
    const cleanup = resourceAt(template, 'Quota/Revocation/CleanupRole/Resource').id;
    const granting = Object.entries(resources).filter(
      ([, r]) => /^AWS::IAM::/.test(r.Type) && JSON.stringify(r).includes('lambda:InvokeFunction'),
    );
    assert.deepEqual(granting.map(([id]) => id).sort(), [cleanup, policy].sort());
    const invokes = resources[cleanup].Properties.Policies[0].PolicyDocument.Statement.filter((st: any) =>
      [st.Action].flat().includes('lambda:InvokeFunction'),
    );
    assert.deepEqual(invokes.map((st: any) => st.Resource), [{ 'Fn::GetAtt': [logicalId(quota.functions.Sweeper!), 'Arn'] }]);
  });
});

describe('tables', () => {
  const tables = resourcesOfType(template, 'AWS::DynamoDB::Table');
  const key = [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ];

  test('on demand, point-in-time recovery, deletion protection, retained on delete', () => {
    assert.equal(Object.keys(tables).length, 3);
    for (const table of Object.values(tables)) {
      assert.equal(table.Properties.BillingMode, 'PAY_PER_REQUEST');
      assert.deepEqual(table.Properties.PointInTimeRecoverySpecification, { PointInTimeRecoveryEnabled: true });
      assert.equal(table.Properties.DeletionProtectionEnabled, true);
      assert.equal(table.DeletionPolicy, 'Retain');
      assert.equal(table.UpdateReplacePolicy, 'Retain');
      assert.deepEqual(table.Properties.KeySchema, key);
    }
  });

  test('keys and indexes are those of functions/store/src/tables.rs', () => {
    const byName = Object.fromEntries(Object.values(tables).map((t) => [t.Properties.TableName, t.Properties]));
    assert.deepEqual(Object.keys(byName).sort(), ['ccwb-audit', 'ccwb-policies', 'ccwb-usage']);
    const s = (AttributeName: string) => ({ AttributeName, AttributeType: 'S' });
    const gsi = (IndexName: string, hash: string, range: string) => ({
      IndexName,
      KeySchema: [
        { AttributeName: hash, KeyType: 'HASH' },
        { AttributeName: range, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    });
    assert.deepEqual(byName['ccwb-policies']!.AttributeDefinitions, [s('pk'), s('sk'), s('policy_type'), s('identifier')]);
    assert.deepEqual(byName['ccwb-policies']!.GlobalSecondaryIndexes, [gsi('policy-type-index', 'policy_type', 'identifier')]);
    assert.deepEqual(byName['ccwb-usage']!.AttributeDefinitions, [s('pk'), s('sk')]);
    assert.equal(byName['ccwb-usage']!.GlobalSecondaryIndexes, undefined);
    assert.deepEqual(byName['ccwb-audit']!.AttributeDefinitions, [s('pk'), s('sk'), s('delivery')]);
    assert.deepEqual(byName['ccwb-audit']!.GlobalSecondaryIndexes, [gsi('audit-pending-index', 'delivery', 'sk')]);
  });

  test('only the usage table expires items', () => {
    const byName = Object.fromEntries(Object.values(tables).map((t) => [t.Properties.TableName, t.Properties]));
    assert.deepEqual(byName['ccwb-usage']!.TimeToLiveSpecification, { AttributeName: 'expires_epoch', Enabled: true });
    assert.equal(byName['ccwb-policies']!.TimeToLiveSpecification, undefined);
    assert.equal(byName['ccwb-audit']!.TimeToLiveSpecification, undefined);
  });

  test('deletionProtection=false makes throw-away tables', () => {
    const { quotaTemplate } = variantApp();
    for (const table of Object.values(resourcesOfType(quotaTemplate, 'AWS::DynamoDB::Table'))) {
      assert.equal(table.Properties.DeletionProtectionEnabled, false);
      assert.equal(table.DeletionPolicy, 'Delete');
      assert.deepEqual(table.Properties.PointInTimeRecoverySpecification, { PointInTimeRecoveryEnabled: true });
    }
  });
});

describe('alerts and alarms', () => {
  test('the alert topic is encrypted with a rotated key and refuses plain HTTP', () => {
    const key = resourceAt(template, 'Quota/AlertKey/Resource');
    assert.equal(key.Properties.EnableKeyRotation, true);
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'ccwb-alerts',
      KmsMasterKeyId: { 'Fn::GetAtt': [key.id, 'Arn'] },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Principal: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish' }),
        ]),
      },
    });
  });

  test('check has error, throttle and p99 latency alarms; every function has an error alarm; all notify the topic', () => {
    const alarms = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    const names = alarms.map((a) => a.AlarmName).sort();
    assert.deepEqual(names, [
      'ccwb-admin-errors',
      'ccwb-check-errors',
      'ccwb-check-latency-p99',
      'ccwb-check-logged-errors',
      'ccwb-check-throttles',
      'ccwb-distribution-errors',
      'ccwb-ingest-errors',
      'ccwb-status-errors',
      'ccwb-sweeper-errors',
      'ccwb-sweeper-refusals',
      'ccwb-unblock-errors',
      'ccwb-widgets-errors',
    ]);
    for (const alarm of alarms) {
      assert.deepEqual(alarm.AlarmActions, [{ Ref: logicalId(quota.alertTopic) }], alarm.AlarmName);
    }
    const byName = Object.fromEntries(alarms.map((a) => [a.AlarmName, a]));
    const check = { Name: 'FunctionName', Value: { Ref: logicalId(quota.functions.Check!) } };
    const p99 = byName['ccwb-check-latency-p99'];
    assert.equal(p99.MetricName, 'Duration');
    assert.equal(p99.ExtendedStatistic, 'p99');
    assert.equal(p99.Threshold, 1000);
    assert.deepEqual(p99.Dimensions, [check]);
    assert.equal(byName['ccwb-check-throttles'].MetricName, 'Throttles');
    assert.equal(byName['ccwb-check-logged-errors'].Namespace, 'ccwb/ccwb');
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: resourceAt(template, 'Quota/CheckLogs/Resource').id },
      FilterPattern: '{ $.level = "ERROR" }',
      MetricTransformations: [{ MetricNamespace: 'ccwb/ccwb', MetricName: 'CheckLoggedErrors', MetricValue: '1' }],
    });
    assert.deepEqual(byName['ccwb-check-errors'].Dimensions, [check]);
    // The sweeper logs how many records Firehose refused (functions/lambda/src/audit.rs sweep,
    // field `refused`); 15 minutes of refusals alarm.
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: { Ref: resourceAt(template, 'Quota/SweeperLogs/Resource').id },
      FilterPattern: '{ $.fields.refused > 0 }',
      MetricTransformations: [{ MetricNamespace: 'ccwb/ccwb', MetricName: 'FirehoseRefusals', MetricValue: '$.fields.refused' }],
    });
    const refusals = byName['ccwb-sweeper-refusals'];
    assert.deepEqual(
      [refusals.Namespace, refusals.MetricName, refusals.Statistic, refusals.Period, refusals.EvaluationPeriods, refusals.DatapointsToAlarm],
      ['ccwb/ccwb', 'FirehoseRefusals', 'Sum', 300, 3, 3],
    );
  });

  test('alertEmail subscribes an address', () => {
    const { quotaTemplate } = variantApp();
    quotaTemplate.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

describe('deployment description', () => {
  test('the parameter and outputs say how to reach the API', () => {
    const parameter = resourceAt(template, 'Quota/DeploymentParameter/Resource').Properties;
    assert.equal(parameter.Name, '/ccwb/ccwb/deployment');
    const outputs = template.toJSON().Outputs as Record<string, any>;
    assert.deepEqual(outputs.ApiEndpoint.Value, { 'Fn::GetAtt': [logicalId(quota.api), 'ApiEndpoint'] });
    assert.equal(outputs.Issuer.Value, ISSUER);
    assert.equal(outputs.Architecture.Value, 'arm64');
    assert.equal(outputs.CheckFunctionName.Value.Ref, logicalId(quota.functions.Check!));
  });

  test('Version and every function name are outputs (ccwb-status reads them)', () => {
    const outputs = template.toJSON().Outputs as Record<string, any>;
    assert.match(outputs.Version.Value, /^\d+\.\d+\.\d+/);
    for (const spec of FUNCTIONS) {
      assert.deepEqual(outputs[`${spec.id}FunctionName`]?.Value, { Ref: logicalId(quota.functions[spec.id]!) }, spec.id);
    }
    assert.deepEqual(
      Object.keys(outputs).filter((o) => o.endsWith('FunctionName')).sort(),
      FUNCTIONS.map((f) => `${f.id}FunctionName`).sort(),
    );
  });
});

describe('distribution', () => {
  const { distribution } = quota;
  const bucketId = logicalId(distribution.bucket);
  const bucketArn = { 'Fn::GetAtt': [bucketId, 'Arn'] };
  const packageObjects = { 'Fn::Join': ['', [bucketArn, '/packages/*']] };
  const signerId = logicalId(distribution.signer);
  const bucketPolicy = (t: typeof template, id: string) =>
    Object.values(resourcesOfType(t, 'AWS::S3::BucketPolicy')).find((p) => p.Properties.Bucket.Ref === id)!.Properties.PolicyDocument;

  test('the packages bucket: named for account and region, private, SSE-S3, versioned, logged, retained', () => {
    const bucket = resources[bucketId];
    assert.equal(bucket.Properties.BucketName, `ccwb-packages-${ENV.account}-${ENV.region}`);
    assertPrivateBucket(bucket, bucketId);
    assert.deepEqual(bucket.Properties.VersioningConfiguration, { Status: 'Enabled' });
    // The Analytics stack's log bucket, by name (its policy admits this bucket; see analytics.test.ts).
    assert.deepEqual(bucket.Properties.LoggingConfiguration, {
      DestinationBucketName: `ccwb-logs-${ENV.account}-${ENV.region}`,
      LogFilePrefix: 'packages/',
    });
    assert.equal(bucket.Properties.CorsConfiguration, undefined);
    assert.equal(variantApp().quotaTemplate.toJSON().Resources[logicalId(variantApp().quota.distribution.bucket)].DeletionPolicy, 'Delete');
  });

  test('lifecycle: packages expire (packageRetentionDays), old versions after 30 days, uploads aborted', () => {
    const rules = (t: typeof template, id: string) => t.toJSON().Resources[id].Properties.LifecycleConfiguration.Rules;
    const expected = (days: number) => [
      { Id: 'abort-incomplete-uploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' },
      { Id: 'expire-packages', ExpirationInDays: days, Prefix: 'packages/', Status: 'Enabled' },
      { Id: 'expire-old-versions', ExpiredObjectDeleteMarker: true, NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' },
    ];
    assert.deepEqual(rules(template, bucketId), expected(180));
    const variant = variantApp();
    assert.deepEqual(rules(variant.quotaTemplate, logicalId(variant.quota.distribution.bucket)), expected(30));
  });

  test('without distributionAllowedIps the bucket policy only refuses plain HTTP', () => {
    assert.deepEqual(bucketPolicy(template, bucketId).Statement, [plainHttpDenial(bucketArn)]);
  });

  test('distributionAllowedIps: signed downloads from elsewhere are refused, the function is not', () => {
    const variant = variantApp();
    const id = logicalId(variant.quota.distribution.bucket);
    const arn = { 'Fn::GetAtt': [id, 'Arn'] };
    const statements = bucketPolicy(variant.quotaTemplate, id).Statement;
    assert.equal(statements.length, 2);
    assert.deepEqual(statements[0].Condition, { Bool: { 'aws:SecureTransport': 'false' } });
    assert.deepEqual(statements[1], {
      Sid: 'DownloadsOnlyFromAllowedAddresses',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:GetObject',
      Resource: { 'Fn::Join': ['', [arn, '/packages/*']] },
      Condition: {
        // Only requests signed by the signer: the function reads declarations and hashes
        // uploads from inside AWS with its role, which this statement must not refuse.
        ArnEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [logicalId(variant.quota.distribution.signer), 'Arn'] } },
        NotIpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '2001:db8::/32', '198.51.100.7/32'] },
      },
    });
  });

  test('the signer may only read packages: one inline policy, no groups, no console password', () => {
    const user = resourceAt(template, 'Quota/Distribution/Signer/Resource').Properties;
    assert.deepEqual(user, {
      UserName: 'ccwb-distribution-signer',
      Policies: [
        {
          PolicyName: 'ccwb-distribution-signer',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Sid: 'DownloadPackages', Effect: 'Allow', Action: 's3:GetObject', Resource: packageObjects }],
          },
        },
      ],
      Tags: [{ Key: 'ccwb:deployment', Value: 'ccwb' }],
    });
    // Nothing else grants it anything.
    const mentions = Object.entries(resources).filter(
      ([id, r]) => id !== signerId && /^AWS::IAM::/.test(r.Type) && JSON.stringify(r).includes(`"${signerId}"`),
    );
    assert.deepEqual(mentions.map(([id, r]) => `${id} ${r.Type}`), [`${logicalId(distribution.node.findChild('SignerKey'))} AWS::IAM::AccessKey`]);
  });

  test('its access key is rotated by signerKeySerial and kept in the secret the function reads', () => {
    const keyId = logicalId(distribution.node.findChild('SignerKey'));
    assert.deepEqual(resources[keyId].Properties, { Serial: 1, UserName: { Ref: signerId } });
    const variant = variantApp();
    variant.quotaTemplate.hasResourceProperties('AWS::IAM::AccessKey', { Serial: 3 });

    const secret = resourceAt(template, 'Quota/Distribution/SignerSecret/Resource').Properties;
    assert.equal(secret.Name, 'ccwb-distribution-signer');
    // The JSON packages.rs reads: {"access_key_id": ..., "secret_access_key": ...}.
    assert.deepEqual(secret.SecretString, {
      'Fn::Join': [
        '',
        [
          '{"access_key_id":"',
          { Ref: keyId },
          '","secret_access_key":"',
          { 'Fn::GetAtt': [keyId, 'SecretAccessKey'] },
          '"}',
        ],
      ],
    });
  });

  test('no output reveals the key, and the outputs name the bucket', () => {
    const keyId = logicalId(distribution.node.findChild('SignerKey'));
    const secretId = logicalId(distribution.signerSecret);
    for (const t of [template, variantApp().quotaTemplate]) {
      const outputs = JSON.stringify(t.toJSON().Outputs);
      assert.doesNotMatch(outputs, /SecretAccessKey/);
      assert.ok(!outputs.includes(`"${keyId}"`) && !outputs.includes(`"${secretId}"`), outputs);
    }
    const outputs = template.toJSON().Outputs as Record<string, any>;
    assert.deepEqual(outputs.PackagesBucketName.Value, { Ref: bucketId });
    assert.deepEqual(outputs.DistributionFunctionName.Value, { Ref: logicalId(quota.functions.Distribution!) });
  });

  test('the function: its routes behind the JWT authorizer, and a timeout inside the API limit', () => {
    const fnId = logicalId(quota.functions.Distribution!);
    const routes = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Route')).filter((r) => {
      const target = r.Properties.Target['Fn::Join'][1][1].Ref as string;
      return resources[target].Properties.IntegrationUri['Fn::GetAtt'][0] === fnId;
    });
    assert.deepEqual(routes.map((r) => r.Properties.RouteKey).sort(), [
      'GET /distributions/latest',
      'POST /distributions',
      'POST /distributions/{id}/publish',
    ]);
    for (const route of routes) assert.equal(route.Properties.AuthorizationType, 'JWT');
    const fn = resources[fnId].Properties;
    assert.equal(fn.FunctionName, 'ccwb-distribution');
    assert.ok(fn.Timeout < 30, `timeout ${fn.Timeout}`);
    assert.equal(fn.MemorySize, 256);
  });
});
