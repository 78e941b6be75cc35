import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { type AllowedModel, type AuthConfig, type Config, GOOGLE_ISSUER_KEY, issuerKey, revokesSessions } from './config';
import type { ResourceNames } from './names';
import { acknowledgeWildcardResource } from './nag';

export interface AuthStackProps extends StackProps {
  readonly config: Config;
  readonly names: ResourceNames;
}

/** The service principal of Cognito identity pools (commercial Regions). */
const COGNITO_IDENTITY = 'cognito-identity.amazonaws.com';

/**
 * The principal tags the identity pool puts on each session (`AWS::Cognito::IdentityPoolPrincipalTag`):
 * tag key to token claim. IAM sees them as `aws:PrincipalTag/email` and `aws:PrincipalTag/sub`.
 */
export const PRINCIPAL_TAGS = { email: 'email', sub: 'sub' } as const;

/** The invocation actions. Converse and ConverseStream have no IAM actions of their own (see below). */
const INVOKE = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];

/**
 * `<name>-auth`: how developers' tokens become AWS credentials, and what those credentials may do.
 *
 * - `federation=direct`: an IAM OIDC provider for the issuer (or the one `oidcProviderArn` names)
 *   and the role `<name>-bedrock-developers`, assumed with `AssumeRoleWithWebIdentity` only
 *   through that provider, only for the configured client ids, and only under a session name
 *   equal to the token's `sub` (or, for Google, `email`).
 * - `federation=cognito`: a Cognito identity pool (enhanced flow only, no unauthenticated
 *   identities) over that provider, or over the Cognito user pool when the issuer is one; the
 *   same role, trusted by `cognito-identity.amazonaws.com` for this pool's authenticated
 *   identities, with the token's `email` and `sub` as principal tags.
 *
 * Either way the role can run Bedrock inference and read the model catalogue, in the allowed
 * Regions and on the allowed models, and nothing else; with revocation (direct federation) a
 * permissions boundary keeps it to those Bedrock actions whatever the deny policies the Quota
 * stack's sweeper writes and attaches said. No reference to or from the other stacks (Quota
 * names the role): `ccwb deploy` deploys it first.
 */
export class AuthStack extends Stack {
  /** The developers' role (output `FederatedRoleArn`). */
  readonly role: iam.Role;
  /** The role's permissions boundary, with revocation (`revokesSessions`): its own permissions again. */
  readonly boundary?: iam.ManagedPolicy;
  /** The IAM OIDC provider trusted for the issuer, created or reused; absent for a user pool in cognito federation. */
  readonly oidcProvider?: iam.IOpenIdConnectProvider;
  /** The identity pool of `federation=cognito`. */
  readonly identityPool?: cognito.CfnIdentityPool;

