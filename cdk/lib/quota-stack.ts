import * as fs from 'node:fs';
import * as path from 'node:path';
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { type Config, REPO_ROOT, revokesSessions } from './config';
import { routesOf } from './routes';
import { UsageDashboard } from './dashboard';
import { Distribution } from './distribution';
import type { LambdaCode } from './lambda-code';
import { InvocationLogging } from './meter';
import { Revocation } from './revocation';
import {
  AUDIT_PENDING_INDEX,
  DENY_POLICY_PATH,
  OUTBOX_PREFIX,
  POLICY_TYPE_INDEX,
  REVOCATION_PK,
  type ResourceNames,
  SESSION_PREFIX,
  type TableIndex,
  USAGE_TTL_ATTRIBUTE,
  bucketName,
  denyPolicyPrefix,
} from './names';
import { acknowledgeWildcardResource } from './nag';

/** What a function's policy statements may refer to. */
interface Resources {
  readonly policies: dynamodb.Table;
  readonly usage: dynamodb.Table;
  readonly audit: dynamodb.Table;
  readonly topic: sns.Topic;
  readonly key: kms.Key;
  /** The ARN of a Firehose delivery stream of the Analytics stack. */
  streamArn(which: 'audit' | 'usage'): string;
  /** The ARNs of the ccwb CloudFormation stacks (`deploymentStacks`). */
  readonly stackArns: string[];
  /** The packages bucket, the download-link signer's secret, the latest-package parameter. */
  readonly distribution: Distribution;
  /** What revocation's statements name; absent when the deployment does not revoke (`revokesSessions`). */
  readonly revocation?: RevocationTargets;
}

/** The developers' role, the deny policies the sweeper writes on it, and the stream that starts it. */
interface RevocationTargets {
  /** The Auth stack's role (`names.federatedRole`), by name: no cross-stack reference. */
  readonly roleArn: string;
  /** Every deny policy of the deployment: `policy/ccwb/<stack>-revoked-*`. */
  readonly denyPolicies: string;
  /** The usage table's stream, whose REVOCATION inserts invoke the sweeper (lib/revocation.ts). */
  readonly usageTableStream: string;
}

/**
 * One Lambda function: its binary, what invokes it (HTTP routes or a schedule), and exactly
 * the access it needs.
 */
export interface FunctionSpec {
  /** Construct id and the suffix of its name (`<stack>-<id lower-cased>`). */
  readonly id: string;
  /** The `[[bin]]` name: code from `<lambdaDir>/<binary>/bootstrap`. */
  readonly binary: string;
  /** The routes the Rust route catalogue gives the binary (API Gateway route keys); empty off the API. */
  readonly routes: readonly string[];
  /** An EventBridge schedule expression that invokes the function (`rate(1 minute)`). */
  readonly schedule?: string;
  readonly timeout: Duration;
  /** Variables of this function only, beside the environment every function gets. */
  environment?(names: ResourceNames, config: Config): Record<string, string>;
  /** One statement per resource group; actions are those its store code paths call. */
  statements(r: Resources): iam.PolicyStatement[];
}

const allow = (sid: string, actions: string[], resources: string[]) =>
  new iam.PolicyStatement({ sid, effect: iam.Effect.ALLOW, actions: [...actions].sort(), resources });

const indexArn = (table: dynamodb.Table, index: string) => `${table.tableArn}/index/${index}`;

/**
 * What a function that delivers pending audit events (audit_log.rs deliver_pending) needs: the
 * `sid` statement on the audit table, with the claim and delivery mark or release (UpdateItem)
 * and the function's own `calls` there; then the events left pending (Query on the sparse
 * index) and their delivery to the audit stream.
 */
const deliversAudit = ({ audit, streamArn }: Pick<Resources, 'audit' | 'streamArn'>, sid: string, calls: string[] = []) => [
  allow(sid, ['dynamodb:UpdateItem', ...calls], [audit.tableArn]),
  allow('FindPendingAudit', ['dynamodb:Query'], [indexArn(audit, AUDIT_PENDING_INDEX.name)]),
  allow('DeliverAudit', ['firehose:PutRecordBatch'], [streamArn('audit')]),
];

/**
 * What a function that records audit events (audit_log.rs record) needs: the event's PutItem
 * beside what delivering it takes (`deliversAudit`), since each function delivers its own.
 */
const recordsAudit = (r: Pick<Resources, 'audit' | 'streamArn'>, sid: string, calls: string[] = []) =>
  deliversAudit(r, sid, ['dynamodb:PutItem', ...calls]);

/**
 * The sweeper's reconcile of the developers' role's deny policies (functions/lambda/src/
 * revocation.rs, functions/store/src/role_denies.rs), beside what it shares with the rest of
 * the sweeper (the audit events it records, `recordsAudit`).
 */
