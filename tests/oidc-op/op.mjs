// The OpenID Provider of the sign-in tests (oidc-provider 9.x), started by crates/server/tests/oidc.rs.
// Usage: node op.mjs [PORT]      (or OP_PORT=...; port 0 = pick a free one)
// Env:   OP_CLIENT_ID, OP_CLIENT_SECRET, OP_REDIRECT_URIS (space/comma separated),
//        OP_ACCOUNTS (JSON {"login":{claims...}}), OP_ID_TOKEN_ALG (RS256|ES256),
//        OP_AUTO_CONSENT (1 = skip the consent prompt; default 1),
//        OP_CONFORM_ID_TOKEN_CLAIMS (1 = scope claims only at userinfo; default 0)
// Prints one line "OP_READY <issuer>" on stdout when listening (the harness waits for it).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const port = Number(process.argv[2] ?? process.env.OP_PORT ?? 0);
const clientId = process.env.OP_CLIENT_ID ?? 'yici';
const clientSecret = process.env.OP_CLIENT_SECRET ?? 'yici-secret';
const redirectUris = (process.env.OP_REDIRECT_URIS ?? 'http://127.0.0.1:8080/auth/oidc/callback')
  .split(/[\s,]+/).filter(Boolean);
const idTokenAlg = process.env.OP_ID_TOKEN_ALG ?? 'RS256';
const autoConsent = (process.env.OP_AUTO_CONSENT ?? '1') === '1';
const accounts = JSON.parse(process.env.OP_ACCOUNTS ?? JSON.stringify({
  alice: { id_number: '11010519491231002X', name: 'Alice', preferred_username: 'alice' },
  bob: { id_number: '440524188001010014', name: 'Bob', preferred_username: 'bob' },
  carol: { name: 'Carol', preferred_username: 'carol' }, // no id_number: negative test
}));

// Fresh signing keys per run (the RP must fetch them from jwks_uri anyway).
const jwk = (alg, kid, keyPair) => ({ ...keyPair.privateKey.export({ format: 'jwk' }), alg, use: 'sig', kid });
const keys = [
  jwk('RS256', 'rs1', generateKeyPairSync('rsa', { modulusLength: 2048 })),
  jwk('ES256', 'es1', generateKeyPairSync('ec', { namedCurve: 'P-256' })),
];

const scopeClaims = ['openid', 'profile', 'id_number'];

// The configuration object must be built once the port is known (issuer = http://127.0.0.1:PORT).
function configuration() {
  return {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: idTokenAlg,
    }],
    jwks: { keys },
    cookies: { keys: [randomBytes(32).toString('hex')] }, // signed cookies (*.sig)
    pkce: { required: () => true }, // S256 is the only method in v9
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      id_number: ['id_number'], // custom scope `id_number` -> custom claim `id_number`
    },
    // true (default): with response_type=code, scope-derived claims go to /me (userinfo) only,
    // the ID token carries just sub (+ claims asked for via the `claims` request parameter).
    // false: scope-derived claims are also put into the ID token.
    conformIdTokenClaims: process.env.OP_CONFORM_ID_TOKEN_CLAIMS === '1',
    features: { devInteractions: { enabled: true } }, // GET/POST /interaction/:uid, no password check
    async findAccount(ctx, sub) {
      const a = accounts[sub];
      if (!a) return undefined;
      return { accountId: sub, async claims() { return { sub, ...a }; } };
    },
    // Auto-consent for this first-party client: no consent prompt, one POST less for the test client.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      if (!autoConsent || !ctx.oidc.session.accountId) return undefined;
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope(scopeClaims.join(' '));
      await grant.save();
      return grant;
    },
    clientBasedCORS: () => false, // server-side RP only; silences the "shouldChange" notice
  };
}

// Listen first to learn the port (port 0), then mount the provider.
let callback = (req, res) => { res.statusCode = 503; res.end(); };
const server = createServer((req, res) => callback(req, res));
server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration());
  provider.on('server_error', (ctx, err) => console.error('server_error', err));
  callback = provider.callback();
  console.log(`OP_READY ${issuer}`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.close(() => process.exit(0)));
