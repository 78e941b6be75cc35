import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { ENV, archiveOnlyApp, cognitoApp, defaultApp, meterApp, variantApp } from './helpers';

const deployment = defaultApp();

/** Every acknowledgement in the tree: construct path, rule id, reason. */
function acknowledgements(root: IConstruct): string[] {
  const found: string[] = [];
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push(`${construct.node.path} ${id.replace(/^annotation::/i, '')}: ${reason}`);
      }
    }
  }
  return found.sort();
}

test('cdk-nag AwsSolutions finds nothing unacknowledged, errors or warnings', () => {
  const report = new AwsSolutionsChecks().validateScope(deployment.app);
  const findings = report.violations.map((v) => `${v.severity} ${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
  assert.deepEqual(findings, []);
  assert.equal(report.success, true);
});

test('cdk-nag is clean for a placeholder build and a throw-away deployment too', () => {
  const other = variantApp();
  assert.deepEqual(new AwsSolutionsChecks().validateScope(other.app).violations, []);
});

test('cdk-nag is clean without Athena reports (analytics=false), with the same acknowledgements', () => {
  const archive = archiveOnlyApp();
  assert.deepEqual(new AwsSolutionsChecks().validateScope(archive.app).violations, []);
  assert.deepEqual(acknowledgements(archive.app), acknowledgements(deployment.app));
});

/** What revocation adds (the sweeper's IAM and stream grants, the developers' role's boundary). */
const REVOCATION_ACKNOWLEDGEMENTS = [
  'Quota/SweeperRole AwsSolutions-IAM5[Resource::*]: iam:ListPolicies and dynamodb:ListStreams have no resource type: IAM accepts only "*"; both list names and ARNs (the deny policies under /ccwb/, the stream the trigger reads), no content.',
  `Quota/SweeperRole AwsSolutions-IAM5[Resource::arn:aws:iam::${ENV.account}:policy/ccwb/ccwb-revoked-*]: The deny policies are <stack>-revoked-<shard>, as many shards as the blocked sessions need; the grant is limited to that name under the /ccwb/ path.`,
  "Auth/FederatedRoleBoundary AwsSolutions-IAM5[Resource::*]: A permissions boundary: it grants nothing, it caps the role at its own Bedrock actions; the role's policy names the models and Regions.",
];

test('the only acknowledgements are these, each with its reason', () => {
  const s3Reason = "AwsSolutions-IAM5[Resource::<DataBucketE3889A50.Arn>/%s]: Firehose chooses each object key itself; the grant is limited to this stream's prefix.";
  const stackReason = `AwsSolutions-IAM5[Resource::arn:aws:cloudformation:${ENV.region}:${ENV.account}:stack/%s/*]: A stack ARN ends in an id assigned at creation; the stack name is fixed and DescribeStacks is read-only.`;
  const fill = (template: string, value: string) => template.replace('%s', value);
  const anyClaude = 'allowedModels is not set: any Anthropic Claude model (anthropic.claude-*) and its inference profiles, in bedrockRegions only.';
  const packages = 'AwsSolutions-IAM5[Resource::<DistributionPackagesBucket5B05C019.Arn>/packages/*]';
  assert.deepEqual(
    acknowledgements(deployment.app),
    [
      `Analytics/AuditDeliveryRole ${fill(s3Reason, 'audit/*')}`,
      `Analytics/AuditDeliveryRole ${fill(s3Reason, 'errors/audit/*')}`,
      `Analytics/UsageDeliveryRole ${fill(s3Reason, 'errors/usage/*')}`,
      `Analytics/UsageDeliveryRole ${fill(s3Reason, 'usage/*')}`,
      `Quota/StatusRole ${fill(stackReason, 'ccwb-analytics')}`,
      `Quota/StatusRole ${fill(stackReason, 'ccwb-auth')}`,
      `Quota/StatusRole ${fill(stackReason, 'ccwb-quota')}`,
      `Quota/DistributionRole ${packages}: Package keys are packages/<distribution id>/<file>, the id chosen per upload at run time; the grant is limited to packages/.`,
      `Quota/Distribution/Signer ${packages}: A download link may name any package key chosen at publish time; the signer can only read objects under packages/.`,
      // The developers' role: the catalogue's List actions, the Regions a profile routes to, and
      // with no allowedModels (as here) any Claude model by pattern, each in bedrockRegions.
      'Auth/FederatedRole AwsSolutions-IAM5[Resource::*]: ListFoundationModels and ListInferenceProfiles have no resource type: IAM accepts only "*"; limited to bedrockRegions by aws:RequestedRegion.',
      'Auth/FederatedRole AwsSolutions-IAM5[Resource::arn:aws:bedrock:*::foundation-model/anthropic.claude-*]: A cross-Region inference profile routes each request to the model in a destination Region Bedrock chooses within its geography; allowed only through an allowed profile called in bedrockRegions (bedrock:InferenceProfileArn).',
      ...[
        'arn:aws:bedrock:::foundation-model/anthropic.claude-*',
        `arn:aws:bedrock:${ENV.region}:${ENV.account}:inference-profile/*.anthropic.claude-*`,
        `arn:aws:bedrock:${ENV.region}::foundation-model/anthropic.claude-*`,
      ].map((arn) => `Auth/FederatedRole AwsSolutions-IAM5[Resource::${arn}]: ${anyClaude}`),
      "Quota/Distribution/SignerSecret AwsSolutions-SMG4: Holds the download-link signer's access key, rotated by redeploying with a new signerKeySerial (cdk/README.md): rotation invalidates every outstanding link, so it is an administrator's decision, not a schedule.",
      ...REVOCATION_ACKNOWLEDGEMENTS,
    ].sort(),
  );
});

test('cdk-nag is clean with Cognito federation, which acknowledges nothing of revocation', () => {
  const cognito = cognitoApp();
  assert.deepEqual(new AwsSolutionsChecks().validateScope(cognito.app).violations, []);
  const ours = acknowledgements(deployment.app).filter((a) => !REVOCATION_ACKNOWLEDGEMENTS.includes(a));
  // The identity pool's stack has the same role (and its acknowledgements) as direct federation.
  assert.deepEqual(acknowledgements(cognito.app), ours);
});

test('cdk-nag is clean with meter=invocation-logs, acknowledging only the "*" of the logging configuration', () => {
  const metered = meterApp();
  assert.deepEqual(new AwsSolutionsChecks().validateScope(metered.app).violations, []);
  assert.deepEqual(
    acknowledgements(metered.app),
    [
      ...acknowledgements(deployment.app),
      'Quota/InvocationLogging/ConfigurationRole AwsSolutions-IAM5[Resource::*]: PutModelInvocationLoggingConfiguration and DeleteModelInvocationLoggingConfiguration have no resource type (one configuration per account and Region): IAM accepts only "*".',
    ].sort(),
  );
  for (const stack of [metered.quota, metered.analytics, metered.auth]) {
    const annotations = Annotations.fromStack(stack);
    assert.deepEqual(annotations.findWarning('*', Match.anyValue()), [], stack.stackName);
    assert.deepEqual(annotations.findError('*', Match.anyValue()), [], stack.stackName);
  }
});

// The Auth stack's role has its own, stricter test in auth.test.ts.
test('no identity policy has a wildcard action, and wildcard resources are only the acknowledged ones', () => {
  const wildcards: string[] = [];
  for (const template of [deployment.quotaTemplate, deployment.analyticsTemplate]) {
    const resources = template.toJSON().Resources as Record<string, any>;
    for (const [id, resource] of Object.entries(resources)) {
      const documents =
        resource.Type === 'AWS::IAM::Role' || resource.Type === 'AWS::IAM::User'
          ? (resource.Properties.Policies ?? []).map((p: any) => p.PolicyDocument)
          : resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy'
            ? [resource.Properties.PolicyDocument]
            : [];
      for (const document of documents) {
        for (const statement of document.Statement) {
          for (const action of [statement.Action].flat()) assert.doesNotMatch(action, /\*/, `${id}: ${action}`);
          for (const r of [statement.Resource].flat()) {
            const text = JSON.stringify(r);
            if (text.includes('*')) wildcards.push(`${id} ${text}`);
          }
        }
      }
    }
  }
  // The four Firehose prefixes, the three stack ARNs, packages/ (the distribution role and
  // the signer), and the sweeper's two "*" lists and its deny policies, acknowledged above,
  // nothing else.
  assert.equal(wildcards.length, 12, wildcards.join('\n'));
  assert.ok(
    wildcards.every((w) =>
      /(DeliveryRole.*\/(errors\/)?(audit|usage)\/\*"|StatusRole.*:stack\/ccwb-(auth|quota|analytics)\/\*"|^Distribution(Role|Signer)\w* .*"\/packages\/\*"|^SweeperRole\w* ("\*"|"arn:aws:iam::\d+:policy\/ccwb\/ccwb-revoked-\*")$)/.test(w),
    ),
    wildcards.join('\n'),
  );
});

test('synthesis raises no CDK warnings or errors', () => {
  for (const stack of [deployment.quota, deployment.analytics, deployment.auth]) {
    const annotations = Annotations.fromStack(stack);
    assert.deepEqual(annotations.findWarning('*', Match.anyValue()), [], stack.stackName);
    assert.deepEqual(annotations.findError('*', Match.anyValue()), [], stack.stackName);
  }
});
