// A third-party OpenID Provider for the end-to-end tests: the npm package `oidc-provider` with its
// built-in development login and consent forms (any login, any password). The login name becomes
// the account's `email` (and its `sub`).
//
// Environment:
//   PORT           port on 127.0.0.1 to listen on; 0 (the default) picks a free one
//   CLIENT_ID      the one public client's id (default `ccwb-test`)
//   REDIRECT_URIS  its redirect URIs, comma separated (default `http://127.0.0.1/callback`);
//                  the client is `native`, so a loopback URI matches on any port (RFC 8252 7.3)
//   GROUPS         groups every account belongs to, comma separated (default none)
//   TOKEN_TTL      lifetime of id and access tokens in seconds (default 3600), e.g. to test refresh
//
// Prints exactly one line on stdout, `oidc-provider ready on <issuer>`, once it listens (everything
// else goes to stderr), and exits when stdin closes or on SIGTERM, so it dies with its parent.

import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

// oidc-provider prints its notices with console.info, which would go to stdout.
console.info = console.warn;
console.log = console.warn;

const list = (value) => (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);

const port = Number(process.env.PORT ?? 0);
const clientId = process.env.CLIENT_ID || 'ccwb-test';
const redirectUris = list(process.env.REDIRECT_URIS);
const groups = list(process.env.GROUPS);
const tokenTtl = Number(process.env.TOKEN_TTL || 3600);

// Listen first, so that the issuer can carry the port the system picked.
const server = createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, '127.0.0.1', resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;

// A fresh RS256 signing key per run (instead of the library's shared development key).
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    application_type: 'native', // loopback redirect URIs on any port
    token_endpoint_auth_method: 'none', // public client
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: redirectUris.length ? redirectUris : ['http://127.0.0.1/callback'],
    id_token_signed_response_alg: 'RS256',
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  pkce: { required: () => true }, // S256 is the only method oidc-provider 9 supports
  scopes: ['openid', 'offline_access', 'email', 'profile'],
  claims: {
    openid: ['sub', 'groups'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  // Put the claims of the granted scopes into the id token even though an access token is
  // issued too (by default they would only be served from userinfo).
  conformIdTokenClaims: false,
  // A refresh token for every code exchange, without the `offline_access` scope.
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  // Explicit lifetimes (the defaults work too, but print a notice each time they are used).
  ttl: {
    AccessToken: tokenTtl,
    IdToken: tokenTtl,
    AuthorizationCode: 60,
    Interaction: 600,
    Session: 86400,
    Grant: 86400,
    RefreshToken: 86400,
  },
  features: {
    devInteractions: { enabled: true }, // the built-in login and consent forms
    userinfo: { enabled: true },
  },
  findAccount: async (_ctx, login) => ({
    accountId: login,
    claims: async () => ({
      sub: login,
      email: login,
      email_verified: true,
      name: login.split('@')[0],
      groups,
    }),
  }),
});
provider.on('server_error', (_ctx, error) => console.error('oidc-provider server_error:', error));

server.on('request', provider.callback());
process.stdout.write(`oidc-provider ready on ${issuer}\n`);

const stop = () => {
  server.closeAllConnections();
  server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
