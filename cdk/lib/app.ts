import * as path from 'node:path';
import { type App, type Environment, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AnalyticsStack } from './analytics-stack';
import { AuthStack } from './auth-stack';
import { type Config, readConfig, revokesSessions } from './config';
import { locateCode } from './lambda-code';
import { type ResourceNames, resourceNames } from './names';
import { QuotaStack, functionsOf } from './quota-stack';

/** The stacks of one deployment. */
export interface CcwbStacks {
  readonly quota: QuotaStack;
  readonly analytics: AnalyticsStack;
  readonly auth: AuthStack;
}

/**
 * The Auth stack of `app`: developers' access to Bedrock. Nothing in it refers to the other
 * stacks or they to it (they name its role), so `ccwb deploy` deploys it first (then Analytics,
 * then Quota) and any of them can be updated alone.
 */
export function addAuthStack(app: App, config: Config, names: ResourceNames, env?: Environment): AuthStack {
  return new AuthStack(app, 'Auth', {
    stackName: names.authStack,
    description: `ccwb deployment ${names.stack}: developers' federated access to Amazon Bedrock (${config.auth.federation} federation)`,
    env,
    config,
    names,
  });
}

/**
 * Adds ccwb's stacks to `app`, configured from its context, and the cdk-nag AWS Solutions
 * checks: a finding that is not acknowledged with a reason fails the synth.
 */
export function buildApp(app: App, env?: Environment): CcwbStacks {
  const config = readConfig(app.node, env?.region);
  const names = resourceNames(config.name);
  const code = locateCode(
    functionsOf(config).map((f) => f.binary),
    {
      lambdaDir: config.lambdaDir,
      arch: config.lambdaArch,
      placeholder: config.placeholderCode,
      placeholderRoot: path.join(app.outdir, 'placeholder-lambda'),
    },
  );

  const auth = addAuthStack(app, config, names, env);
  const analytics = new AnalyticsStack(app, 'Analytics', {
    stackName: names.analyticsStack,
    description: config.analytics
      ? `ccwb deployment ${names.stack}: Firehose to S3, Glue tables, Athena workgroup`
      : `ccwb deployment ${names.stack}: Firehose to S3 (no Athena reports)`,
    env,
    config,
    names,
  });
  const quota = new QuotaStack(app, 'Quota', {
    stackName: names.quotaStack,
    description: `ccwb deployment ${names.stack}: tables, HTTP API with JWT authorizer, Lambda functions, alarms`,
    env,
    config,
    names,
    code,
  });
  // The functions write to the streams by name (no cross-stack references, so either stack
  // can be updated alone); deploying Analytics first means they exist from the start.
  quota.addStackDependency(analytics);
  // With revocation the Quota stack's sweeper attaches deny policies to the Auth stack's role,
  // and the Quota stack's deletion removes them (lib/revocation.ts): the role cannot be deleted
  // before. Depending on Auth makes every `cdk destroy` delete Quota first (and destroying Auth
  // alone destroys Quota with it); deploying Quota deploys Auth first, as `ccwb deploy` does.
  if (revokesSessions(config)) quota.addStackDependency(auth);
  Tags.of(app).add('ccwb:deployment', names.stack);

  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { quota, analytics, auth };
}
