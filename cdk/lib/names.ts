/**
 * Resource names, derived from the deployment name exactly as `ResourceNames` does in
 * functions/store/src/names.rs, so that ccwb-local and a deployment look alike. The functions
 * still get every name explicitly in their environment (see `functionEnvironment`), so a
 * name that differs on purpose (the bucket) cannot drift.
 */
export interface ResourceNames {
  /** `CCWB_STACK_NAME`. */
  readonly stack: string;
  /** `<stack>-policies`: `pk`/`sk` plus the `policy-type-index`. */
  readonly policiesTable: string;
  /** `<stack>-usage`: usage counters, unblocks, watermarks, alerts, outbox. */
  readonly usageTable: string;
  /** `<stack>-audit`: one item per administrative change, plus the `audit-pending-index`. */
  readonly auditTable: string;
  /** `<stack>-audit`: Firehose stream of audit events. */
  readonly auditStream: string;
  /** `<stack>-usage`: Firehose stream of counted usage points. */
  readonly usageStream: string;
  /** `<stack>-alerts`: SNS topic of usage alerts and alarms. */
  readonly alertTopic: string;
  /** `/ccwb/<stack>/deployment`: endpoint, issuer, audience, version. */
  readonly deploymentParameter: string;
  /**
   * `/ccwb/<stack>/distribution/latest`: the latest published package (a SecureString the
   * distribution function writes at its first publish; CloudFormation cannot create one).
   */
  readonly distributionParameter: string;
  /** `<stack>-distribution-signer`: the IAM user whose access key signs download links. */
  readonly signerUser: string;
  /** `<stack>-distribution-signer`: the Secrets Manager secret holding that key (`CCWB_SIGNER_SECRET`). */
  readonly signerSecret: string;
  /** `<stack>-claude-code`: the CloudWatch dashboard of usage widgets (lib/dashboard.ts). */
  readonly dashboard: string;
  /** `<stack>-dashboard-viewer`: the managed policy that lets a principal view that dashboard. */
  readonly dashboardViewerPolicy: string;
  /**
   * `<stack>-bedrock-developers`: the role developers' credentials come from (the Auth stack's
   * `FederatedRoleArn`). Named, like the dashboard policy, so the other stacks can refer to it
   * without a cross-stack reference; IAM names are per account, not per region.
   */
  readonly federatedRole: string;
  /** `<stack>-developers`: the Cognito identity pool of `federation=cognito`. */
  readonly identityPool: string;
  /**
   * `/aws/bedrock/<stack>/invocations`: the log group Bedrock's model invocation logging writes
   * to with `meter=invocation-logs` (lib/meter.ts), the meter function's subscription source.
   */
  readonly invocationLogGroup: string;
  /** The CloudFormation stacks. */
  readonly quotaStack: string;
  readonly analyticsStack: string;
  /** `<stack>-auth`: developers' federated access to Amazon Bedrock (lib/auth-stack.ts). */
  readonly authStack: string;
}

/** A table's global secondary index: its name and (string) keys. */
export interface TableIndex {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
}

/** Index names and keys, as in functions/store/src/tables.rs. */
export const POLICY_TYPE_INDEX = { name: 'policy-type-index', partitionKey: 'policy_type', sortKey: 'identifier' } as const;
export const AUDIT_PENDING_INDEX = { name: 'audit-pending-index', partitionKey: 'delivery', sortKey: 'sk' } as const;

/**
 * The usage table's TTL attribute (epoch seconds). DynamoDB ignores items without it, so
 * enabling it costs nothing; no item sets it yet (see cdk/README.md).
 */
export const USAGE_TTL_ATTRIBUTE = 'expires_epoch';

/**
 * The usage table's partition-key prefix of role-session items (items/session.rs `PREFIX`):
 * the only keys the check function may write.
 */
export const SESSION_PREFIX = 'SESSION#';

/**
 * The usage table's partition-key prefix of kept usage records (outbox.rs, `OUTBOX#{shard}`):
 * the only keys the sweeper's outbox delivery may touch.
 */
export const OUTBOX_PREFIX = 'OUTBOX#';

/**
 * The usage table's partition key of wanted revocations (items/revocation.rs `PK`): ingest and the
 * meter write one item per blocked user there, and the item's INSERT is what starts a reconcile.
 */
export const REVOCATION_PK = 'REVOCATION';

/**
 * The IAM path of the deny policies the sweeper writes and attaches to the developers' role
 * (role_denies.rs `POLICY_PATH`), and their names' prefix: `<stack>-revoked-<shard>`
 * (role_denies.rs `RoleDenies::new`). The sweeper's IAM grants are limited to these policies.
 */
export const DENY_POLICY_PATH = '/ccwb/';
export const denyPolicyPrefix = (stack: string): string => `${stack}-revoked-`;

/** Where packages and their declarations live in the packages bucket (packages.rs `PREFIX`). */
export const PACKAGES_PREFIX = 'packages/';

/** The names for deployment `stack`. */
export function resourceNames(stack: string): ResourceNames {
  return {
    stack,
    policiesTable: `${stack}-policies`,
    usageTable: `${stack}-usage`,
    auditTable: `${stack}-audit`,
    auditStream: `${stack}-audit`,
    usageStream: `${stack}-usage`,
    alertTopic: `${stack}-alerts`,
    deploymentParameter: `/ccwb/${stack}/deployment`,
    distributionParameter: `/ccwb/${stack}/distribution/latest`,
    signerUser: `${stack}-distribution-signer`,
    signerSecret: `${stack}-distribution-signer`,
    dashboard: `${stack}-claude-code`,
    dashboardViewerPolicy: `${stack}-dashboard-viewer`,
    federatedRole: `${stack}-bedrock-developers`,
    identityPool: `${stack}-developers`,
    invocationLogGroup: `/aws/bedrock/${stack}/invocations`,
    quotaStack: `${stack}-quota`,
    analyticsStack: `${stack}-analytics`,
    authStack: `${stack}-auth`,
  };
}

/**
 * S3 bucket names are global, so unlike names.rs's `<stack>-data` and `<stack>-packages`
 * defaults they carry the account and region (the functions get the real names in
 * `CCWB_BUCKET` and `CCWB_PACKAGES_BUCKET`).
 */
export function bucketName(
  stack: string,
  purpose: 'data' | 'athena' | 'logs' | 'packages',
  account: string,
  region: string,
): string {
  return `${stack}-${purpose}-${account}-${region}`;
}
