import * as assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { App, Validations } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readConfig } from '../lib/config';
import { BASE_CONTEXT, ENV, ISSUER, defaultApp, logicalId, resourceAt, resourcesOfType, synthAuth } from './helpers';

/** The issuer as IAM's condition keys name it. */
const KEY = 'idp.example.com/realms/ccwb';
const PROVIDER_ARN = `arn:aws:iam::${ENV.account}:oidc-provider/${KEY}`;
const USER_POOL = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123';
const USER_POOL_NAME = 'cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123';
/** User pool app client ids are letters and digits. */
const POOL_CLIENTS = { issuer: USER_POOL, audience: '4q1ab2cd3ef4gh5ij6kl7mn8op,9xyz' };
const INVOKE = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];
const LIST = ['bedrock:ListFoundationModels', 'bedrock:ListInferenceProfiles'];

/** A model list with one of each kind: a geographic profile, a global profile, a foundation model. */
const MODELS = { allowedModels: 'us.anthropic.claude-opus-5-5, global.anthropic.claude-sonnet-5,anthropic.claude-haiku-4-5', bedrockRegions: 'us-east-1,us-west-2' };

const role = (template: Template) => resourceAt(template, 'Auth/FederatedRole/Resource').Properties;
const trust = (template: Template) => role(template).AssumeRolePolicyDocument.Statement as any[];
const statements = (template: Template) => {
  const policies = role(template).Policies as any[];
  assert.equal(policies.length, 1, 'one inline policy');
  return policies[0].PolicyDocument.Statement as any[];
};
const bySid = (template: Template, sid: string) => statements(template).find((s) => s.Sid === sid);
const outputs = (template: Template) =>
  Object.fromEntries(Object.entries(template.toJSON().Outputs as Record<string, any>).map(([k, v]) => [k, v.Value]));
const list = (value: unknown) => [value].flat() as any[];
/** Arrays and keys sorted, so comparisons ignore the order CDK writes them in. */
function sorted(value: any): any {
  if (Array.isArray(value)) return value.map(sorted).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, sorted(v)]));
  }
  return value;
}
/** A statement's resources as an array (CDK writes a single one as a string). */
const resourcesOf = (statement: any) => list(statement.Resource);

