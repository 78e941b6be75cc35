import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { LambdaDestination } from 'aws-cdk-lib/aws-logs-destinations';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { Config } from './config';
import type { ResourceNames } from './names';
import { acknowledgeWildcardResource } from './nag';

/** The log stream Bedrock writes every invocation record to, in the configured log group. */
export const INVOCATION_LOG_STREAM = 'aws/bedrock/modelinvocations';

/**
 * The logging configuration the stack puts (Bedrock `PutModelInvocationLoggingConfiguration`,
 * SDK v3 `@aws-sdk/client-bedrock`): records to the log group, as Bedrock's role, and **no
 * data**. Every delivery flag is spelled out because Bedrock's default for each is to include
 * that modality's data, so leaving one out would keep prompts and answers (developers' source
 * code) in the log group. Metadata stays: who called, which model, the token counts.
 */
export function loggingConfig(logGroupName: string, roleArn: string): Record<string, unknown> {
  return {
    cloudWatchConfig: { logGroupName, roleArn },
    textDataDeliveryEnabled: false,
    imageDataDeliveryEnabled: false,
    embeddingDataDeliveryEnabled: false,
    videoDataDeliveryEnabled: false,
    audioDataDeliveryEnabled: false,
  };
}

export interface InvocationLoggingProps {
  readonly config: Config;
  readonly names: ResourceNames;
  /** The meter function (ccwb-meter), which the log group's subscription invokes. */
  readonly meter: lambda.IFunction;
}

/**
 * What `meter=invocation-logs` adds beside the meter function itself: Bedrock's own record of
 * each model invocation in this account and Region, delivered to the meter.
 *
 * - The log group `/aws/bedrock/<name>/invocations`, kept `meterLogRetentionDays` (records are
 *   delivered to the meter within seconds; the days are for looking into a skipped one),
 *   encrypted with a key of its own that CloudWatch Logs may use for this log group only.
 * - The role Bedrock assumes to write there: trusted by `bedrock.amazonaws.com` for this account
 *   and Region only (`aws:SourceAccount`, `aws:SourceArn`), allowed to write Bedrock's one log
 *   stream of this group and nothing else.
 * - The account's model invocation logging configuration for this Region, put by a custom
 *   resource on create and update (overwriting whatever was configured: `ccwb deploy` refuses to
 *   replace a different configuration unless told to) and deleted with the stack.
 * - The subscription that hands every record to the meter.
 */
export class InvocationLogging extends Construct {
  readonly logGroup: logs.LogGroup;
  readonly key: kms.Key;
  /** The role Bedrock writes the records as. */
  readonly deliveryRole: iam.Role;
  /** The custom resource that puts (and deletes) the logging configuration. */
  readonly configuration: cr.AwsCustomResource;
  /** The execution role of the custom resource's function. */
  readonly configurationRole: iam.Role;
  readonly subscription: logs.SubscriptionFilter;