const revocationStatements = ({ policies, usage }: Pick<Resources, 'policies' | 'usage'>, targets: RevocationTargets) => [
  // reconcile decides each noted user again with quota.rs check_inputs, the reads /check makes:
  // one BatchGetItem across both tables, as the Check role's ReadQuotaInputs.
  allow('ReadQuotaInputs', ['dynamodb:BatchGetItem'], [policies.tableArn, usage.tableArn]),
  // revocations.rs revocations (Query, consistent), mark_applied (UpdateItem) and lift
  // (DeleteItem), each conditional on the item's version: the REVOCATION partition only.
  new iam.PolicyStatement({
    sid: 'Revocations',
    effect: iam.Effect.ALLOW,
    actions: ['dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
    resources: [usage.tableArn],
    conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [REVOCATION_PK] } },
  }),
  // role_denies.rs held: ListPolicies (Scope=Local, PathPrefix=/ccwb/) has no resource type, so
  // IAM accepts only "*"; it lists names and ARNs, no document.
  allow('FindDenyPolicies', ['iam:ListPolicies'], ['*']),
  // held: which deny policies the developers' role has (ListAttachedRolePolicies).
  allow('ReadRolePolicies', ['iam:ListAttachedRolePolicies'], [targets.roleArn]),
  // document (GetPolicyVersion), create (CreatePolicy), new_version (ListPolicyVersions, the
  // oldest's DeletePolicyVersion, CreatePolicyVersion) and remove (ListPolicyVersions,
  // DeletePolicyVersion, DeletePolicy): the deployment's deny policies only.
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
    [targets.denyPolicies],
  ),
  // apply (AttachRolePolicy) and remove (DetachRolePolicy): on the developers' role, and only
  // with a deny policy. Without the condition the sweeper could attach any managed policy
  // (AdministratorAccess, say) to the role every developer's credentials come from. What a deny
  // policy's document says IAM cannot limit: the role's permissions boundary does (lib/auth-stack.ts).
  new iam.PolicyStatement({
    sid: 'AttachDenyPolicies',
    effect: iam.Effect.ALLOW,
    actions: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
    resources: [targets.roleArn],
    conditions: { ArnLike: { 'iam:PolicyARN': targets.denyPolicies } },
  }),
  // Lambda reads the usage table's stream as the function's role (the event source mapping of
  // lib/revocation.ts): DescribeStream, GetShardIterator and GetRecords on the stream itself;
  // ListStreams has no resource type ("*"), and lists stream ARNs, no data.
  allow('ReadUsageTableStream', ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], [targets.usageTableStream]),
  allow('ListStreams', ['dynamodb:ListStreams'], ['*']),
];

/** The developers' role the meter counts and the sweeper denies on (names.rs federated_role). */
const federatedRole = (names: ResourceNames) => ({ CCWB_FEDERATED_ROLE: names.federatedRole });

/** The deployment's CloudFormation stacks, in the order `GET /status` lists them (`CCWB_CFN_STACKS`). */
export const deploymentStacks = (names: ResourceNames): string[] => [names.authStack, names.quotaStack, names.analyticsStack];

/**
 * The functions of every deployment (the meter, only with `meter=invocation-logs`, is `METER`
 * below). Each statement names the store calls (functions/store/src) that need it;
 * TransactWriteItems is authorised per item (PutItem/UpdateItem/DeleteItem), so it never
 * appears as an action of its own.
 */