describe('direct federation (the default)', () => {
  const { template, stack } = synthAuth();

  test('an IAM OIDC provider for the issuer, with every audience as a client id', () => {
    const providers = Object.values(resourcesOfType(template, 'AWS::IAM::OIDCProvider'));
    assert.deepEqual(
      providers.map((p) => ({ ...p.Properties, Tags: undefined })),
      [{ Url: ISSUER, ClientIdList: ['ccwb-cli', 'ccwb-helper'], Tags: undefined }],
    );
  });

  test('the role is trusted only through that provider, for its audiences, under a session name equal to sub', () => {
    assert.deepEqual(trust(template), [
      {
        Effect: 'Allow',
        Principal: { Federated: { Ref: logicalId(stack.node.findChild('OidcProvider')) } },
        Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'],
        Condition: {
          StringEquals: {
            [`${KEY}:aud`]: ['ccwb-cli', 'ccwb-helper'],
            'sts:RoleSessionName': `\${${KEY}:sub}`,
          },
        },
      },
    ]);
  });

  test('the role is named for the deployment and lasts 8 hours by default', () => {
    assert.equal(role(template).RoleName, 'ccwb-bedrock-developers');
    assert.equal(role(template).MaxSessionDuration, 28800);
  });

  test('no identity pool', () => {
    for (const type of ['AWS::Cognito::IdentityPool', 'AWS::Cognito::IdentityPoolRoleAttachment', 'AWS::Cognito::IdentityPoolPrincipalTag']) {
      assert.deepEqual(resourcesOfType(template, type), {}, type);
    }
  });

  test('outputs: federation type, role, provider, Regions (the stack Region by default), session name claim', () => {
    assert.deepEqual(outputs(template), {
      FederationType: 'direct',
      FederatedRoleArn: { 'Fn::GetAtt': [logicalId(stack.role), 'Arn'] },
      OidcProviderArn: { Ref: logicalId(stack.node.findChild('OidcProvider')) },
      BedrockRegions: ENV.region,
      SessionNameClaim: 'sub',
    });
  });

  test('a trailing slash in the issuer is not part of the condition keys', () => {
    const { template: t } = synthAuth({ issuer: 'https://tenant.example.com/' });
    assert.deepEqual(Object.keys(trust(t)[0].Condition.StringEquals), ['tenant.example.com:aud', 'sts:RoleSessionName']);
    assert.equal(trust(t)[0].Condition.StringEquals['sts:RoleSessionName'], '${tenant.example.com:sub}');
    assert.equal(Object.values(resourcesOfType(t, 'AWS::IAM::OIDCProvider'))[0].Properties.Url, 'https://tenant.example.com/');
  });

  test('Google with sessionNameClaim=email pins the session name to the email IAM sees', () => {
    const { template: t } = synthAuth({ issuer: 'https://accounts.google.com', audience: 'abc.apps.googleusercontent.com', sessionNameClaim: 'email' });
    assert.deepEqual(trust(t)[0].Condition, {
      StringEquals: { 'accounts.google.com:aud': 'abc.apps.googleusercontent.com', 'sts:RoleSessionName': '${accounts.google.com:email}' },
    });
    assert.equal(outputs(t).SessionNameClaim, 'email');
  });

  test('maxSessionSeconds sets the role\'s MaxSessionDuration', () => {
    assert.equal(role(synthAuth({ maxSessionSeconds: '3600' }).template).MaxSessionDuration, 3600);
    assert.equal(role(synthAuth({ maxSessionSeconds: '43200' }).template).MaxSessionDuration, 43200);
  });

  test('a Cognito user pool issuer still gets an IAM OIDC provider in direct federation', () => {
    const { template: t } = synthAuth(POOL_CLIENTS);
    assert.equal(Object.values(resourcesOfType(t, 'AWS::IAM::OIDCProvider'))[0].Properties.Url, USER_POOL);
    assert.equal(trust(t)[0].Condition.StringEquals['sts:RoleSessionName'], `\${${USER_POOL_NAME}:sub}`);
  });

  test('Auth0 with the session pinned to sub is refused in direct federation, but cognito federation works', () => {
    assert.throws(() => synthAuth({ issuer: 'https://acme.eu.auth0.com/', audience: 'a' }), /context sessionNameClaim=sub .* federation=direct .*'\|'.*federation=cognito/);
    assert.throws(() => synthAuth({ issuer: 'https://login.acme.com/', audience: 'a', providerType: 'auth0' }), /federation=cognito/);
    assert.equal(outputs(synthAuth({ issuer: 'https://acme.eu.auth0.com/', audience: 'a', federation: 'cognito' }).template).FederationType, 'cognito');
  });
});

describe('reusing an existing OIDC provider (oidcProviderArn)', () => {
  test('direct: no provider is created; the role trusts the given one', () => {
    const { template } = synthAuth({ oidcProviderArn: PROVIDER_ARN });
    assert.deepEqual(resourcesOfType(template, 'AWS::IAM::OIDCProvider'), {});
    assert.deepEqual(trust(template)[0].Principal, { Federated: PROVIDER_ARN });
    assert.equal(outputs(template).OidcProviderArn, PROVIDER_ARN);
  });

  test('cognito: the identity pool uses the given provider', () => {
    const { template } = synthAuth({ oidcProviderArn: PROVIDER_ARN, federation: 'cognito' });
    assert.deepEqual(resourcesOfType(template, 'AWS::IAM::OIDCProvider'), {});
    const [pool] = Object.values(resourcesOfType(template, 'AWS::Cognito::IdentityPool'));
    assert.deepEqual(pool.Properties.OpenIdConnectProviderARNs, [PROVIDER_ARN]);
    assert.equal(outputs(template).OidcProviderArn, PROVIDER_ARN);
  });
});