  constructor(scope: Construct, id: string, props: InvocationLoggingProps) {
    super(scope, id);
    const { config, names, meter } = props;
    const stack = Stack.of(this);
    // Fixed names, like every log group of the stack: a group kept after a destroy would make
    // the next deploy of the same name fail. Its records are a buffer the meter has read.
    const removal = RemovalPolicy.DESTROY;

    // The log group's ARN by name: the key policy below cannot refer to the group (which refers
    // to the key). CloudWatch Logs puts this ARN in the encryption context of every use.
    const logGroupArn = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: names.invocationLogGroup,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.key = new kms.Key(this, 'Key', {
      alias: `alias/${names.stack}-invocation-logs`,
      description: `Encrypts the ${names.invocationLogGroup} log group (Bedrock model invocation records)`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(7),
      removalPolicy: removal,
    });
    // CloudWatch Logs User Guide, "Encrypt log data in CloudWatch Logs using AWS KMS": the
    // service principal of the Region, limited by the encryption context to this log group.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsEncryptInvocationLogs',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'], // in a key policy, "*" is this key
        conditions: { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': logGroupArn } },
      }),
    );
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: names.invocationLogGroup,
      retention: config.meterLogRetentionDays as logs.RetentionDays,
      encryptionKey: this.key,
      removalPolicy: removal,
    });

    // Bedrock User Guide, "Monitor model invocation using CloudWatch Logs and Amazon S3" (CloudWatch
    // Logs destination): Bedrock assumes the role to write, for this account and Region only (the
    // confused-deputy conditions), into the one stream it writes.
    this.deliveryRole = new iam.Role(this, 'DeliveryRole', {
      description: `Amazon Bedrock writes model invocation records to ${names.invocationLogGroup}`,
      assumedBy: new iam.ServicePrincipal('bedrock.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'bedrock', resource: '*' }) },
        },
      }),
      inlinePolicies: {
        [`${names.stack}-invocation-logs`]: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'WriteInvocationRecords',
              effect: iam.Effect.ALLOW,
              actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              // The group's GetAtt Arn ends in ":*", which would make no valid stream ARN.
              resources: [`${logGroupArn}:log-stream:${INVOCATION_LOG_STREAM}`],
            }),
          ],
        }),
      },
    });

    // The custom resource's function: a role and log group of its own, like every function of
    // the stack (no managed policy, no log group created on first write).
    const functionName = `${names.stack}-invocation-logging`;
    const configurationLogs = new logs.LogGroup(this, 'ConfigurationLogs', {
      logGroupName: `/aws/lambda/${functionName}`,
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: removal,
    });
    this.configurationRole = new iam.Role(this, 'ConfigurationRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${functionName}: puts and deletes the Bedrock model invocation logging configuration`,
      inlinePolicies: {
        [functionName]: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'WriteLogs',
              effect: iam.Effect.ALLOW,
              actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              resources: [configurationLogs.logGroupArn],
            }),
            // The logging configuration is one per account and Region, not a resource: IAM
            // accepts only "*" for these actions.
            new iam.PolicyStatement({
              sid: 'InvocationLoggingConfiguration',
              effect: iam.Effect.ALLOW,
              actions: ['bedrock:DeleteModelInvocationLoggingConfiguration', 'bedrock:PutModelInvocationLoggingConfiguration'],
              resources: ['*'],
            }),
            // The configuration names the delivery role, for Bedrock only.
            new iam.PolicyStatement({
              sid: 'PassDeliveryRole',
              effect: iam.Effect.ALLOW,
              actions: ['iam:PassRole'],
              resources: [this.deliveryRole.roleArn],
              conditions: { StringEquals: { 'iam:PassedToService': 'bedrock.amazonaws.com' } },
            }),
          ],
        }),
      },
    });
    const put: cr.AwsSdkCall = {
      service: 'bedrock',
      action: 'PutModelInvocationLoggingConfiguration',
      parameters: { loggingConfig: loggingConfig(this.logGroup.logGroupName, this.deliveryRole.roleArn) },
      // One configuration per account and Region: the same id on every update, so CloudFormation
      // never deletes the "old" one after putting the new.
      physicalResourceId: cr.PhysicalResourceId.of(`${names.stack}-invocation-logging`),
    };
    // AwsCustomResource runs every instance of the stack in one function: this is the only one,
    // and its role is granted nothing beyond this configuration.
    this.configuration = new cr.AwsCustomResource(this, 'Configuration', {
      resourceType: 'Custom::BedrockInvocationLogging',
      functionName,
      role: this.configurationRole,
      logGroup: configurationLogs,
      // The runtime's own SDK: nothing downloaded at deploy time.
      installLatestAwsSdk: false,
      onCreate: put,
      onUpdate: put,
      onDelete: { service: 'bedrock', action: 'DeleteModelInvocationLoggingConfiguration' },
    });

    // Every record to the meter, which counts the developers' role's and skips the rest.
    this.subscription = new logs.SubscriptionFilter(this, 'Subscription', {
      logGroup: this.logGroup,
      filterName: `${names.stack}-meter`,
      destination: new LambdaDestination(meter),
      filterPattern: logs.FilterPattern.allEvents(),
    });

    acknowledgeWildcardResource(
      this.configurationRole,
      '*',
      'PutModelInvocationLoggingConfiguration and DeleteModelInvocationLoggingConfiguration have no resource type (one configuration per account and Region): IAM accepts only "*".',
    );
  }
}