  constructor(scope: Construct, id: string, props: AuthStackProps) {
    super(scope, id, props);
    const { config, names } = props;
    const auth = config.auth;
    const key = issuerKey(config.issuer);

    // A Cognito identity pool trusts a user pool by itself; everything else goes through IAM's
    // OIDC provider for the issuer. An account holds one provider per URL, so an existing one is
    // reused rather than created a second time (which CloudFormation would fail on).
    if (!(auth.federation === 'cognito' && auth.userPool)) {
      this.oidcProvider = auth.oidcProviderArn
        ? iam.OpenIdConnectProvider.fromOpenIdConnectProviderArn(this, 'OidcProvider', auth.oidcProviderArn)
        : // AWS::IAM::OIDCProvider itself (no custom resource): without thumbprints IAM uses the
          // issuer's certificate authority.
          new iam.OidcProviderNative(this, 'OidcProvider', { url: config.issuer, clientIds: config.audiences });
    }

    let assumedBy: iam.IPrincipal;
    if (auth.federation === 'direct') {
      // IAM User Guide, "IAM and AWS STS condition context keys": under "Available keys for AWS
      // web identity federation", an OIDC provider's token claims are keys named after the
      // provider URL without https:// (`<issuer>:aud`, `<issuer>:sub`; an `email` key only for
      // Google, `accounts.google.com:email`); under "Available keys for AWS STS",
      // `sts:RoleSessionName` is the session name the caller asks for. "IAM policy elements:
      // Variables and tags": a request key can be a variable in any string condition. So `sts:RoleSessionName` = `${<issuer>:sub}` admits only a session named
      // exactly after the token's subject: a developer cannot pick another name (another
      // person's e-mail, say), and usage attributed by session name is the token's.
      const sessionName =
        auth.sessionNameClaim === 'email' ? `\${${GOOGLE_ISSUER_KEY}:email}` : `\${${key}:sub}`;
      assumedBy = new iam.OpenIdConnectPrincipal(this.oidcProvider!, {
        StringEquals: {
          [`${key}:aud`]: config.audiences.length === 1 ? config.audiences[0] : config.audiences,
          'sts:RoleSessionName': sessionName,
        },
      }).withSessionTags();
    } else {
      // The pool comes first: the role's trust policy names the pool's id, and the role
      // attachment below joins the two.
      const pool = new cognito.CfnIdentityPool(this, 'IdentityPool', {
        identityPoolName: names.identityPool,
        allowUnauthenticatedIdentities: false,
        // Enhanced (simplified) flow only: Cognito assumes the role itself. The classic flow
        // would let a client call AssumeRoleWithWebIdentity with a Cognito token of its own.
        allowClassicFlow: false,
        ...(auth.userPool
          ? {
              cognitoIdentityProviders: [
                {
                  providerName: `cognito-idp.${auth.userPool.region}.amazonaws.com/${auth.userPool.poolId}`,
                  clientId: config.audiences[0]!,
                  // Cognito asks the user pool whether the token was revoked (global sign-out).
                  serverSideTokenCheck: true,
                },
              ],
            }
          : { openIdConnectProviderArns: [this.oidcProvider!.openIdConnectProviderArn] }),
      });
      this.identityPool = pool;
      // Amazon Cognito Developer Guide, "IAM roles" (role trust): the pool id in
      // `cognito-identity.amazonaws.com:aud` keeps other pools' identities out, and
      // `amr` = authenticated keeps out unauthenticated ones (off in this pool anyway).
      // sts:TagSession lets the pool set the principal tags below.
      assumedBy = new iam.WebIdentityPrincipal(COGNITO_IDENTITY, {
        StringEquals: { [`${COGNITO_IDENTITY}:aud`]: pool.ref },
        'ForAnyValue:StringLike': { [`${COGNITO_IDENTITY}:amr`]: 'authenticated' },
      }).withSessionTags();
    }

    const statements = bedrockStatements(this, auth);
    // With revocation the Quota stack's sweeper writes deny policies and attaches them to this
    // role (only those: its AttachRolePolicy is conditioned on their ARN). What such a policy
    // says IAM cannot limit, so the role gets a permissions boundary: the Bedrock actions of its
    // own policy and nothing else, whatever a policy attached to it allowed. On any resource,
    // so that it stays a few hundred characters (a managed policy holds 6,144; the inline one,
    // with many models and Regions, may be longer) and never needs to follow allowedModels.
    // Denies apply as ever.
    if (revokesSessions(config)) {
      this.boundary = new iam.ManagedPolicy(this, 'FederatedRoleBoundary', {
        description: `ccwb deployment ${names.stack}: ${names.federatedRole} may do no more than Bedrock inference (its permissions boundary)`,
        statements: [
          new iam.PolicyStatement({
            sid: 'BedrockInferenceOnly',
            effect: iam.Effect.ALLOW,
            actions: [...new Set(statements.flatMap((st) => st.actions))].sort(),
            resources: ['*'],
          }),
        ],
      });
    }
    this.role = new iam.Role(this, 'FederatedRole', {
      roleName: names.federatedRole,
      description: `ccwb deployment ${names.stack}: developers' Bedrock inference in ${auth.bedrockRegions.join(', ')}`,
      assumedBy,
      maxSessionDuration: Duration.seconds(auth.maxSessionSeconds),
      inlinePolicies: {
        [`${names.stack}-bedrock-inference`]: new iam.PolicyDocument({ statements }),
      },
      permissionsBoundary: this.boundary,
    });

    if (this.identityPool) {
      const pool = this.identityPool;
      new cognito.CfnIdentityPoolRoleAttachment(this, 'IdentityPoolRoles', {
        identityPoolId: pool.ref,
        roles: { authenticated: this.role.roleArn },
      });
      new cognito.CfnIdentityPoolPrincipalTag(this, 'IdentityPoolPrincipalTags', {
        identityPoolId: pool.ref,
        // The provider's name in the pool: the user pool's, or the OIDC provider's URL without https://.
        identityProviderName: auth.userPool
          ? `cognito-idp.${auth.userPool.region}.amazonaws.com/${auth.userPool.poolId}`
          : key,
        useDefaults: false,
        principalTags: { ...PRINCIPAL_TAGS },
      });
    }

    const output = (outputId: string, value: string, description: string) =>
      new CfnOutput(this, outputId, { value, description });
    output('FederationType', auth.federation, 'How developer tokens become AWS credentials: direct or cognito');
    output('FederatedRoleArn', this.role.roleArn, "The developers' role (Bedrock inference only)");
    if (this.identityPool) {
      output('IdentityPoolId', this.identityPool.ref, 'Cognito identity pool developers sign in to');
    }
    if (this.oidcProvider) {
      output('OidcProviderArn', this.oidcProvider.openIdConnectProviderArn, `IAM OIDC provider for ${config.issuer}`);
    }
    output('BedrockRegions', auth.bedrockRegions.join(','), 'Regions developers may call Bedrock in');
    output(
      'SessionNameClaim',
      auth.sessionNameClaim,
      auth.federation === 'direct'
        ? 'Token claim the role session name must equal (AssumeRoleWithWebIdentity RoleSessionName)'
        : 'Token claim configured for session names (the identity pool names sessions itself)',
    );

    acknowledgeWildcards(this, auth);
    if (this.boundary) {
      acknowledgeWildcardResource(
        this.boundary,
        '*',
        "A permissions boundary: it grants nothing, it caps the role at its own Bedrock actions; the role's policy names the models and Regions.",
      );
    }
  }
}