describe('the permissions boundary (revocation)', () => {
  // The sweeper may write deny policies and attach them to the role: whatever one said, the
  // boundary keeps the role to the Bedrock actions of its own policy.
  const boundaryOf = (template: Template) => {
    const ref = role(template).PermissionsBoundary;
    if (ref === undefined) return undefined;
    const boundary = resourceAt(template, 'Auth/FederatedRoleBoundary/Resource');
    assert.deepEqual(ref, { Ref: boundary.id });
    return boundary.Properties;
  };

  for (const [what, context] of [
    ['any Claude model', {}],
    ['allowedModels in two Regions', MODELS],
  ] as [string, Record<string, string>][]) {
    test(`direct federation: the boundary allows the role's own actions, no other (${what})`, () => {
      const { template } = synthAuth(context);
      const boundary = boundaryOf(template);
      assert.ok(boundary, 'a boundary');
      const own = [...new Set(statements(template).flatMap((st) => list(st.Action)))].sort();
      assert.deepEqual(own, [...INVOKE, 'bedrock:GetFoundationModel', 'bedrock:GetInferenceProfile', ...LIST].sort());
      assert.deepEqual(boundary.PolicyDocument.Statement, [{ Sid: 'BedrockInferenceOnly', Effect: 'Allow', Action: own, Resource: '*' }]);
      // A few hundred characters, whatever allowedModels and bedrockRegions say (IAM: 6,144).
      assert.ok(JSON.stringify(boundary.PolicyDocument).length < 600);
      assert.equal(boundary.Path, '/', 'not under /ccwb/, where the sweeper lists its policies');
      assert.equal(boundary.ManagedPolicyName, undefined);
      // Attached to nothing else: it is a boundary, not a grant.
      assert.equal(boundary.Roles, undefined);
      assert.equal(role(template).ManagedPolicyArns, undefined);
    });
  }

  test('cognito federation: no boundary (no revocation writes on the role)', () => {
    const { template } = synthAuth({ federation: 'cognito' });
    assert.equal(boundaryOf(template), undefined);
    assert.deepEqual(resourcesOfType(template, 'AWS::IAM::ManagedPolicy'), {});
  });
});

describe('cognito federation', () => {
  const { template, stack } = synthAuth({ federation: 'cognito' });
  const poolId = () => logicalId(stack.identityPool!);

  test('an identity pool over the OIDC provider: enhanced flow only, no unauthenticated identities', () => {
    assert.deepEqual(Object.values(resourcesOfType(template, 'AWS::Cognito::IdentityPool')).map((p) => p.Properties), [
      {
        IdentityPoolName: 'ccwb-developers',
        AllowUnauthenticatedIdentities: false,
        AllowClassicFlow: false,
        OpenIdConnectProviderARNs: [{ Ref: logicalId(stack.node.findChild('OidcProvider')) }],
      },
    ]);
  });

  test("the role is trusted by Cognito for this pool's authenticated identities only, with session tags", () => {
    assert.deepEqual(trust(template), [
      {
        Effect: 'Allow',
        Principal: { Federated: 'cognito-identity.amazonaws.com' },
        Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'],
        Condition: {
          StringEquals: { 'cognito-identity.amazonaws.com:aud': { Ref: poolId() } },
          'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' },
        },
      },
    ]);
  });

  test("the pool's authenticated identities get the role, and the token's email and sub as principal tags", () => {
    assert.deepEqual(Object.values(resourcesOfType(template, 'AWS::Cognito::IdentityPoolRoleAttachment')).map((r) => r.Properties), [
      { IdentityPoolId: { Ref: poolId() }, Roles: { authenticated: { 'Fn::GetAtt': [logicalId(stack.role), 'Arn'] } } },
    ]);
    assert.deepEqual(Object.values(resourcesOfType(template, 'AWS::Cognito::IdentityPoolPrincipalTag')).map((r) => r.Properties), [
      { IdentityPoolId: { Ref: poolId() }, IdentityProviderName: KEY, UseDefaults: false, PrincipalTags: { email: 'email', sub: 'sub' } },
    ]);
  });

  test('outputs: the pool id besides the role and provider', () => {
    assert.deepEqual(outputs(template), {
      FederationType: 'cognito',
      FederatedRoleArn: { 'Fn::GetAtt': [logicalId(stack.role), 'Arn'] },
      IdentityPoolId: { Ref: poolId() },
      OidcProviderArn: { Ref: logicalId(stack.node.findChild('OidcProvider')) },
      BedrockRegions: ENV.region,
      SessionNameClaim: 'sub',
    });
  });

  test('the same role name, session duration and permissions as direct federation', () => {
    const direct = synthAuth(MODELS).template;
    const cognito = synthAuth({ ...MODELS, federation: 'cognito', maxSessionSeconds: '28800' }).template;
    assert.deepEqual(role(cognito).Policies, role(direct).Policies);
    assert.equal(role(cognito).RoleName, role(direct).RoleName);
    assert.equal(role(cognito).MaxSessionDuration, role(direct).MaxSessionDuration);
  });

  test('a Cognito user pool issuer is trusted by the pool directly: no IAM OIDC provider', () => {
    const { template: t, stack: s } = synthAuth({ federation: 'cognito', ...POOL_CLIENTS });
    assert.deepEqual(resourcesOfType(t, 'AWS::IAM::OIDCProvider'), {});
    assert.deepEqual(Object.values(resourcesOfType(t, 'AWS::Cognito::IdentityPool')).map((p) => p.Properties), [
      {
        IdentityPoolName: 'ccwb-developers',
        AllowUnauthenticatedIdentities: false,
        AllowClassicFlow: false,
        CognitoIdentityProviders: [{ ProviderName: USER_POOL_NAME, ClientId: '4q1ab2cd3ef4gh5ij6kl7mn8op', ServerSideTokenCheck: true }],
      },
    ]);
    const [tags] = Object.values(resourcesOfType(t, 'AWS::Cognito::IdentityPoolPrincipalTag'));
    assert.equal(tags.Properties.IdentityProviderName, USER_POOL_NAME);
    assert.equal(outputs(t).OidcProviderArn, undefined);
    assert.deepEqual(outputs(t).IdentityPoolId, { Ref: logicalId(s.identityPool!) });
  });

  test('providerType=cognito says the same as the user pool issuer does', () => {
    const withType = synthAuth({ federation: 'cognito', ...POOL_CLIENTS, providerType: 'cognito' }).template;
    assert.deepEqual(resourcesOfType(withType, 'AWS::IAM::OIDCProvider'), {});
  });
});