export const FUNCTIONS: readonly FunctionSpec[] = [
  {
    id: 'Check',
    binary: 'ccwb-check',
    routes: routesOf('ccwb-check'),
    timeout: Duration.seconds(10),
    // quota.rs check_inputs: one BatchGetItem across both tables. GET /me reads nothing.
    // check.rs records the caller's role session name (sessions.rs record_session, PutItem)
    // under SESSION# keys only: the function cannot touch counters or unblocks.
    statements: ({ policies, usage }) => [
      allow('ReadQuotaInputs', ['dynamodb:BatchGetItem'], [policies.tableArn, usage.tableArn]),
      new iam.PolicyStatement({
        sid: 'RecordSessionNames',
        effect: iam.Effect.ALLOW,
        actions: ['dynamodb:PutItem'],
        resources: [usage.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${SESSION_PREFIX}*`] } },
      }),
    ],
  },
  {
    id: 'Admin',
    binary: 'ccwb-admin',
    routes: routesOf('ccwb-admin'),
    // Imports of up to 5,000 rows; API Gateway gives up after 30 s anyway.
    timeout: Duration.seconds(29),
    statements: ({ policies, usage, audit, streamArn }) => [
      // policies.rs: get_policy (GetItem), get_policies and check_inputs (BatchGetItem),
      // write_policy (TransactWriteItems: Put or Delete), import_policies (BatchWriteItem).
      allow(
        'Policies',
        ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'],
        [policies.tableArn],
      ),
      // policies.rs list_policies.
      allow('ListPolicies', ['dynamodb:Query'], [indexArn(policies, POLICY_TYPE_INDEX.name)]),
      // check_inputs (resolve, usage) and usage_detail: BatchGetItem.
      allow('ReadUsage', ['dynamodb:BatchGetItem'], [usage.tableArn]),
      // The audit event in the same transaction or batch (import_policies: BatchWriteItem).
      ...recordsAudit({ audit, streamArn }, 'WriteAudit', ['dynamodb:BatchWriteItem']),
    ],
  },
  {
    id: 'Unblock',
    binary: 'ccwb-unblock',
    routes: routesOf('ccwb-unblock'),
    timeout: Duration.seconds(10),
    statements: ({ usage, audit, streamArn }) => [
      // unblocks.rs: current_unblock (GetItem), unblock_history (Query), grant (Put, Put),
      // revoke (Delete, Update), all in transactions with the audit event.
      allow(
        'Unblocks',
        ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem'],
        [usage.tableArn],
      ),
      // The audit Put of each transaction; audit_events reads the trail back (Query).
      ...recordsAudit({ audit, streamArn }, 'Audit', ['dynamodb:Query']),
    ],
  },
  {
    id: 'Ingest',
    binary: 'ccwb-ingest',
    routes: routesOf('ccwb-ingest'),
    timeout: Duration.seconds(29),
    // With the meter, quota usage comes from Bedrock's records: telemetry then counts no tokens
    // (settings.rs Meter), so nothing is counted twice. Unset is telemetry.
    environment: (_names, config): Record<string, string> =>
      config.meter === 'invocation-logs' ? { CCWB_METER: config.meter } : {},
    statements: ({ policies, usage, streamArn, topic, key }) => [
      // alert(): check_inputs reads the policies with the usage (BatchGetItem).
      allow('ReadPolicies', ['dynamodb:BatchGetItem'], [policies.tableArn]),
      // ingest.rs: watermarks (BatchGetItem), rounds (TransactWriteItems: Put, Update);
      // alerts.rs: PutItem, Query, claim and state (UpdateItem); outbox.rs keep (PutItem);
      // revocations.rs note_blocked: the REVOCATION item of a user the usage blocks (UpdateItem,
      // unconditioned by key like the rest, so no statement of its own).
      allow(
        'Usage',
        ['dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
        [usage.tableArn],
      ),
      allow('CopyUsage', ['firehose:PutRecordBatch'], [streamArn('usage')]),
      allow('PublishAlerts', ['sns:Publish'], [topic.topicArn]),
      // Publishing to a topic encrypted with a customer managed key needs the key.
      allow('EncryptAlerts', ['kms:GenerateDataKey', 'kms:Decrypt'], [key.keyArn]),
    ],
  },
  {
    id: 'Status',
    binary: 'ccwb-status',
    routes: routesOf('ccwb-status'),
    timeout: Duration.seconds(10),
    // Every stack of the deployment, the auth stack (the developers' role) included:
    // `ccwb status` shows their outputs and `ccwb doctor` checks each one's status from this answer.
    environment: (names) => ({ CCWB_CFN_STACKS: deploymentStacks(names).join(',') }),
    statements: ({ stackArns, policies, usage, audit }) => [
      // Each stack's status and outputs, those three stacks only.
      allow('DescribeStacks', ['cloudformation:DescribeStacks'], stackArns),
      // Table status and item counts.
      allow('DescribeTables', ['dynamodb:DescribeTable'], [policies.tableArn, usage.tableArn, audit.tableArn]),
    ],
  },
  {
    // Installer packages: presigned upload, verified publication, download links (admins only).
    id: 'Distribution',
    binary: 'ccwb-distribution',
    routes: routesOf('ccwb-distribution'),
    // Publishing hashes the whole upload (streamed), and API Gateway gives up after 30 s: a
    // run that outlived the API would record a publication the caller was told had failed.
    timeout: Duration.seconds(29),
    // The restriction the bucket policy enforces: allowed_ips requests are checked against it
    // (and refused without one). Only this function acts on it.
    environment: (_names, config): Record<string, string> =>
      config.distributionAllowedIps ? { CCWB_DISTRIBUTION_ALLOWED_IPS: config.distributionAllowedIps.join(',') } : {},
    statements: ({ distribution, audit, streamArn }) => [
      // packages.rs presign_upload (S3 checks the role that signed the URL when the CLI PUTs)
      // and put_json (declared.json); get_json (declared.json) and inspect (hashes the upload).
      allow('Packages', ['s3:PutObject', 's3:GetObject'], [distribution.packageObjects]),
      // Lets S3 answer a GetObject of a missing key with 404 NoSuchKey, which get_json and
      // inspect read as "not declared" and "not uploaded"; without it S3 answers 403.
      allow('FindPackages', ['s3:ListBucket'], [distribution.bucket.bucketArn]),
      // presign_download: the signer's access key (the secret uses the AWS managed key, whose
      // policy lets Secrets Manager decrypt for principals of the account: no kms statement).
      allow('ReadSignerKey', ['secretsmanager:GetSecretValue'], [distribution.signerSecret.secretArn]),
      // save_latest and latest: a SecureString under the AWS managed key aws/ssm, which SSM
      // uses for principals of the account without a kms statement.
      allow('LatestDistribution', ['ssm:PutParameter', 'ssm:GetParameter'], [distribution.parameterArn]),
      // audit_log.rs record, on its own (no transaction).
      ...recordsAudit({ audit, streamArn }, 'WriteAudit'),
    ],
  },
  {
    // What ccwb-local does every CCWB_REVOCATION_SECONDS and CCWB_AUDIT_DELIVERY_SECONDS:
    // reconciles the developers' role's deny policies with the revocations wanted, then delivers
    // audit events left pending and usage records Firehose refused. Not behind the API; any event
    // starts a run (the schedule, the usage table's stream), but a custom resource's Delete,
    // which removes the deny policies (lib/revocation.ts).
    id: 'Sweeper',
    binary: 'ccwb-sweeper',
    routes: [],
    schedule: 'rate(1 minute)',
    // Under dynamo.rs CLAIM (60 s): a run never sends an item after its claim has lapsed and
    // another sender may have taken it; and under the schedule's minute.
    timeout: Duration.seconds(50),
    // sweeper/src/lib.rs reads CCWB_REVOCATION (on or off) and, on, the role it denies on.
    environment: (names, config): Record<string, string> =>
      revokesSessions(config) ? { CCWB_REVOCATION: 'on', ...federatedRole(names) } : { CCWB_REVOCATION: 'off' },
    statements: ({ policies, audit, usage, streamArn, revocation }) => [
      // audit_log.rs deliver_pending: the pending events (Query on the sparse index), claim
      // (UpdateItem), then the delivery mark or the claim's release, and the delivery. With
      // revocation the reconcile records each deny and lift too (record: PutItem).
      ...(revocation ? recordsAudit({ audit, streamArn }, 'Audit') : deliversAudit({ audit, streamArn }, 'Audit')),
      // outbox.rs deliver_kept: each OUTBOX#{shard} (Query), claim and the refused rest
      // (UpdateItem), the item once all of it was accepted (DeleteItem): OUTBOX# items only.
      new iam.PolicyStatement({
        sid: 'Outbox',
        effect: iam.Effect.ALLOW,
        actions: ['dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
        resources: [usage.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${OUTBOX_PREFIX}*`] } },
      }),
      // The stream each kept item names: only ingest keeps records, all for the usage stream.
      allow('DeliverUsage', ['firehose:PutRecordBatch'], [streamArn('usage')]),
      ...(revocation ? revocationStatements({ policies, usage }, revocation) : []),
    ],
  },
  {
    // CloudWatch custom widgets (lib/dashboard.ts): the console invokes it directly, with the
    // credentials of whoever views the dashboard (the <stack>-dashboard-viewer policy), so it
    // is on no route, has no resource policy and no schedule.
    id: 'Widgets',
    binary: 'ccwb-widgets',
    routes: [],
    // One Query per UTC day of the range, all at once: a year-long range is 400 of them.
    timeout: Duration.seconds(20),
    statements: ({ usage, policies }) => [
      // rollups.rs day_rollups and month_users: pk = ROLLUP#DAY#<day> and ROLLUP#MONTH#<month>
      // on the table's own key (no index), paged; quota-status reads the unblocks of the users
      // near a limit (unblocks.rs current_unblocks: BatchGetItem).
      allow('ReadRollups', ['dynamodb:Query', 'dynamodb:BatchGetItem'], [usage.tableArn]),
      // quota-status reads the policies the month's users resolve to (policies.rs get_policies).
      allow('ReadPolicies', ['dynamodb:BatchGetItem'], [policies.tableArn]),
    ],
  },
];