/** What the models in `allowedModels` (or the default, any Anthropic Claude model) come to in ARNs. */
interface ModelGrants {
  /** Inference profile ids (`us.anthropic.claude-…`, `global.…`), patterns allowed. */
  readonly profiles: string[];
  /** The subset of `profiles` that is global (`global.…`). */
  readonly globalProfiles: string[];
  /** Models reached through `profiles`. */
  readonly profileModels: string[];
  /** Models reached through `globalProfiles`. */
  readonly globalProfileModels: string[];
  /** Foundation models invoked directly in the Region called. */
  readonly foundationModels: string[];
}

/** Any Anthropic Claude model: a profile of any geography (global included), or the model itself. */
const ANY_CLAUDE: ModelGrants = {
  profiles: ['*.anthropic.claude-*'],
  globalProfiles: ['global.anthropic.claude-*'],
  profileModels: ['anthropic.claude-*'],
  globalProfileModels: ['anthropic.claude-*'],
  foundationModels: ['anthropic.claude-*'],
};

function modelGrants(allowed: AllowedModel[] | undefined): ModelGrants {
  if (allowed === undefined) return ANY_CLAUDE;
  const unique = (items: string[]) => [...new Set(items)];
  const profiles = allowed.filter((m) => m.kind === 'profile');
  const globals = profiles.filter((m) => m.geography === 'global');
  return {
    profiles: profiles.map((m) => m.id),
    globalProfiles: globals.map((m) => m.id),
    profileModels: unique(profiles.map((m) => m.model)),
    globalProfileModels: unique(globals.map((m) => m.model)),
    foundationModels: allowed.filter((m) => m.kind === 'foundation-model').map((m) => m.model),
  };
}

/** ARNs of Bedrock resources, as the Service Authorization Reference writes them. */
function arns(stack: Stack) {
  const bedrock = `arn:${stack.partition}:bedrock`;
  return {
    profile: (region: string, id: string) => `${bedrock}:${region}:${stack.account}:inference-profile/${id}`,
    /** A foundation model in one Region, or `*` for any. */
    model: (region: string, model: string) => `${bedrock}:${region}::foundation-model/${model}`,
    /** The Region-agnostic foundation model that global cross-Region inference is authorised on. */
    globalModel: (model: string) => `${bedrock}:::foundation-model/${model}`,
  };
}

/**
 * The role's whole permission policy: Bedrock inference on the allowed models from the allowed
 * Regions, and reading the model catalogue there.
 *
 * Actions: `bedrock:InvokeModel` and `bedrock:InvokeModelWithResponseStream` only. The Bedrock
 * API Reference says Converse "requires permission for the bedrock:InvokeModel action" and
 * ConverseStream for `bedrock:InvokeModelWithResponseStream`; there are no `bedrock:Converse*`
 * IAM actions, so none are granted.
 *
 * How cross-Region inference is authorised (Bedrock User Guide, "Prerequisites for inference
 * profiles", "Geographic cross-Region inference" and "Global cross-Region inference", IAM and
 * SCP requirements): a request names an inference profile in the Region it is sent to (the
 * source Region); Bedrock checks the profile there, then the foundation model in the source
 * Region and in the destination Region it routes to, with `bedrock:InferenceProfileArn` set to
 * the profile for those model checks. For a geographic profile (`us.`, `eu.`, `apac.`, …) the
 * destination check carries the destination Region as `aws:RequestedRegion` (an SCP that allows
 * only the source Region makes routing fail), and the destinations are Bedrock's choice within
 * the profile's geography. For a global profile the third check is on the Region-agnostic ARN
 * `arn:aws:bedrock:::foundation-model/<model>` with `aws:RequestedRegion` = `unspecified`.
 *
 * So `aws:RequestedRegion` is limited to `bedrockRegions` where it is the Region a developer
 * calls: the profile itself, direct foundation-model calls, and the catalogue. It is not on the
 * foundation models reached through a profile: there it would be the destination Region, and
 * limiting it would break routing to the profile's other Regions. Those model grants hold only
 * for requests through an allowed profile in an allowed Region (`bedrock:InferenceProfileArn`),
 * which is AWS's documented way to allow destination Regions without allowing direct calls there.
 */
