import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { Config } from './config';
import { type ResourceNames, bucketName } from './names';
import { acknowledgeWildcardResource } from './nag';

/** First day Athena's partition projection knows of; any day before the first deployment. */
export const PROJECTION_START = '2025-01-01';

/**
 * The day partition of each stream's objects (`dt=<day>/`), in the format Firehose writes the
 * day in (its `!{timestamp:...}` prefixes) and Athena's projection reads it back: one constant,
 * so that the two cannot disagree.
 */
const DAY_FORMAT = 'yyyy-MM-dd';

/**
 * What each stream carries: its prefix in the bucket and the JSON lines' columns, each written
 * as in Athena DDL, `name type -- comment`.
 */
const STREAMS = {
  // core::AuditEvent, as audit_log.rs deliver_pending writes it.
  audit: {
    table: 'audit_events',
    description: 'Administrative changes (policies, unblocks), one JSON line each; deduplicate on id',
    columns: [
      'id string -- event id (unique)',
      'at string -- RFC 3339 time; from_iso8601_timestamp(at)',
      'actor string -- administrator identity',
      'action string -- policy.create, unblock.grant, ...',
      'target string -- policy/<type>/<id>, unblock/<email>',
      'before string -- JSON of the state before (absent for creations)',
      'after string -- JSON of the state after (absent for deletions)',
    ],
  },
  // functions/ingest/src/lib.rs copy_to_s3: one line per counted point.
  usage: {
    table: 'usage_points',
    description: 'Counted OTLP usage points, one JSON line each',
    columns: [
      'identity string -- the signed-in user',
      'metric string -- OTLP metric name',
      'time string -- RFC 3339 time of the point',
      'series string -- series id (metric and attributes)',
      'value bigint -- value as sent',
      'increase bigint -- what the point added (exactly once)',
      'attributes map<string,string> -- OTLP attributes',
    ],
  },
} as const;

/** A Glue column from its `name type -- comment` line in `STREAMS`. */
function column(line: string): glue.CfnTable.ColumnProperty {
  const [, name, type, comment] = /^(\S+) (\S+) -- (.+)$/.exec(line) ?? [];
  if (!name || !type || !comment) throw new Error(`not a "name type -- comment" column: ${line}`);
  return { name, type, comment };
}

export interface AnalyticsStackProps extends StackProps {
  readonly config: Config;
  readonly names: ResourceNames;
}

/**
 * Firehose streams into an S3 bucket, a Glue table over each stream's JSON lines with
 * partition projection (no crawler, no partition maintenance), and an Athena workgroup.
 * With `analytics=false` only the archive: streams, data bucket, access logs.
 */
export class AnalyticsStack extends Stack {
  readonly dataBucket: s3.Bucket;
  /** Athena's query results; undefined with `analytics=false`. */
  readonly resultsBucket?: s3.Bucket;
  readonly streams: Record<keyof typeof STREAMS, firehose.CfnDeliveryStream>;

