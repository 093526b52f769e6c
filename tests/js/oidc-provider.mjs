// A real OpenID Provider (the npm package `oidc-provider`) on loopback, for
// the sign-in tests (tests/tests/oidc.rs, oidc.test.mjs).
//
//   node oidc-provider.mjs   → prints `ISSUER http://127.0.0.1:PORT` when ready
//
// One confidential client (`casebook` / `casebook-secret`) whose redirect URI
// may be `http://127.0.0.1:<any port>/auth/callback` (the test servers take
// free ports), and two people: `alice` (groups sre, casebook-admins;
// department SRE Platform) and `bob` (group sre, no department). The login page is the provider's own development
// login form (any password); consent is granted without asking, as a
// company's provider does for its own applications.
//
// `GET /test/tamper?…` makes the provider's NEXT token answer carry a bad
// ID token, re-signed here so that only that one thing is wrong:
// `aud=X`, `iss=X`, `nonce=X`, `expired=1`, or `rogue=1` (signed with a key
// that is not in the provider's key set, under the same key id).
// `ID_TOKEN_TTL` (seconds, env) shortens the ID tokens' lifetime.

import Provider from 'oidc-provider';
import crypto from 'node:crypto';
import http from 'node:http';

const USERS = {
  alice: { name: 'Alice Tanaka', groups: ['sre', 'casebook-admins'], department: 'SRE Platform' },
  bob: { name: 'Bob 佐藤', groups: ['sre'] },
};

const KID = 'casebook-test';
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const rogueKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: KID, alg: 'RS256', use: 'sig' };

let tamper = null;

const b64 = (buffer) => Buffer.from(buffer).toString('base64url');

function tampered(idToken, how) {
  const [header, payload] = idToken.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  const now = Math.floor(Date.now() / 1000);
  if (how.aud) claims.aud = how.aud;
  if (how.iss) claims.iss = how.iss;
  if (how.nonce) claims.nonce = how.nonce;
  if (how.expired) {
    claims.iat = now - 1200;
    claims.exp = now - 600;
  }
  const body = `${header}.${b64(JSON.stringify(claims))}`;
  const key = how.rogue ? rogueKey : privateKey;
  return `${body}.${b64(crypto.sign('sha256', Buffer.from(body), key))}`;
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'casebook',
        client_secret: 'casebook-secret',
        redirect_uris: ['http://127.0.0.1/auth/callback'],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [jwk] },
    claims: { openid: ['sub'], profile: ['name', 'department'], groups: ['groups'] },
    scopes: ['openid', 'profile', 'groups'],
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    ttl: { IdToken: Number(process.env.ID_TOKEN_TTL || 3600) },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['casebook-test-provider'] },
    async findAccount(ctx, id) {
      const user = USERS[id];
      if (!user) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...user }) };
    },
    async loadExistingGrant(ctx) {
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid profile groups');
      grant.addOIDCClaims(['name', 'groups', 'department']);
      await grant.save();
      return grant;
    },
  });
  // The test servers listen on free ports: any loopback port is theirs.
  provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(uri) {
    try {
      const url = new URL(uri);
      return url.protocol === 'http:' && url.hostname === '127.0.0.1' && url.pathname === '/auth/callback';
    } catch {
      return false;
    }
  };
  provider.use(async (ctx, next) => {
    if (ctx.path === '/test/tamper') {
      tamper = { ...ctx.query };
      ctx.status = 204;
      return;
    }
    await next();
    if (ctx.path === '/token' && tamper && ctx.body && ctx.body.id_token) {
      ctx.body = { ...ctx.body, id_token: tampered(ctx.body.id_token, tamper) };
      tamper = null;
    }
  });
  server.on('request', provider.callback());
  console.log(`ISSUER ${issuer}`);
});

process.on('SIGTERM', () => process.exit(0));