/**
 * The meter (`meter=invocation-logs` only; lib/meter.ts deploys what feeds it): Bedrock's own
 * model invocation records, which the invocation log group's subscription delivers in batches,
 * counted into usage exactly once per request id. On no route and no schedule.
 */
export const METER: FunctionSpec = {
  id: 'Meter',
  binary: 'ccwb-meter',
  routes: [],
  // A delivery is a batch of records: one BatchGetItem, a transaction per owner and batch, alerts.
  timeout: Duration.seconds(60),
  // Only invocations of the developers' role are counted (names.rs federated_role).
  environment: federatedRole,
  statements: ({ policies, usage, topic, key }) => [
    // alerts.rs send_reached: check_inputs reads the policies with the usage (BatchGetItem).
    allow('ReadPolicies', ['dynamodb:BatchGetItem'], [policies.tableArn]),
    // sessions.rs session_owners (BatchGetItem); meter.rs record_invocations (TransactWriteItems:
    // Put of each INVOCATION# marker, Update of the counters); store alerts.rs send_alerts:
    // PutItem, Query, claim and state (UpdateItem); revocations.rs note_blocked (UpdateItem of
    // the REVOCATION item, covered by the same unconditioned grant).
    allow('Usage', ['dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'], [usage.tableArn]),
    allow('PublishAlerts', ['sns:Publish'], [topic.topicArn]),
    // Publishing to a topic encrypted with a customer managed key needs the key.
    allow('EncryptAlerts', ['kms:GenerateDataKey', 'kms:Decrypt'], [key.keyArn]),
  ],
};

