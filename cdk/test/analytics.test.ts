import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PROJECTION_START } from '../lib/analytics-stack';
import { ENV, archiveOnlyApp, assertPrivateBucket, defaultApp, logicalId, plainHttpDenial, resourceAt, resourcesOfType, variantApp } from './helpers';

const { analytics, analyticsTemplate: template } = defaultApp();
const buckets = resourcesOfType(template, 'AWS::S3::Bucket');
const bucketPolicies = Object.values(resourcesOfType(template, 'AWS::S3::BucketPolicy')).map((p) => p.Properties);

describe('buckets', () => {
  test('three buckets named for the deployment, account and region', () => {
    const names = Object.values(buckets).map((b) => b.Properties.BucketName).sort();
    const suffix = `${ENV.account}-${ENV.region}`;
    assert.deepEqual(names, [`ccwb-athena-${suffix}`, `ccwb-data-${suffix}`, `ccwb-logs-${suffix}`]);
  });

  test('every bucket is encrypted, blocks public access and ACLs, and is retained', () => {
    for (const [id, bucket] of Object.entries(buckets)) assertPrivateBucket(bucket, id);
  });

  test('every bucket denies requests without TLS', () => {
    for (const id of Object.keys(buckets)) {
      const policy = bucketPolicies.find((p) => p.Bucket.Ref === id);
      assert.ok(policy, `${id} has a bucket policy`);
      const deny = policy.PolicyDocument.Statement.find((s: any) => s.Effect === 'Deny');
      assert.deepEqual(deny, plainHttpDenial({ 'Fn::GetAtt': [id, 'Arn'] }));
    }
  });

  test('the data and results buckets log their accesses to the log bucket', () => {
    const logs = logicalId(analytics.node.findChild('AccessLogsBucket'));
    for (const bucket of [analytics.dataBucket, analytics.resultsBucket!]) {
      const props = buckets[logicalId(bucket)].Properties;
      assert.deepEqual(props.LoggingConfiguration.DestinationBucketName, { Ref: logs });
    }
  });

  test("the log bucket admits the Quota stack's packages bucket's access logs, by name", () => {
    const logs = logicalId(analytics.node.findChild('AccessLogsBucket'));
    const policy = bucketPolicies.find((p) => p.Bucket.Ref === logs);
    const statement = policy.PolicyDocument.Statement.find((s: any) => s.Sid === 'PackagesBucketAccessLogs');
    assert.deepEqual(statement, {
      Sid: 'PackagesBucketAccessLogs',
      Effect: 'Allow',
      Principal: { Service: 'logging.s3.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logs, 'Arn'] }, '/packages/*']] },
      Condition: {
        ArnLike: { 'aws:SourceArn': `arn:aws:s3:::ccwb-packages-${ENV.account}-${ENV.region}` },
        StringEquals: { 'aws:SourceAccount': ENV.account },
      },
    });
  });

  test('lifecycle rules: uploads aborted, errors and results expire, data kept unless told', () => {
    const rules = (bucket: any) => buckets[logicalId(bucket)].Properties.LifecycleConfiguration.Rules;
    assert.deepEqual(rules(analytics.dataBucket), [
      { Id: 'abort-incomplete-uploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 }, Status: 'Enabled' },
      { Id: 'expire-delivery-errors', ExpirationInDays: 90, Prefix: 'errors/', Status: 'Enabled' },
    ]);
    assert.deepEqual(rules(analytics.resultsBucket!), [
      { Id: 'expire-results', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, ExpirationInDays: 30, Status: 'Enabled' },
    ]);

    const kept = variantApp();
    const data = resourcesOfType(kept.analyticsTemplate, 'AWS::S3::Bucket')[logicalId(kept.analytics.dataBucket)];
    assert.deepEqual(
      data.Properties.LifecycleConfiguration.Rules.filter((r: any) => r.Id.startsWith('expire-') && r.Prefix !== 'errors/'),
      [
        { Id: 'expire-audit', ExpirationInDays: 400, Prefix: 'audit/', Status: 'Enabled' },
        { Id: 'expire-usage', ExpirationInDays: 400, Prefix: 'usage/', Status: 'Enabled' },
      ],
    );
  });
});

describe('Firehose', () => {
  const streams = Object.values(resourcesOfType(template, 'AWS::KinesisFirehose::DeliveryStream')).map((s) => s.Properties);

  test('two encrypted direct-put streams named as functions/store/src/names.rs derives them', () => {
    assert.deepEqual(streams.map((s) => s.DeliveryStreamName).sort(), ['ccwb-audit', 'ccwb-usage']);
    for (const stream of streams) {
      assert.equal(stream.DeliveryStreamType, 'DirectPut');
      assert.deepEqual(stream.DeliveryStreamEncryptionConfigurationInput, { KeyType: 'AWS_OWNED_CMK' });
    }
  });

  test('each stream writes gzip JSON lines by UTC day under its own prefix', () => {
    for (const which of ['audit', 'usage']) {
      const dest = streams.find((s) => s.DeliveryStreamName === `ccwb-${which}`).ExtendedS3DestinationConfiguration;
      assert.deepEqual(dest.BucketARN, { 'Fn::GetAtt': [logicalId(analytics.dataBucket), 'Arn'] });
      assert.equal(dest.Prefix, `${which}/dt=!{timestamp:yyyy-MM-dd}/`);
      assert.equal(dest.ErrorOutputPrefix, `errors/${which}/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/`);
      assert.equal(dest.CompressionFormat, 'GZIP');
      assert.equal(dest.CloudWatchLoggingOptions.Enabled, true);
    }
  });

  test('each delivery role may write only its own prefixes', () => {
    const bucket = { 'Fn::GetAtt': [logicalId(analytics.dataBucket), 'Arn'] };
    const under = (prefix: string) => ({ 'Fn::Join': ['', [bucket, `/${prefix}/*`]] });
    for (const [Which, which] of [
      ['Audit', 'audit'],
      ['Usage', 'usage'],
    ] as const) {
      const role = resourceAt(template, `Analytics/${Which}DeliveryRole/Resource`).Properties;
      assert.deepEqual(role.AssumeRolePolicyDocument.Statement, [
        {
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'sts:ExternalId': ENV.account } },
          Effect: 'Allow',
          Principal: { Service: 'firehose.amazonaws.com' },
        },
      ]);
      assert.equal(resourceAt(template, 'Analytics/DeliveryLogs/Resource').Properties.LogGroupName, '/aws/kinesisfirehose/ccwb');
      assert.equal(resourceAt(template, `Analytics/${Which}DeliveryLogStream/Resource`).Properties.LogStreamName, `${which}-delivery`);
      // Resource lists in a stable order (CDK sorts them when it minimises policies).
      const sorted = (statements: any[]) =>
        statements.map((st) => (Array.isArray(st.Resource) ? { ...st, Resource: [...st.Resource].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) } : st));
      assert.deepEqual(sorted(role.Policies[0].PolicyDocument.Statement), sorted([
        {
          Sid: 'Bucket',
          Effect: 'Allow',
          Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
          Resource: bucket,
        },
        {
          Sid: 'Objects',
          Effect: 'Allow',
          Action: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
          Resource: [under(which), under(`errors/${which}`)],
        },
        {
          Sid: 'Logs',
          Effect: 'Allow',
          Action: 'logs:PutLogEvents',
          Resource: {
            'Fn::Join': [
              '',
              [
                `arn:aws:logs:${ENV.region}:${ENV.account}:log-group:`,
                { Ref: resourceAt(template, 'Analytics/DeliveryLogs/Resource').id },
                ':log-stream:',
                { Ref: resourceAt(template, `Analytics/${Which}DeliveryLogStream/Resource`).id },
              ],
            ],
          },
        },
      ]));
    }
  });
});

describe('Glue and Athena', () => {
  const tables = Object.values(resourcesOfType(template, 'AWS::Glue::Table')).map((t) => t.Properties.TableInput);

  test('one table per stream over its prefix, partitions projected by day', () => {
    assert.deepEqual(tables.map((t) => t.Name).sort(), ['audit_events', 'usage_points']);
    template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'ccwb' } });
    const data = { Ref: logicalId(analytics.dataBucket) };
    for (const [name, prefix] of [
      ['audit_events', 'audit'],
      ['usage_points', 'usage'],
    ]) {
      const table = tables.find((t) => t.Name === name);
      const location = { 'Fn::Join': ['', ['s3://', data, `/${prefix}/`]] };
      assert.deepEqual(table.StorageDescriptor.Location, location);
      assert.equal(table.StorageDescriptor.SerdeInfo.SerializationLibrary, 'org.openx.data.jsonserde.JsonSerDe');
      assert.deepEqual(table.PartitionKeys, [{ Name: 'dt', Type: 'string', Comment: 'UTC day, yyyy-MM-dd' }]);
      // Written out, not read from the stack: the template Athena must see.
      assert.deepEqual(table.Parameters, {
        EXTERNAL: 'TRUE',
        classification: 'json',
        compressionType: 'gzip',
        'projection.enabled': 'true',
        'projection.dt.type': 'date',
        'projection.dt.format': 'yyyy-MM-dd',
        'projection.dt.range': `${PROJECTION_START},NOW`,
        'projection.dt.interval': '1',
        'projection.dt.interval.unit': 'DAYS',
        'storage.location.template': { 'Fn::Join': ['', ['s3://', data, `/${prefix}/dt=\${dt}/`]] },
      });
    }
  });

  test('columns follow the JSON the functions write', () => {
    const columns = (name: string) => tables.find((t) => t.Name === name).StorageDescriptor.Columns.map((c: any) => `${c.Name}:${c.Type}`);
    assert.deepEqual(columns('audit_events'), ['id:string', 'at:string', 'actor:string', 'action:string', 'target:string', 'before:string', 'after:string']);
    assert.deepEqual(columns('usage_points'), [
      'identity:string',
      'metric:string',
      'time:string',
      'series:string',
      'value:bigint',
      'increase:bigint',
      'attributes:map<string,string>',
    ]);
  });

  test('the workgroup enforces encrypted results in its own bucket and a scan limit', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'ccwb',
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        ResultConfiguration: {
          OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: logicalId(analytics.resultsBucket!) }, '/results/']] },
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
        },
      },
    });
  });
});

test('deletionProtection=false lets the buckets go with the stack', () => {
  const { analyticsTemplate } = variantApp();
  for (const bucket of Object.values(resourcesOfType(analyticsTemplate, 'AWS::S3::Bucket'))) {
    assert.equal(bucket.DeletionPolicy, 'Delete');
  }
});

describe('analytics=false: the archive without Athena reports', () => {
  const archive = archiveOnlyApp();
  const resources = archive.analyticsTemplate.toJSON().Resources as Record<string, any>;
  const all = template.toJSON().Resources as Record<string, any>;
  // What only serves reports: the catalogue, the workgroup, the results bucket and its policy.
  const results = logicalId(analytics.resultsBucket!);
  const reportsOnly = (id: string, resource: any) =>
    /^AWS::(Glue|Athena)::/.test(resource.Type) || id === results || resource.Properties?.Bucket?.Ref === results;

  test('no Glue database or tables, no Athena workgroup, no results bucket', () => {
    const types = Object.values(resources).map((r) => r.Type);
    assert.deepEqual(types.filter((t) => /^AWS::(Glue|Athena)::/.test(t)), []);
    assert.equal(archive.analytics.resultsBucket, undefined);
    const names = Object.values(resourcesOfType(archive.analyticsTemplate, 'AWS::S3::Bucket')).map((b) => b.Properties.BucketName).sort();
    assert.deepEqual(names, [`ccwb-data-${ENV.account}-${ENV.region}`, `ccwb-logs-${ENV.account}-${ENV.region}`]);
  });

  test('the default has them: a database, two tables, a workgroup and the results bucket', () => {
    const reports = Object.entries(all).filter(([id, r]) => reportsOnly(id, r)).map(([, r]) => r.Type).sort();
    assert.deepEqual(reports, ['AWS::Athena::WorkGroup', 'AWS::Glue::Database', 'AWS::Glue::Table', 'AWS::Glue::Table', 'AWS::S3::Bucket', 'AWS::S3::BucketPolicy']);
  });

  test('everything else is exactly as in the default: streams, their roles and logs, the data and access-log buckets', () => {
    // The access-log bucket no longer admits the results bucket's logs; nothing else changes.
    const logs = logicalId(analytics.node.findChild('AccessLogsBucket'));
    const withoutResultsLogs = (id: string, r: any) => {
      if (r.Type !== 'AWS::S3::BucketPolicy' || r.Properties.Bucket.Ref !== logs) return r;
      const fromResults = (st: any) => JSON.stringify(st.Condition?.ArnLike?.['aws:SourceArn']) === JSON.stringify({ 'Fn::GetAtt': [results, 'Arn'] });
      const statements = r.Properties.PolicyDocument.Statement;
      assert.equal(statements.filter(fromResults).length, 1, id);
      return { ...r, Properties: { ...r.Properties, PolicyDocument: { ...r.Properties.PolicyDocument, Statement: statements.filter((st: any) => !fromResults(st)) } } };
    };
    const kept = Object.fromEntries(Object.entries(all).filter(([id, r]) => !reportsOnly(id, r)).map(([id, r]) => [id, withoutResultsLogs(id, r)]));
    assert.deepEqual(resources, kept);
    const streams = Object.values(resourcesOfType(archive.analyticsTemplate, 'AWS::KinesisFirehose::DeliveryStream'));
    assert.deepEqual(streams.map((s) => s.Properties.DeliveryStreamName).sort(), ['ccwb-audit', 'ccwb-usage']);
    assert.ok(resources[logicalId(analytics.dataBucket)], 'the data bucket');
  });

  test("the Quota and Auth stacks do not change: the functions write to the same streams and tables", () => {
    assert.deepEqual(archive.quotaTemplate.toJSON(), defaultApp().quotaTemplate.toJSON());
    assert.deepEqual(archive.authTemplate.toJSON(), defaultApp().authTemplate.toJSON());
  });

  test('outputs: the archive names, not the reports', () => {
    assert.deepEqual(Object.keys(archive.analyticsTemplate.toJSON().Outputs).sort(), ['AuditStreamName', 'DataBucketName', 'UsageStreamName']);
    assert.deepEqual(Object.keys(template.toJSON().Outputs).sort(), [
      'AthenaResultsBucketName',
      'AthenaWorkGroup',
      'AuditStreamName',
      'DataBucketName',
      'GlueDatabaseName',
      'UsageStreamName',
    ]);
  });
});