describe("the role's permissions", () => {
  const allowed = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream', 'bedrock:GetFoundationModel', 'bedrock:GetInferenceProfile', ...LIST];
  const variants: [string, Record<string, string>][] = [
    ['any Claude model', { bedrockRegions: 'us-east-1,eu-west-1' }],
    ['allowedModels', MODELS],
    ['cognito federation', { ...MODELS, federation: 'cognito' }],
  ];

  for (const [what, context] of variants) {
    test(`${what}: Bedrock inference and the model catalogue only, no wildcard action, "*" only for the List actions`, () => {
      const all = statements(synthAuth(context).template);
      const actions = new Set(all.flatMap((s) => list(s.Action)));
      assert.deepEqual([...actions].sort(), [...allowed].sort());
      for (const s of all) {
        assert.equal(s.Effect, 'Allow');
        for (const a of list(s.Action)) assert.doesNotMatch(a, /\*/, `${s.Sid}: ${a}`);
        if (resourcesOf(s).includes('*')) {
          assert.deepEqual(resourcesOf(s), ['*'], s.Sid);
          assert.deepEqual(list(s.Action).sort(), LIST, s.Sid);
          continue;
        }
        for (const r of resourcesOf(s)) {
          assert.match(r, /^arn:aws:bedrock:[a-z0-9*-]*:(111111111111)?:(inference-profile|foundation-model)\/[^*]*(\*[^*]*)*$/, `${s.Sid}: ${r}`);
          assert.doesNotMatch(r, /^arn:aws:bedrock:[^:]*:[^:]*:(inference-profile|foundation-model)\/\*$/, `${s.Sid}: ${r} is every model`);
        }
      }
    });

    test(`${what}: aws:RequestedRegion is exactly bedrockRegions wherever it is the Region developers call`, () => {
      const regions = context.bedrockRegions!.split(',').sort();
      const all = statements(synthAuth(context).template);
      for (const sid of ['InvokeInferenceProfiles', 'ReadModelCatalogue', 'ListModelCatalogue', 'InvokeFoundationModels']) {
        const s = all.find((x) => x.Sid === sid);
        if (sid === 'InvokeFoundationModels' && s === undefined) continue;
        assert.deepEqual(list(s.Condition.StringEquals['aws:RequestedRegion']).sort(), regions, sid);
        // And every Regional resource is in one of them.
        for (const r of resourcesOf(s).filter((x) => x !== '*')) assert.ok(regions.includes(r.split(':')[3]), `${sid}: ${r}`);
      }
    });
  }

  test('any Claude model by default: profiles of any geography, the models, the global model', () => {
    const { template } = synthAuth({ bedrockRegions: 'us-east-1,eu-west-1' });
    const profiles = ['us-east-1', 'eu-west-1'].map((r) => `arn:aws:bedrock:${r}:${ENV.account}:inference-profile/*.anthropic.claude-*`);
    assert.deepEqual(sorted(bySid(template, 'InvokeInferenceProfiles').Resource), sorted(profiles));
    assert.deepEqual(bySid(template, 'InvokeModelsThroughProfiles').Resource, 'arn:aws:bedrock:*::foundation-model/anthropic.claude-*');
    assert.deepEqual(sorted(bySid(template, 'InvokeModelsThroughProfiles').Condition), { ArnLike: { 'bedrock:InferenceProfileArn': sorted(profiles) } });
    assert.deepEqual(bySid(template, 'InvokeModelsThroughGlobalProfiles').Resource, 'arn:aws:bedrock:::foundation-model/anthropic.claude-*');
    assert.deepEqual(sorted(bySid(template, 'InvokeFoundationModels').Resource), [
      'arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-*',
      'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-*',
    ]);
  });

  test('allowedModels narrows every statement to exactly those models', () => {
    const { template } = synthAuth(MODELS);
    const profile = (r: string, id: string) => `arn:aws:bedrock:${r}:${ENV.account}:inference-profile/${id}`;
    const model = (r: string, m: string) => `arn:aws:bedrock:${r}::foundation-model/${m}`;
    const regions = ['us-east-1', 'us-west-2'];
    const profiles = regions.flatMap((r) => [profile(r, 'us.anthropic.claude-opus-5-5'), profile(r, 'global.anthropic.claude-sonnet-5')]);
    const inRegions = { StringEquals: { 'aws:RequestedRegion': regions } };
    assert.deepEqual(
      sorted(statements(template)),
      sorted([
        { Sid: 'InvokeInferenceProfiles', Effect: 'Allow', Action: INVOKE, Resource: profiles, Condition: inRegions },
        {
          Sid: 'InvokeModelsThroughProfiles',
          Effect: 'Allow',
          Action: INVOKE,
          Resource: [model('*', 'anthropic.claude-opus-5-5'), model('*', 'anthropic.claude-sonnet-5')],
          // No Region condition: here aws:RequestedRegion is the destination Region Bedrock routes to.
          Condition: { ArnLike: { 'bedrock:InferenceProfileArn': profiles } },
        },
        {
          Sid: 'InvokeModelsThroughGlobalProfiles',
          Effect: 'Allow',
          Action: INVOKE,
          Resource: 'arn:aws:bedrock:::foundation-model/anthropic.claude-sonnet-5',
          Condition: {
            StringEquals: { 'aws:RequestedRegion': 'unspecified' },
            ArnLike: { 'bedrock:InferenceProfileArn': regions.map((r) => profile(r, 'global.anthropic.claude-sonnet-5')) },
          },
        },
        {
          Sid: 'InvokeFoundationModels',
          Effect: 'Allow',
          Action: INVOKE,
          Resource: regions.map((r) => model(r, 'anthropic.claude-haiku-4-5')),
          Condition: inRegions,
        },
        {
          Sid: 'ReadModelCatalogue',
          Effect: 'Allow',
          Action: ['bedrock:GetFoundationModel', 'bedrock:GetInferenceProfile'],
          Resource: [
            ...regions.flatMap((r) => ['anthropic.claude-opus-5-5', 'anthropic.claude-sonnet-5', 'anthropic.claude-haiku-4-5'].map((m) => model(r, m))),
            ...profiles,
          ],
          Condition: inRegions,
        },
        { Sid: 'ListModelCatalogue', Effect: 'Allow', Action: LIST, Resource: '*', Condition: inRegions },
      ]),
    );
  });

  test('only the statements the listed kinds need: geographic profiles alone grant no global or direct model access', () => {
    const { template } = synthAuth({ allowedModels: 'eu.anthropic.claude-opus-5-5', bedrockRegions: 'eu-west-1' });
    assert.deepEqual(statements(template).map((s) => s.Sid).sort(), [
      'InvokeInferenceProfiles',
      'InvokeModelsThroughProfiles',
      'ListModelCatalogue',
      'ReadModelCatalogue',
    ]);
    const foundationOnly = synthAuth({ allowedModels: 'anthropic.claude-haiku-4-5' }).template;
    assert.deepEqual(statements(foundationOnly).map((s) => s.Sid).sort(), ['InvokeFoundationModels', 'ListModelCatalogue', 'ReadModelCatalogue']);
  });
});

