import { Annotations, Duration, RemovalPolicy, SecretValue, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { Config } from './config';
import { PACKAGES_PREFIX, type ResourceNames, bucketName } from './names';
import { acknowledgeWildcardResource } from './nag';

/** How long S3 keeps a package version after it was overwritten or expired. */
export const NONCURRENT_VERSION_DAYS = 30;

export interface DistributionProps {
  readonly config: Config;
  readonly names: ResourceNames;
}

/**
 * What the distribution function (functions/distribution) works with, beside the audit trail:
 * the packages bucket, the identity that signs download links, the secret holding its key, and
 * the name of the parameter the latest published package is recorded in.
 *
 * Why a signing identity of its own: a presigned URL stops working when the credentials that
 * signed it expire. The function's role credentials (like an administrator's SSO session) last
 * hours, a download link up to 7 days, so links are signed with the long-term access key of an
 * IAM user that may do one thing: read packages.
 */
export class Distribution extends Construct {
  readonly bucket: s3.Bucket;
  /** `<bucket>/packages/*`: every package and its declaration. */
  readonly packageObjects: string;
  readonly signer: iam.User;
  readonly signerSecret: secretsmanager.Secret;
  /** ARN of `/ccwb/<name>/distribution/latest` (the function creates the parameter). */
  readonly parameterArn: string;

  constructor(scope: Construct, id: string, props: DistributionProps) {
    super(scope, id);
    const { config, names } = props;
    const stack = Stack.of(this);

    // The access-log bucket belongs to the Analytics stack (deployed first), which also grants
    // S3 log delivery from this bucket by name: no cross-stack reference.
    const accessLogs = s3.Bucket.fromBucketName(
      this,
      'AccessLogsBucket',
      bucketName(names.stack, 'logs', stack.account, stack.region),
    );
    this.bucket = new s3.Bucket(this, 'PackagesBucket', {
      bucketName: bucketName(names.stack, 'packages', stack.account, stack.region),
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      // An upload to a key that exists (a retried PUT) keeps the earlier bytes for a while.
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'packages/',
      removalPolicy: config.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      lifecycleRules: [
        // The CLI uploads with one presigned PUT; a multipart upload is someone else's, unfinished.
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        { id: 'expire-packages', prefix: PACKAGES_PREFIX, expiration: Duration.days(config.packageRetentionDays) },
        // Expiry in a versioned bucket leaves the bytes as a noncurrent version behind a delete
        // marker: remove both, the version after 30 days.
        {
          id: 'expire-old-versions',
          noncurrentVersionExpiration: Duration.days(NONCURRENT_VERSION_DAYS),
          expiredObjectDeleteMarker: true,
        },
      ],
    });
    Annotations.of(this.bucket).acknowledgeWarning(
      '@aws-cdk/aws-s3:accessLogsPolicyNotAdded',
      'The Analytics stack grants log delivery from this bucket in the log bucket policy (by bucket name).',
    );
    this.packageObjects = this.bucket.arnForObjects(`${PACKAGES_PREFIX}*`);

    // The signer: one inline policy, reading packages; no console password, no groups.
    this.signer = new iam.User(this, 'Signer', { userName: names.signerUser });
    (this.signer.node.defaultChild as iam.CfnUser).policies = [
      {
        policyName: names.signerUser,
        policyDocument: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'DownloadPackages',
              effect: iam.Effect.ALLOW,
              actions: ['s3:GetObject'],
              resources: [this.packageObjects],
            }),
          ],
        }),
      },
    ];
    acknowledgeWildcardResource(
      this.signer,
      this.packageObjects,
      'A download link may name any package key chosen at publish time; the signer can only read objects under packages/.',
    );

    // A new serial replaces the key: CloudFormation creates the new one, stores it in the
    // secret, then deletes the old one, and with it every link the old one signed.
    const key = new iam.AccessKey(this, 'SignerKey', { user: this.signer, serial: config.signerKeySerial });
    this.signerSecret = new secretsmanager.Secret(this, 'SignerSecret', {
      secretName: names.signerSecret,
      description: `ccwb ${names.stack}: access key of ${names.signerUser}, which signs package download links (rotate: redeploy with a new signerKeySerial)`,
      secretObjectValue: {
        access_key_id: SecretValue.unsafePlainText(key.accessKeyId), // not secret: the key's id
        secret_access_key: key.secretAccessKey,
      },
      removalPolicy: RemovalPolicy.DESTROY, // the key goes with the user anyway
    });
    Validations.of(this.signerSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Holds the download-link signer\'s access key, rotated by redeploying with a new signerKeySerial (cdk/README.md): rotation invalidates every outstanding link, so it is an administrator\'s decision, not a schedule.',
    });

    // Downloads only from the configured networks. Scoped to the signer (whose signature every
    // download link carries), so the function's own reads from inside AWS are not refused.
    if (config.distributionAllowedIps) {
      this.bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'DownloadsOnlyFromAllowedAddresses',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['s3:GetObject'],
          resources: [this.packageObjects],
          conditions: {
            ArnEquals: { 'aws:PrincipalArn': this.signer.userArn },
            NotIpAddress: { 'aws:SourceIp': config.distributionAllowedIps },
          },
        }),
      );
    }

    this.parameterArn = stack.formatArn({
      service: 'ssm',
      resource: 'parameter',
      resourceName: names.distributionParameter.replace(/^\//, ''),
    });
  }
}