function bedrockStatements(stack: Stack, auth: AuthConfig): iam.PolicyStatement[] {
  const arn = arns(stack);
  const regions = auth.bedrockRegions;
  const grants = modelGrants(auth.allowedModels);
  const inRegions = { StringEquals: { 'aws:RequestedRegion': regions } };
  const profileArns = (ids: string[]) => regions.flatMap((r) => ids.map((id) => arn.profile(r, id)));
  const modelArns = (models: string[]) => regions.flatMap((r) => models.map((m) => arn.model(r, m)));
  const allow = (sid: string, actions: string[], resources: string[], conditions: Record<string, unknown>) =>
    new iam.PolicyStatement({ sid, effect: iam.Effect.ALLOW, actions, resources, conditions });

  const statements: iam.PolicyStatement[] = [];
  if (grants.profiles.length > 0) {
    statements.push(
      allow('InvokeInferenceProfiles', INVOKE, profileArns(grants.profiles), inRegions),
      // The source Region's model and every destination Region's, through an allowed profile.
      allow('InvokeModelsThroughProfiles', INVOKE, grants.profileModels.map((m) => arn.model('*', m)), {
        ArnLike: { 'bedrock:InferenceProfileArn': profileArns(grants.profiles) },
      }),
    );
  }
  if (grants.globalProfiles.length > 0) {
    statements.push(
      allow('InvokeModelsThroughGlobalProfiles', INVOKE, grants.globalProfileModels.map(arn.globalModel), {
        StringEquals: { 'aws:RequestedRegion': 'unspecified' },
        ArnLike: { 'bedrock:InferenceProfileArn': profileArns(grants.globalProfiles) },
      }),
    );
  }
  if (grants.foundationModels.length > 0) {
    statements.push(allow('InvokeFoundationModels', INVOKE, modelArns(grants.foundationModels), inRegions));
  }
  statements.push(
    allow(
      'ReadModelCatalogue',
      ['bedrock:GetFoundationModel', 'bedrock:GetInferenceProfile'],
      [...modelArns([...new Set([...grants.profileModels, ...grants.foundationModels])]), ...profileArns(grants.profiles)],
      inRegions,
    ),
    // The Service Authorization Reference lists no resource type for these two: `*` only.
    allow('ListModelCatalogue', ['bedrock:ListFoundationModels', 'bedrock:ListInferenceProfiles'], ['*'], inRegions),
  );
  return statements;
}

/** The cdk-nag IAM5 acknowledgements of the role's wildcard resources, each with its reason. */
function acknowledgeWildcards(stack: AuthStack, auth: AuthConfig): void {
  const arn = arns(stack);
  const grants = modelGrants(auth.allowedModels);
  const done = new Set<string>();
  const ack = (resource: string, reason: string) => {
    if (done.has(resource)) return;
    done.add(resource);
    acknowledgeWildcardResource(stack.role, resource, reason);
  };
  const wild = (resource: string) => resource.includes('*');

  ack('*', 'ListFoundationModels and ListInferenceProfiles have no resource type: IAM accepts only "*"; limited to bedrockRegions by aws:RequestedRegion.');
  for (const m of grants.profileModels) {
    ack(
      arn.model('*', m),
      'A cross-Region inference profile routes each request to the model in a destination Region Bedrock chooses within its geography; allowed only through an allowed profile called in bedrockRegions (bedrock:InferenceProfileArn).',
    );
  }
  if (auth.allowedModels !== undefined) return;
  // The default: any Anthropic Claude model, by id pattern.
  const reason = 'allowedModels is not set: any Anthropic Claude model (anthropic.claude-*) and its inference profiles, in bedrockRegions only.';
  for (const r of auth.bedrockRegions) {
    for (const id of grants.profiles) ack(arn.profile(r, id), reason);
    for (const m of grants.foundationModels) ack(arn.model(r, m), reason);
  }
  for (const m of grants.globalProfileModels.filter(wild)) ack(arn.globalModel(m), reason);
}