/** The functions of a deployment: `FUNCTIONS`, and the meter with `meter=invocation-logs`. */
export function functionsOf(config: Pick<Config, 'meter'>): readonly FunctionSpec[] {
  return config.meter === 'invocation-logs' ? [...FUNCTIONS, METER] : FUNCTIONS;
}

/** The deployment's version: the workspace version in the root Cargo.toml. */
export function workspaceVersion(): string {
  const cargo = fs.readFileSync(path.join(REPO_ROOT, 'Cargo.toml'), 'utf8');
  const section = cargo.split(/^\[workspace\.package\]\s*$/m)[1] ?? '';
  return /^version\s*=\s*"([^"]+)"/m.exec(section)?.[1] ?? 'unknown';
}

export interface QuotaStackProps extends StackProps {
  readonly config: Config;
  readonly names: ResourceNames;
  readonly code: LambdaCode;
}

/**
 * The quota control plane: tables, the HTTP API with its JWT authorizer, one Lambda per
 * function, alarms and the alert topic, the usage dashboard.
 */
export class QuotaStack extends Stack {
  readonly functions: Record<string, lambda.Function> = {};
  readonly api: HttpApi;
  readonly tables: { policies: dynamodb.Table; usage: dynamodb.Table; audit: dynamodb.Table };
  readonly alertTopic: sns.Topic;
  readonly distribution: Distribution;
  readonly dashboard: UsageDashboard;
  /** What feeds the meter (`meter=invocation-logs` only). */
  readonly invocationLogging?: InvocationLogging;
  /** The sweeper's stream trigger and its clean-up at deletion (absent without `revokesSessions`). */
  readonly revocation?: Revocation;