  constructor(scope: Construct, id: string, props: AnalyticsStackProps) {
    super(scope, id, props);
    const { config, names } = props;
    // Protected deployments keep their data on `cdk destroy`; others delete the buckets, which
    // CloudFormation can only do once they are empty.
    const removalPolicy = config.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    // Server access logs of the buckets below (a log target bucket must use SSE-S3). cdk-nag
    // accepts it without logs of its own, being the target of the others'.
    const accessLogs = new s3.Bucket(this, 'AccessLogsBucket', {
      bucketName: bucketName(names.stack, 'logs', this.account, this.region),
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      removalPolicy,
      lifecycleRules: [{ id: 'expire-logs', expiration: Duration.days(config.logRetentionDays) }],
    });
    // The Quota stack's packages bucket logs here too (lib/distribution.ts); it is named, not
    // referenced, so that neither stack needs the other's outputs.
    const packagesBucket = bucketName(names.stack, 'packages', this.account, this.region);
    accessLogs.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'PackagesBucketAccessLogs',
        effect: iam.Effect.ALLOW,
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [accessLogs.arnForObjects('packages/*')],
        conditions: {
          ArnLike: { 'aws:SourceArn': `arn:${this.partition}:s3:::${packagesBucket}` },
          StringEquals: { 'aws:SourceAccount': this.account },
        },
      }),
    );
    const secureBucket = (id: string, purpose: 'data' | 'athena', lifecycleRules: s3.LifecycleRule[]) =>
      new s3.Bucket(this, id, {
        bucketName: bucketName(names.stack, purpose, this.account, this.region),
        encryption: s3.BucketEncryption.S3_MANAGED,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforceSSL: true,
        serverAccessLogsBucket: accessLogs,
        serverAccessLogsPrefix: `${purpose}/`,
        removalPolicy,
        lifecycleRules,
      });

    // The data bucket (names.rs CCWB_BUCKET): audit/ and usage/ from Firehose; packages later.
    // Objects are small and rarely read, so no storage-class transitions: their per-object
    // request and minimum-size charges would cost more than they save.
    const keep = config.dataRetentionDays > 0 ? Duration.days(config.dataRetentionDays) : undefined;
    this.dataBucket = secureBucket('DataBucket', 'data', [
      { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      { id: 'expire-delivery-errors', prefix: 'errors/', expiration: Duration.days(90) },
      ...(keep
        ? [
            { id: 'expire-audit', prefix: 'audit/', expiration: keep },
            { id: 'expire-usage', prefix: 'usage/', expiration: keep },
          ]
        : []),
    ]);
    // Athena writes each query's results here; without the workgroup nothing does.
    if (config.analytics) {
      this.resultsBucket = secureBucket('AthenaResultsBucket', 'athena', [
        { id: 'expire-results', expiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ]);
    }

    // Delivery errors (e.g. a revoked role) go to CloudWatch, one stream per delivery stream.
    const deliveryLogs = new logs.LogGroup(this, 'DeliveryLogs', {
      logGroupName: `/aws/kinesisfirehose/${names.stack}`,
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const database = names.stack.replace(/-/g, '_'); // Athena names take no hyphens
    // The catalogue is metadata over the archive: leaving it out deletes no object, and
    // deploying with reports again describes the same prefixes.
    const glueDatabase = config.analytics
      ? new glue.CfnDatabase(this, 'GlueDatabase', {
          catalogId: this.account,
          databaseInput: { name: database, description: `ccwb deployment ${names.stack}: audit trail and usage points` },
        })
      : undefined;

    const streams: Partial<Record<keyof typeof STREAMS, firehose.CfnDeliveryStream>> = {};
    for (const which of ['audit', 'usage'] as const) {
      const spec = STREAMS[which];
      const streamName = which === 'audit' ? names.auditStream : names.usageStream;
      const Which = which === 'audit' ? 'Audit' : 'Usage';
      const logStream = new logs.LogStream(this, `${Which}DeliveryLogStream`, {
        logGroup: deliveryLogs,
        logStreamName: `${which}-delivery`,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const objects = [`${this.dataBucket.bucketArn}/${which}/*`, `${this.dataBucket.bucketArn}/errors/${which}/*`];
      // Firehose's documented S3 destination permissions, each on only this stream's prefixes.
      const role = new iam.Role(this, `${Which}DeliveryRole`, {
        assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
          conditions: { StringEquals: { 'sts:ExternalId': this.account } },
        }),
        description: `Firehose ${streamName}: writes ${which}/ of the data bucket`,
        inlinePolicies: {
          [`${streamName}-delivery`]: new iam.PolicyDocument({
            statements: [
              new iam.PolicyStatement({
                sid: 'Bucket',
                actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
                resources: [this.dataBucket.bucketArn],
              }),
              new iam.PolicyStatement({
                sid: 'Objects',
                actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
                resources: objects,
              }),
              new iam.PolicyStatement({
                sid: 'Logs',
                actions: ['logs:PutLogEvents'],
                resources: [
                  this.formatArn({
                    service: 'logs',
                    resource: 'log-group',
                    resourceName: `${deliveryLogs.logGroupName}:log-stream:${logStream.logStreamName}`,
                    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
                  }),
                ],
              }),
            ],
          }),
        },
      });
      for (const object of objects) {
        acknowledgeWildcardResource(
          role,
          object,
          "Firehose chooses each object key itself; the grant is limited to this stream's prefix.",
        );
      }

      const stream = new firehose.CfnDeliveryStream(this, `${Which}Stream`, {
        deliveryStreamName: streamName,
        deliveryStreamType: 'DirectPut',
        deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' },
        extendedS3DestinationConfiguration: {
          bucketArn: this.dataBucket.bucketArn,
          roleArn: role.roleArn,
          // One Hive-style partition per UTC day, which the Glue table projects.
          prefix: `${which}/dt=!{timestamp:${DAY_FORMAT}}/`,
          errorOutputPrefix: `errors/${which}/!{firehose:error-output-type}/dt=!{timestamp:${DAY_FORMAT}}/`,
          bufferingHints: { intervalInSeconds: 300, sizeInMBs: 5 },
          compressionFormat: 'GZIP',
          cloudWatchLoggingOptions: {
            enabled: true,
            logGroupName: deliveryLogs.logGroupName,
            logStreamName: logStream.logStreamName,
          },
        },
      });
      streams[which] = stream;
      if (glueDatabase === undefined) continue;

      const location = `s3://${this.dataBucket.bucketName}/${which}/`;
      const table = new glue.CfnTable(this, `${Which}Table`, {
        catalogId: this.account,
        databaseName: database,
        tableInput: {
          name: spec.table,
          description: spec.description,
          tableType: 'EXTERNAL_TABLE',
          partitionKeys: [{ name: 'dt', type: 'string', comment: `UTC day, ${DAY_FORMAT}` }],
          parameters: {
            EXTERNAL: 'TRUE',
            classification: 'json',
            compressionType: 'gzip',
            'projection.enabled': 'true',
            'projection.dt.type': 'date',
            'projection.dt.format': DAY_FORMAT,
            'projection.dt.range': `${PROJECTION_START},NOW`,
            'projection.dt.interval': '1',
            'projection.dt.interval.unit': 'DAYS',
            'storage.location.template': `${location}dt=\${dt}/`,
          },
          storageDescriptor: {
            location,
            columns: spec.columns.map(column),
            inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
            outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
            serdeInfo: { serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' },
          },
        },
      });
      table.node.addDependency(glueDatabase);
    }
    this.streams = streams as Record<keyof typeof STREAMS, firehose.CfnDeliveryStream>;

    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    output('DataBucketName', this.dataBucket.bucketName, 'Audit and usage copies (CCWB_BUCKET)');
    output('AuditStreamName', streams.audit!.ref, 'Firehose stream of audit events');
    output('UsageStreamName', streams.usage!.ref, 'Firehose stream of usage points');

    if (this.resultsBucket !== undefined) {
      // Queries run here: results encrypted in their own bucket, settings enforced, and a
      // per-query scan limit so a careless query cannot run up the bill.
      const workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
        name: names.stack,
        description: `ccwb deployment ${names.stack}: audit and usage queries`,
        state: 'ENABLED',
        recursiveDeleteOption: true,
        workGroupConfiguration: {
          enforceWorkGroupConfiguration: true,
          publishCloudWatchMetricsEnabled: true,
          bytesScannedCutoffPerQuery: 10 * 1024 ** 3,
          resultConfiguration: {
            outputLocation: `s3://${this.resultsBucket.bucketName}/results/`,
            encryptionConfiguration: { encryptionOption: 'SSE_S3' },
          },
        },
      });
      output('AthenaResultsBucketName', this.resultsBucket.bucketName, 'Athena query results');
      output('AthenaWorkGroup', workGroup.name, 'Athena workgroup');
      output('GlueDatabaseName', database, 'Glue database of the audit_events and usage_points tables');
    }
  }
}
