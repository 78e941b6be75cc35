import { CustomResource, Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { Config } from './config';
import { REVOCATION_PK, type ResourceNames } from './names';

/**
 * Which stream records start the sweeper: a REVOCATION item created, that is a user newly
 * noted blocked (revocations.rs note_blocked). Not its later changes: another session of a
 * user already noted waits for the next scheduled run, and the sweeper's own writes to the item
 * (mark_applied, lift) must not start it again.
 */
export const REVOCATION_FILTER = lambda.FilterCriteria.filter({
  eventName: lambda.FilterRule.isEqual('INSERT'),
  dynamodb: { Keys: { pk: { S: lambda.FilterRule.isEqual(REVOCATION_PK) } } },
});

export interface RevocationProps {
  readonly config: Config;
  readonly names: ResourceNames;
  /** The sweeper (ccwb-sweeper), the one writer of the developers' role's deny policies. */
  readonly sweeper: lambda.Function;
  /** The usage table, with its (keys-only) stream. */
  readonly usage: dynamodb.Table;
  /** The rule that runs the sweeper every minute. */
  readonly schedule: events.Rule;
}

/**
 * What revocation adds beside the sweeper's own grants (lib/quota-stack.ts): when it runs, and
 * what happens to the deny policies when the stack goes.
 *
 * - **Within a minute:** the schedule runs the sweeper every minute anyway; the usage table's
 *   stream starts it as soon as a user is noted blocked (`REVOCATION_FILTER`), so the deny is
 *   written seconds after the usage that crossed the limit was counted. The sweeper reconciles
 *   everything whatever the event says, so a missed or failed record costs at most the minute.
 * - **At deletion:** the deny policies are the sweeper's, attached to the Auth stack's role,
 *   which cannot be deleted while they are. A custom resource whose handler is the sweeper
 *   itself (its `Delete` detaches and deletes every `<stack>-revoked-*` policy) goes with this
 *   stack, which the app deletes before the Auth stack (lib/app.ts). The trigger and the
 *   schedule depend on it, so CloudFormation removes both before it runs the clean-up: nothing
 *   starts a run that could write a policy again after it.
 */
export class Revocation extends Construct {
  /** The usage table's stream to the sweeper. */
  readonly trigger: lambda.EventSourceMapping;
  /** The provider framework's function role: it may invoke the sweeper and nothing else. */
  readonly cleanupRole: iam.Role;
  readonly provider: cr.Provider;
  /** The custom resource whose deletion removes the deny policies. */
  readonly cleanup: CustomResource;

  constructor(scope: Construct, id: string, props: RevocationProps) {
    super(scope, id);
    const { config, names, sweeper, usage, schedule } = props;

    // Lambda reads the stream as the sweeper's role (its ReadUsageTableStream grant). A batch
    // that fails is tried twice more, whole (the run does not depend on which records it
    // carries); after that the records are dropped, which the schedule makes good.
    this.trigger = new lambda.EventSourceMapping(this, 'Trigger', {
      target: sweeper,
      eventSourceArn: usage.tableStreamArn!,
      startingPosition: lambda.StartingPosition.LATEST,
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(0),
      retryAttempts: 2,
      bisectBatchOnError: false,
      filters: [REVOCATION_FILTER],
    });

    // The provider framework's function, with a role and log group of its own like every
    // function of the stack. Its role is given whole here and passed on immutable, so the
    // framework's own grants add no policy: invoking the sweeper (after GetFunction, with which
    // the framework waits for a function that is not yet active) is all it does.
    const functionName = `${names.stack}-revocation-cleanup`;
    const logGroup = new logs.LogGroup(this, 'CleanupLogs', {
      logGroupName: `/aws/lambda/${functionName}`,
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY, // fixed name: a kept log group would block a redeploy
    });
    this.cleanupRole = new iam.Role(this, 'CleanupRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${functionName}: hands the stack's create, update and delete to the sweeper`,
      inlinePolicies: {
        [functionName]: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              sid: 'WriteLogs',
              effect: iam.Effect.ALLOW,
              actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              resources: [logGroup.logGroupArn],
            }),
            new iam.PolicyStatement({
              sid: 'InvokeSweeper',
              effect: iam.Effect.ALLOW,
              actions: ['lambda:GetFunction', 'lambda:InvokeFunction'],
              resources: [sweeper.functionArn],
            }),
          ],
        }),
      },
    });
    this.provider = new cr.Provider(this, 'Provider', {
      onEventHandler: sweeper,
      frameworkOnEventRole: this.cleanupRole.withoutPolicyUpdates(),
      providerFunctionName: functionName,
      logGroup,
    });
    // Create and Update run the sweeper once (an ordinary run); Delete removes the policies.
    this.cleanup = new CustomResource(this, 'Cleanup', {
      serviceToken: this.provider.serviceToken,
      resourceType: 'Custom::RevocationCleanup',
    });
    this.trigger.node.addDependency(this.cleanup);
    schedule.node.addDependency(this.cleanup);
  }
}