describe('refused context', () => {
  const refused: [string, Record<string, string>, RegExp][] = [
    ['an unknown federation', { federation: 'x' }, /context federation must be one of direct, cognito/],
    ['a Region that is not one', { bedrockRegions: 'us-east-1,Mars' }, /context bedrockRegions: "Mars" is not an AWS Region/],
    ['an empty Region list', { bedrockRegions: ' , ' }, /context bedrockRegions must name at least one/],
    ['a session shorter than IAM allows', { maxSessionSeconds: '99' }, /context maxSessionSeconds must be a whole number from 3600 to 43200/],
    ['a session longer than IAM allows', { maxSessionSeconds: '43201' }, /context maxSessionSeconds/],
    ['an unknown session name claim', { sessionNameClaim: 'upn' }, /context sessionNameClaim must be one of sub, email/],
    ['email session names for an issuer that is not Google', { sessionNameClaim: 'email' }, /context sessionNameClaim=email needs the Google issuer .*accounts\.google\.com:email/],
    ['Auth0 with direct federation and sub', { providerType: 'auth0' }, /context sessionNameClaim=sub cannot work with federation=direct for Auth0/],
    ['an unknown provider type', { providerType: 'keycloak' }, /context providerType must be one of okta, azure, auth0, cognito, google, generic/],
    ['providerType cognito for an issuer that is no user pool', { providerType: 'cognito' }, /context providerType is cognito but the issuer/],
    ['another provider type for a user pool issuer', { providerType: 'okta', issuer: USER_POOL }, /context providerType is okta but the issuer .* is a Cognito user pool/],
    ['an OIDC provider ARN that is no ARN', { oidcProviderArn: 'idp.example.com' }, /context oidcProviderArn must be the ARN of an IAM OIDC provider/],
    ["another issuer's OIDC provider", { oidcProviderArn: `arn:aws:iam::${ENV.account}:oidc-provider/other.example.com` }, /context oidcProviderArn names the provider other\.example\.com, not the issuer's/],
    ['an OIDC provider for a user pool in cognito federation', { federation: 'cognito', issuer: USER_POOL, oidcProviderArn: `arn:aws:iam::${ENV.account}:oidc-provider/${USER_POOL_NAME}` }, /context oidcProviderArn is not used with federation=cognito/],
    ['a model id with a wildcard', { allowedModels: 'anthropic.claude-*' }, /context allowedModels: "anthropic.claude-\*" is not a Bedrock model id/],
    ['a model id without a provider', { allowedModels: 'claude-opus' }, /context allowedModels: "claude-opus"/],
    ['a profile prefix without a model', { allowedModels: 'us.claude' }, /context allowedModels: "us.claude" names no model after its us. prefix/],
    ['an empty model list', { allowedModels: ',' }, /context allowedModels must name at least one model id/],
    ['no audience left', { audience: ' , ' }, /context audience must name at least one client id/],
    ['a user pool client id that is none', { federation: 'cognito', issuer: USER_POOL, audience: 'ccwb-cli' }, /context audience: "ccwb-cli" is not a Cognito user pool app client id/],
  ];
  for (const [what, context, message] of refused) {
    test(`refuses ${what}`, () => assert.throws(() => readConfig(new App({ context: { ...BASE_CONTEXT, ...context } }).node, ENV.region), message));
  }

  test('bedrockRegions is required when the stacks have no Region', () => {
    assert.throws(() => readConfig(new App({ context: BASE_CONTEXT }).node), /^Error: context bedrockRegions is required/);
    assert.deepEqual(readConfig(new App({ context: { ...BASE_CONTEXT, bedrockRegions: 'eu-central-1' } }).node).auth.bedrockRegions, ['eu-central-1']);
  });

  test('defaults', () => {
    const { auth } = readConfig(new App({ context: BASE_CONTEXT }).node, ENV.region);
    assert.deepEqual(auth, {
      federation: 'direct',
      bedrockRegions: [ENV.region],
      allowedModels: undefined,
      maxSessionSeconds: 28800,
      sessionNameClaim: 'sub',
      oidcProviderArn: undefined,
      providerType: undefined,
      userPool: undefined,
    });
  });

  test('allowedModels: profiles by their geography prefix, everything else a foundation model', () => {
    const { auth } = readConfig(new App({ context: { ...BASE_CONTEXT, ...MODELS, allowedModels: `${MODELS.allowedModels},apac.anthropic.claude-3-5-sonnet-20240620-v1:0` } }).node);
    assert.deepEqual(auth.allowedModels, [
      { kind: 'profile', id: 'us.anthropic.claude-opus-5-5', geography: 'us', model: 'anthropic.claude-opus-5-5' },
      { kind: 'profile', id: 'global.anthropic.claude-sonnet-5', geography: 'global', model: 'anthropic.claude-sonnet-5' },
      { kind: 'foundation-model', id: 'anthropic.claude-haiku-4-5', model: 'anthropic.claude-haiku-4-5' },
      { kind: 'profile', id: 'apac.anthropic.claude-3-5-sonnet-20240620-v1:0', geography: 'apac', model: 'anthropic.claude-3-5-sonnet-20240620-v1:0' },
    ]);
  });
});

describe('the stack in the app', () => {
  const deployment = defaultApp();

  test('<name>-auth, tagged like the others, depending on nothing, with no cross-stack reference', () => {
    assert.equal(deployment.auth.stackName, 'ccwb-auth');
    assert.deepEqual(deployment.auth.dependencies, []);
    // Only the Quota stack depends on it, for revocation's clean-up (revocation.test.ts).
    assert.ok(!deployment.analytics.dependencies.includes(deployment.auth));
    assert.ok(deployment.quota.dependencies.includes(deployment.auth));
    for (const t of [deployment.authTemplate, deployment.quotaTemplate, deployment.analyticsTemplate]) {
      assert.doesNotMatch(JSON.stringify(t.toJSON()), /Fn::ImportValue/);
    }
    assert.deepEqual(role(deployment.authTemplate).Tags, [{ Key: 'ccwb:deployment', Value: 'ccwb' }]);
  });
});

describe('cdk-nag', () => {
  /** Every acknowledgement in the app: rule id and reason. */
  const acknowledged = (app: App) =>
    app.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.keys(m.data as Record<string, string>).map((id) => id.replace(/^annotation::/i, '')))
      .sort();

  const variants: [string, Record<string, string>][] = [
    ['direct, any Claude model', { bedrockRegions: 'us-east-1,us-west-2' }],
    ['direct, allowedModels', MODELS],
    ['cognito over an OIDC provider', { federation: 'cognito' }],
    ['cognito over a user pool', { federation: 'cognito', ...POOL_CLIENTS }],
    ['a reused OIDC provider', { oidcProviderArn: PROVIDER_ARN }],
  ];
  for (const [what, context] of variants) {
    test(`AwsSolutions finds nothing unacknowledged: ${what}`, () => {
      const { app } = synthAuth(context);
      const report = new AwsSolutionsChecks().validateScope(app);
      assert.deepEqual(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`), []);
    });
  }

  test('with allowedModels, the only wildcards acknowledged are the List actions\' "*" and each profile\'s destination Regions', () => {
    const ids = [
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::arn:aws:bedrock:*::foundation-model/anthropic.claude-opus-5-5]',
      'AwsSolutions-IAM5[Resource::arn:aws:bedrock:*::foundation-model/anthropic.claude-sonnet-5]',
    ];
    // And the permissions boundary's "*" (direct federation: revocation).
    assert.deepEqual(acknowledged(synthAuth(MODELS).app), [...ids, 'AwsSolutions-IAM5[Resource::*]'].sort());
    assert.deepEqual(acknowledged(synthAuth({ ...MODELS, federation: 'cognito' }).app), ids);
  });
});