  constructor(scope: Construct, id: string, props: QuotaStackProps) {
    super(scope, id, props);
    const { config, names, code } = props;
    const specs = functionsOf(config);
    const revokes = revokesSessions(config);
    const version = workspaceVersion();
    const logRemoval = RemovalPolicy.DESTROY; // fixed names: a kept log group would block a redeploy

    // Tables as functions/store/src/tables.rs defines them (ccwb-local creates the same ones).
    // Protected tables survive `cdk destroy`; the flag exists for throw-away stacks.
    // A table's index (tables.rs gives each at most one) projects every attribute.
    const table = (
      id: string,
      tableName: string,
      more: { ttl?: string; index?: TableIndex; stream?: dynamodb.StreamViewType } = {},
    ) => {
      const created = new dynamodb.Table(this, id, {
        tableName,
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: config.deletionProtection,
        removalPolicy: config.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        timeToLiveAttribute: more.ttl,
        stream: more.stream,
      });
      if (more.index) {
        created.addGlobalSecondaryIndex({
          indexName: more.index.name,
          partitionKey: { name: more.index.partitionKey, type: dynamodb.AttributeType.STRING },
          sortKey: { name: more.index.sortKey, type: dynamodb.AttributeType.STRING },
          projectionType: dynamodb.ProjectionType.ALL,
        });
      }
      return created;
    };
    const policies = table('PoliciesTable', names.policiesTable, { index: POLICY_TYPE_INDEX });
    // With revocation, the usage table's stream starts the sweeper when a user is noted blocked
    // (lib/revocation.ts): the keys say which item it was, and the sweeper reads the rest itself.
    const usage = table('UsageTable', names.usageTable, {
      ttl: USAGE_TTL_ATTRIBUTE,
      stream: revokes ? dynamodb.StreamViewType.KEYS_ONLY : undefined,
    });
    const audit = table('AuditTable', names.auditTable, { index: AUDIT_PENDING_INDEX });
    this.tables = { policies, usage, audit };

    // The alert topic: usage alerts from ingest, and the alarms below. Its own key, because
    // CloudWatch alarms cannot publish to a topic under the AWS managed SNS key.
    const key = new kms.Key(this, 'AlertKey', {
      alias: `alias/${names.alertTopic}`,
      description: `Encrypts the ${names.alertTopic} SNS topic`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(7),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'], // in a key policy, "*" is this key
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    const topic = new sns.Topic(this, 'AlertTopic', {
      topicName: names.alertTopic,
      displayName: `ccwb alerts (${names.stack})`,
      masterKey: key,
      enforceSSL: true,
    });
    // The TLS-only topic policy replaces SNS's default one, so alarms need a grant of their own.
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: {
            'aws:SourceArn': this.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: `${names.stack}-*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    if (config.alertEmail) topic.addSubscription(new EmailSubscription(config.alertEmail));
    this.alertTopic = topic;

    // Installer packages: bucket, download-link signer and its secret (lib/distribution.ts).
    const distribution = new Distribution(this, 'Distribution', { config, names });
    this.distribution = distribution;

    const resources: Resources = {
      policies,
      usage,
      audit,
      topic,
      key,
      streamArn: (which) =>
        this.formatArn({
          service: 'firehose',
          resource: 'deliverystream',
          resourceName: which === 'audit' ? names.auditStream : names.usageStream,
        }),
      stackArns: deploymentStacks(names).map((stack) =>
        this.formatArn({ service: 'cloudformation', resource: 'stack', resourceName: `${stack}/*` }),
      ),
      distribution,
      revocation: revokes
        ? {
            roleArn: this.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: names.federatedRole }),
            denyPolicies: this.formatArn({
              service: 'iam',
              region: '',
              resource: 'policy',
              resourceName: `${DENY_POLICY_PATH.slice(1)}${denyPolicyPrefix(names.stack)}*`,
            }),
            usageTableStream: usage.tableStreamArn!,
          }
        : undefined,
    };

    // The same names and settings for every function, so none can disagree with another.
    const environment: Record<string, string> = {
      CCWB_STACK_NAME: names.stack,
      CCWB_POLICIES_TABLE: policies.tableName,
      CCWB_USAGE_TABLE: usage.tableName,
      CCWB_AUDIT_TABLE: audit.tableName,
      CCWB_AUDIT_STREAM: names.auditStream,
      CCWB_USAGE_STREAM: names.usageStream,
      CCWB_ALERT_TOPIC_ARN: topic.topicArn,
      CCWB_BUCKET: bucketName(names.stack, 'data', this.account, this.region),
      CCWB_PACKAGES_BUCKET: distribution.bucket.bucketName,
      CCWB_SIGNER_SECRET: names.signerSecret,
      CCWB_ADMIN_GROUPS: config.settings.adminGroups,
      CCWB_IDENTITY_CLAIMS: config.settings.identityClaims,
      CCWB_FAIL_MODE: config.settings.failMode,
      CCWB_MISSING_IDENTITY: config.settings.missingIdentity,
      CCWB_UNVERIFIED_EMAIL: config.settings.unverifiedEmail,
      RUST_LOG: 'info',
    };
    if (config.settings.pricing) environment.CCWB_PRICING = config.settings.pricing;

    const architecture = code.architecture === 'arm64' ? lambda.Architecture.ARM_64 : lambda.Architecture.X86_64;
    for (const spec of specs) {
      const functionName = `${names.stack}-${spec.id.toLowerCase()}`;
      const logGroup = new logs.LogGroup(this, `${spec.id}Logs`, {
        logGroupName: `/aws/lambda/${functionName}`,
        retention: config.logRetentionDays as logs.RetentionDays,
        removalPolicy: logRemoval,
      });
      // No managed policies: the log group exists, so writing to it is all logging needs.
      const role = new iam.Role(this, `${spec.id}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `${functionName}: exactly the calls its code makes`,
        inlinePolicies: {
          [functionName]: new iam.PolicyDocument({
            statements: [
              allow('WriteLogs', ['logs:CreateLogStream', 'logs:PutLogEvents'], [logGroup.logGroupArn]),
              ...spec.statements(resources),
            ],
          }),
        },
      });
      const fn = new lambda.Function(this, `${spec.id}Function`, {
        functionName,
        description: code.placeholder ? `${spec.binary} PLACEHOLDER, do not deploy` : `${spec.binary} ${version}`,
        runtime: lambda.Runtime.PROVIDED_AL2023,
        architecture,
        handler: 'bootstrap',
        code: lambda.Code.fromAsset(code.dirs[spec.binary]!),
        role,
        logGroup,
        memorySize: config.lambdaMemoryMb,
        timeout: spec.timeout,
        environment: { ...environment, ...spec.environment?.(names, config) },
      });
      this.functions[spec.id] = fn;
    }

    // The HTTP API: every route behind the JWT authorizer (API Gateway checks issuer,
    // audience, expiry and signature before any function runs).
    const authorizer = new HttpJwtAuthorizer('JwtAuthorizer', config.issuer, {
      authorizerName: `${names.stack}-jwt`,
      jwtAudience: config.audiences,
      identitySource: ['$request.header.Authorization'],
    });
    this.api = new HttpApi(this, 'Api', {
      apiName: names.stack,
      description: `ccwb control plane (${names.stack})`,
      createDefaultStage: false,
      defaultAuthorizer: authorizer,
    });
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      logGroupName: `/aws/apigateway/${names.stack}-api`,
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: logRemoval,
    });
    new HttpStage(this, 'ApiStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: config.throttleRate, burstLimit: config.throttleBurst },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            routeKey: '$context.routeKey',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationStatus: '$context.integrationStatus',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
    });
    for (const spec of specs.filter((f) => f.routes.length > 0)) {
      const integration = new HttpLambdaIntegration(`${spec.id}Integration`, this.functions[spec.id]!);
      for (const route of spec.routes) {
        const [method, routePath] = route.split(' ') as [keyof typeof HttpMethod, string];
        this.api.addRoutes({ path: routePath, methods: [HttpMethod[method]], integration });
      }
    }

    // Scheduled functions, invoked by an EventBridge rule on the default bus. A run that fails
    // is retried neither by EventBridge nor by Lambda (asynchronous retries): the next run does
    // the same work, and the errors alarm below sees the failure either way.
    const schedules: Record<string, events.Rule> = {};
    for (const spec of specs.filter((f) => f.schedule !== undefined)) {
      const fn = this.functions[spec.id]!;
      fn.configureAsyncInvoke({ retryAttempts: 0 });
      schedules[spec.id] = new events.Rule(this, `${spec.id}Schedule`, {
        ruleName: `${names.stack}-${spec.id.toLowerCase()}`,
        description: `Runs ${spec.binary}: ${spec.schedule}`,
        schedule: events.Schedule.expression(spec.schedule!),
        targets: [new LambdaFunction(fn, { retryAttempts: 0 })],
      });
    }

    // Revocation within a minute: the usage table's REVOCATION inserts start the sweeper, and
    // the stack's deletion removes the deny policies it wrote on the Auth stack's role.
    if (revokes) {
      this.revocation = new Revocation(this, 'Revocation', {
        config,
        names,
        sweeper: this.functions.Sweeper!,
        usage,
        schedule: schedules.Sweeper!,
      });
    }

    // Bedrock's invocation records, delivered to the meter (lib/meter.ts).
    if (config.meter === 'invocation-logs') {
      this.invocationLogging = new InvocationLogging(this, 'InvocationLogging', { config, names, meter: this.functions.Meter! });
    }

    // Alarms: the check function is on every developer's credential refresh, so its errors,
    // throttles and p99 latency page; every other function alarms on errors.
    const alarmAction = new SnsAction(topic);
    const alarm = (id: string, props: cloudwatch.AlarmProps) =>
      new cloudwatch.Alarm(this, id, props).addAlarmAction(alarmAction);
    const fiveMinutes = Duration.minutes(5);
    // An alarm on a count: any at all in each of `periods` five-minute sums in a row (for one
    // period no datapointsToAlarm key at all: CDK's metadata would note even an undefined one).
    const countAlarm = (
      id: string,
      { periods = 1, ...described }: Pick<cloudwatch.AlarmProps, 'alarmName' | 'alarmDescription' | 'metric'> & { periods?: number },
    ) =>
      alarm(id, {
        ...described,
        threshold: 1,
        evaluationPeriods: periods,
        ...(periods > 1 ? { datapointsToAlarm: periods } : {}),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    const sums = { period: fiveMinutes, statistic: 'Sum' };
    const check = this.functions.Check!;
    const checkLogs = this.node.findChild('CheckLogs') as logs.LogGroup;
    for (const spec of specs) {
      countAlarm(`${spec.id}Errors`, {
        alarmName: `${names.stack}-${spec.id.toLowerCase()}-errors`,
        alarmDescription: `${spec.binary} failed invocations (handler errors, panics, timeouts)`,
        metric: this.functions[spec.id]!.metricErrors(sums),
      });
    }
    countAlarm('CheckThrottles', {
      alarmName: `${names.stack}-check-throttles`,
      alarmDescription: 'ccwb-check invocations throttled: developers get no credentials',
      metric: check.metricThrottles(sums),
    });
    // A store failure does not fail the invocation: /check answers 200 check_failed (denied
    // unless fail-open), so only the function's own ERROR log lines show it.
    const loggedErrors = new logs.MetricFilter(this, 'CheckLoggedErrorsFilter', {
      logGroup: checkLogs,
      filterPattern: logs.FilterPattern.stringValue('$.level', '=', 'ERROR'),
      metricNamespace: `ccwb/${names.stack}`,
      metricName: 'CheckLoggedErrors',
      metricValue: '1',
    });
    countAlarm('CheckLoggedErrors', {
      alarmName: `${names.stack}-check-logged-errors`,
      alarmDescription: 'ccwb-check logged errors, e.g. could not read the store: checks answer check_failed',
      metric: loggedErrors.metric(sums),
    });
    // Firehose refusing records fails no run: the sweeper keeps them (pending audit events,
    // OUTBOX# items) and tries again every minute, logging how many it could not send. Refusals
    // in every 5 minutes for 15 minutes mean the delivery streams need looking at.
    const refusals = new logs.MetricFilter(this, 'SweeperRefusalsFilter', {
      logGroup: this.node.findChild('SweeperLogs') as logs.LogGroup,
      filterPattern: logs.FilterPattern.numberValue('$.fields.refused', '>', 0),
      metricNamespace: `ccwb/${names.stack}`,
      metricName: 'FirehoseRefusals',
      metricValue: '$.fields.refused',
    });
    countAlarm('SweeperRefusals', {
      alarmName: `${names.stack}-sweeper-refusals`,
      alarmDescription:
        'Firehose has refused audit events or usage records for 15 minutes; they are kept in DynamoDB and retried every minute. Check the audit and usage delivery streams.',
      metric: refusals.metric(sums),
      periods: 3,
    });
    alarm('CheckLatencyP99', {
      alarmName: `${names.stack}-check-latency-p99`,
      alarmDescription: `ccwb-check p99 duration above ${config.checkP99Ms} ms`,
      metric: check.metricDuration({ period: fiveMinutes, statistic: 'p99' }),
      threshold: config.checkP99Ms,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // Usage drawn by the widgets function, and the operations metrics (lib/dashboard.ts).
    const dashboard = new UsageDashboard(this, 'Dashboard', {
      config,
      names,
      widgets: this.functions.Widgets!,
      check,
      functions: this.functions,
      api: this.api,
    });
    this.dashboard = dashboard;

    // What ccwb-local writes to the same parameter: how clients reach this deployment.
    new ssm.StringParameter(this, 'DeploymentParameter', {
      parameterName: names.deploymentParameter,
      description: `ccwb deployment ${names.stack}: endpoint, issuer, audience, version`,
      stringValue: this.toJsonString({
        endpoint: this.api.apiEndpoint,
        issuer: config.issuer,
        audience: config.audiences[0],
        version,
      }),
    });

    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    output('ApiEndpoint', this.api.apiEndpoint, 'The ccwb API: the endpoint of a ccwb profile');
    output('Issuer', config.issuer, 'OpenID issuer the JWT authorizer trusts');
    output('Audience', config.audiences.join(','), 'Audiences the JWT authorizer accepts');
    output('Version', version, 'ccwb version of the deployed functions');
    output('Architecture', code.architecture, 'Lambda architecture');
    output('PoliciesTableName', policies.tableName, 'Policies table');
    output('UsageTableName', usage.tableName, 'Usage table');
    output('AuditTableName', audit.tableName, 'Audit table');
    output('AlertTopicArn', topic.topicArn, 'SNS topic of usage alerts and alarms');
    output('PackagesBucketName', distribution.bucket.bucketName, 'Installer packages (CCWB_PACKAGES_BUCKET)');
    output('DashboardName', dashboard.dashboard.dashboardName, 'CloudWatch dashboard of Claude Code usage');
    output(
      'DashboardUrl',
      `https://${this.region}.console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards/dashboard/${names.dashboard}`,
      'The usage dashboard in the CloudWatch console',
    );
    output(
      'DashboardViewerPolicyArn',
      dashboard.viewerPolicy.managedPolicyArn,
      'Attach to the roles or permission sets that view the dashboard (runs its custom widgets)',
    );
    for (const spec of specs) {
      output(`${spec.id}FunctionName`, this.functions[spec.id]!.functionName, `${spec.binary} function`);
    }
    if (this.invocationLogging) {
      output(
        'InvocationLogGroupName',
        this.invocationLogging.logGroup.logGroupName,
        "Bedrock's model invocation records (this Region's logging configuration), metered by ccwb-meter",
      );
    }

    if (resources.revocation) {
      const sweeperRole = this.node.findChild('SweeperRole');
      acknowledgeWildcardResource(
        sweeperRole,
        '*',
        'iam:ListPolicies and dynamodb:ListStreams have no resource type: IAM accepts only "*"; both list names and ARNs (the deny policies under /ccwb/, the stream the trigger reads), no content.',
      );
      acknowledgeWildcardResource(
        sweeperRole,
        resources.revocation.denyPolicies,
        'The deny policies are <stack>-revoked-<shard>, as many shards as the blocked sessions need; the grant is limited to that name under the /ccwb/ path.',
      );
    }

    acknowledgeWildcardResource(
      this.node.findChild('DistributionRole'),
      distribution.packageObjects,
      'Package keys are packages/<distribution id>/<file>, the id chosen per upload at run time; the grant is limited to packages/.',
    );

    // A stack ARN ends in an id CloudFormation assigns at creation, so DescribeStacks (read-only)
    // is granted on each ccwb stack's name followed by a wildcard.
    for (const arn of resources.stackArns) {
      acknowledgeWildcardResource(
        this.node.findChild('StatusRole'),
        arn,
        'A stack ARN ends in an id assigned at creation; the stack name is fixed and DescribeStacks is read-only.',
      );
    }
  }
}
