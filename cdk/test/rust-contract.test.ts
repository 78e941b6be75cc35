// The stacks must agree with the Rust code they deploy: binary names, routes, table keys,
// resource names and environment variables. These tests read the Rust sources, so a change on
// either side that the other does not follow fails here rather than in AWS.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../lib/config';
import { USAGE_ROWS } from '../lib/dashboard';
import {
  AUDIT_PENDING_INDEX,
  DENY_POLICY_PATH,
  OUTBOX_PREFIX,
  PACKAGES_PREFIX,
  POLICY_TYPE_INDEX,
  REVOCATION_PK,
  SESSION_PREFIX,
  USAGE_TTL_ATTRIBUTE,
  denyPolicyPrefix,
  resourceNames,
} from '../lib/names';
import { FUNCTIONS, METER, functionsOf } from '../lib/quota-stack';
import { ROUTES } from '../lib/routes';
import { cognitoApp, dashboardBody, defaultApp, meterApp, resourceAt, variantApp } from './helpers';

const read = (relative: string) => fs.readFileSync(path.join(REPO_ROOT, relative), 'utf8');

// The meter too, which only meter=invocation-logs deploys.
for (const spec of [...FUNCTIONS, METER]) {
  const crate = `functions/${spec.binary.replace(/^ccwb-/, '')}`;
  // A function off the API (the sweeper, the widgets) has no routes: only its binary name is checked.
  const served = spec.routes.length > 0;
  const invoked = served ? `serves ${spec.routes.join(', ')}` : spec.schedule ? `runs it on ${spec.schedule}` : 'deploys it off the API';
  test(`${spec.binary}: binary name matches ${crate}`, (t) => {
    if (!fs.existsSync(path.join(REPO_ROOT, crate, 'Cargo.toml'))) {
      t.skip(`${crate} is not written yet; the stack ${invoked}`);
      return;
    }
    const bins = [...read(`${crate}/Cargo.toml`).matchAll(/\[\[bin\]\]\s*name\s*=\s*"([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(bins, [spec.binary]);
  });
}

test('every route of the Rust catalogue (functions/api/routes.json) is deployed, by the function that serves it', () => {
  assert.ok(ROUTES.length > 0);
  for (const { route, binary } of ROUTES) {
    const spec = FUNCTIONS.find((f) => f.binary === binary);
    assert.ok(spec, `${route}: ${binary} is not a function of the stack`);
    assert.ok(spec.routes.includes(route), `${route} is not routed to ${binary}`);
  }
  const deployed = FUNCTIONS.flatMap((f) => f.routes);
  assert.equal(new Set(deployed).size, deployed.length, 'no route is deployed twice');
  assert.equal(deployed.length, ROUTES.length);
});

test('the outbox keeps only usage records, the one stream the sweeper may re-send kept records to', () => {
  // outbox.rs deliver_kept sends each kept item to the stream the item names; the Sweeper role
  // grants PutRecordBatch on the usage stream for them (and the audit stream for audit events).
  const callers: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })) {
      const relative = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(relative);
      else if (entry.name.endsWith('.rs')) {
        for (const m of read(relative).matchAll(/\.send_or_keep\(\s*([^,]+),/g)) callers.push(`${relative}: ${m[1]!.trim()}`);
      }
    }
  };
  for (const crate of fs.readdirSync(path.join(REPO_ROOT, 'functions'))) {
    if (fs.existsSync(path.join(REPO_ROOT, 'functions', crate, 'src'))) walk(path.join('functions', crate, 'src'));
  }
  assert.ok(callers.length > 0, 'some function keeps records in the outbox');
  for (const caller of callers) assert.match(caller, /\busage_stream$/, caller);
});

test('packages live under the prefix functions/store/src/packages.rs writes', () => {
  // The roles, the signer, the IP restriction and the lifecycle rule all name this prefix.
  assert.match(read('functions/store/src/packages.rs'), new RegExp(`pub const PREFIX: &str = "${PACKAGES_PREFIX}";`));
  // And the JSON of the signer's secret has the fields packages.rs reads.
  const signerKey = /struct SignerKey \{([^}]*)\}/.exec(read('functions/store/src/packages.rs'));
  assert.ok(signerKey, 'packages.rs declares SignerKey');
  assert.deepEqual([...signerKey[1]!.matchAll(/(\w+): String/g)].map((m) => m[1]), ['access_key_id', 'secret_access_key']);
});

test('index names and keys match functions/store/src/tables.rs', () => {
  const source = read('functions/store/src/tables.rs');
  const constants: Record<string, string> = { PK: 'pk', SK: 'sk' };
  const value = (token: string) => (token.startsWith('"') ? token.slice(1, -1) : constants[token]);
  const indexes = [...source.matchAll(/IndexSpec \{\s*name: ("[^"]+"),\s*partition_key: (\S+?),\s*sort_key: (\S+?),\s*\}/g)].map((m) => ({
    name: value(m[1]!),
    partitionKey: value(m[2]!),
    sortKey: value(m[3]!),
  }));
  assert.deepEqual(indexes, [{ ...POLICY_TYPE_INDEX }, { ...AUDIT_PENDING_INDEX }]);
  assert.match(source, /pub const PK: &str = "pk";/);
  assert.match(source, /pub const SK: &str = "sk";/);
  // The usage table's TTL attribute is the one the Rust code sets.
  assert.match(source, new RegExp(`pub const TTL_ATTRIBUTE: &str = "${USAGE_TTL_ATTRIBUTE}";`));
  // The check function may write only under the session items' prefix.
  assert.match(read('functions/store/src/items/session.rs'), new RegExp(`pub const PREFIX: &str = "${SESSION_PREFIX}";`));
});

test('resource names match functions/store/src/names.rs', () => {
  const source = read('functions/store/src/names.rs');
  const defaults = Object.fromEntries(
    [...source.matchAll(/get\("(CCWB_\w+)"\)\s*\.unwrap_or_else\(\|\| format!\("\{stack\}-([\w-]+)"\)\)/g)].map((m) => [m[1], `x-${m[2]}`]),
  );
  const names = resourceNames('x');
  assert.deepEqual(defaults, {
    CCWB_POLICIES_TABLE: names.policiesTable,
    CCWB_USAGE_TABLE: names.usageTable,
    CCWB_AUDIT_TABLE: names.auditTable,
    CCWB_USAGE_STREAM: names.usageStream,
    CCWB_AUDIT_STREAM: names.auditStream,
    // S3 names are global: the stack adds account and region and passes CCWB_BUCKET and
    // CCWB_PACKAGES_BUCKET.
    CCWB_BUCKET: 'x-data',
    CCWB_PACKAGES_BUCKET: 'x-packages',
    CCWB_SIGNER_SECRET: names.signerSecret,
    CCWB_FEDERATED_ROLE: names.federatedRole,
  });
  assert.equal(names.signerSecret, 'x-distribution-signer');
  assert.match(source, /format!\("\{\}\/distribution\/latest", self\.parameter_prefix\)/);
  assert.equal(names.distributionParameter, '/ccwb/x/distribution/latest');
  assert.match(source, /format!\("\{\}-alerts", self\.stack\)/);
  assert.equal(names.alertTopic, 'x-alerts');
  assert.match(source, /parameter_prefix: format!\("\/ccwb\/\{stack\}"\)/);
  assert.match(source, /format!\("\{\}\/deployment", self\.parameter_prefix\)/);
  assert.equal(names.deploymentParameter, '/ccwb/x/deployment');
  assert.match(source, /get\("CCWB_STACK_NAME"\)\.unwrap_or_else\(\|\| "ccwb"\.to_owned\(\)\)/);
});

test('every CCWB_ variable given to the functions is one the Rust code reads', () => {
  const known = new Set(
    ['functions/store/src/names.rs', 'functions/lambda/src/settings.rs', 'functions/sweeper/src/lib.rs'].flatMap((f) =>
      [...read(f).matchAll(/"(CCWB_\w+)"/g)].map((m) => m[1]),
    ),
  );
  // The variant deployment sets every optional variable (CCWB_PRICING, CCWB_DISTRIBUTION_ALLOWED_IPS,
  // CCWB_METER); it and the metered one deploy the meter (CCWB_FEDERATED_ROLE).
  for (const { quotaTemplate, quota } of [defaultApp(), variantApp(), meterApp()]) {
    for (const spec of functionsOf({ meter: quota.invocationLogging ? 'invocation-logs' : 'telemetry' })) {
      const variables = Object.keys(resourceAt(quotaTemplate, `Quota/${spec.id}Function/Resource`).Properties.Environment.Variables);
      for (const variable of variables.filter((v) => v.startsWith('CCWB_'))) {
        assert.ok(known.has(variable), `${spec.id}: ${variable} is not read by the Rust code`);
      }
    }
  }
  // And every setting the functions read is set explicitly rather than left to a default.
  for (const setting of ['CCWB_ADMIN_GROUPS', 'CCWB_IDENTITY_CLAIMS', 'CCWB_FAIL_MODE', 'CCWB_MISSING_IDENTITY', 'CCWB_UNVERIFIED_EMAIL', 'CCWB_STACK_NAME']) {
    assert.ok(known.has(setting), `${setting} is read by the Rust code`);
  }
});

test('the dashboard shows every widget of functions/widgets/src/widgets.rs WIDGETS, once, and nothing else', () => {
  const source = read('functions/widgets/src/widgets.rs');
  const declared = /pub const WIDGETS: \[\(&str, &str\); (\d+)\] = \[([\s\S]*?)\n\];/.exec(source);
  assert.ok(declared, 'widgets.rs declares WIDGETS');
  // Each entry is ("name", "one line of documentation"); the documentation may hold parentheses.
  const str = '"(?:[^"\\\\]|\\\\.)*"';
  const names = [...declared[2]!.matchAll(new RegExp(`\\(\\s*(${str})\\s*,\\s*${str}\\s*,?\\s*\\)`, 'g'))].map((m) => JSON.parse(m[1]!));
  assert.equal(names.length, Number(declared[1]), `parsed ${names.join(', ')}`);
  const shown = dashboardBody(defaultApp())
    .widgets.filter((w) => w.type === 'custom')
    .map((w) => w.properties.params.widget as string);
  assert.deepEqual([...shown].sort(), [...names].sort());
  assert.deepEqual(USAGE_ROWS.flat().map((w) => w.widget).sort(), [...names].sort());
});

test('the widget parameters the dashboard passes are those functions/widgets/src/request.rs reads', () => {
  const source = read('functions/widgets/src/request.rs');
  assert.match(source, /param\(event, "widget"\)/);
  assert.match(source, /param\(event, "limit"\)/);
  const range = /\.filter\(\|n\| \((\d+)\.\.=(\d+)\)\.contains\(n\)\)/.exec(source);
  assert.ok(range, 'request.rs bounds params.limit');
  const params = dashboardBody(defaultApp())
    .widgets.filter((w) => w.type === 'custom')
    .map((w) => w.properties.params as Record<string, unknown>);
  for (const p of params) {
    assert.deepEqual(Object.keys(p).filter((k) => k !== 'widget' && k !== 'limit'), [], JSON.stringify(p));
    if (p.limit !== undefined) assert.ok(Number(range[1]) <= Number(p.limit) && Number(p.limit) <= Number(range[2]), JSON.stringify(p));
  }
});

test('ccwb-widgets is a plain lambda_runtime function, invoked directly (no ROUTES, no lambda_http)', () => {
  assert.doesNotMatch(read('functions/widgets/src/lib.rs'), /\bROUTES\b/);
  assert.doesNotMatch(read('functions/widgets/Cargo.toml'), /lambda_http/);
  // event_main! (functions/lambda/src/lib.rs) runs the handler with lambda_runtime.
  assert.match(read('functions/widgets/src/main.rs'), /ccwb_lambda::event_main!\(ccwb_widgets\)/);
  assert.match(read('functions/lambda/src/lib.rs'), /\$crate::lambda_main!\(\$function, lambda_runtime, handle\)/);
});

test('ccwb-meter is a plain lambda_runtime function (no ROUTES, no lambda_http), counting only the federated role', () => {
  assert.doesNotMatch(read('functions/meter/src/lib.rs'), /\bROUTES\b/);
  assert.doesNotMatch(read('functions/meter/Cargo.toml'), /lambda_http/);
  assert.match(read('functions/meter/src/main.rs'), /ccwb_lambda::event_main!\(ccwb_meter\)/);
  // It reads CloudWatch Logs deliveries, and skips every role but names.rs federated_role
  // (CCWB_FEDERATED_ROLE, which the stack sets to the Auth stack's role name).
  assert.match(read('functions/meter/src/lib.rs'), /LambdaEvent<LogsEvent>/);
  assert.match(read('functions/meter/src/lib.rs'), /names\(\)\.federated_role/);
  // Ingest reads the meter setting the stack gives it (settings.rs).
  assert.match(read('functions/lambda/src/settings.rs'), /Some\("invocation-logs"\) => Meter::InvocationLogs/);
});

test('the widgets read the rollups with Query on the usage table itself, no index (the role grants exactly that)', () => {
  assert.match(read('functions/widgets/src/lib.rs'), /store\.day_rollups\(/);
  assert.match(read('functions/widgets/src/quota_status.rs'), /store\.month_users\(/);
  const source = read('functions/store/src/rollups.rs');
  const body = (fn: string) => {
    const found = new RegExp(`async fn ${fn}\\(([\\s\\S]*?)\\n {4}\\}\\n`).exec(source);
    assert.ok(found, `rollups.rs has ${fn}`);
    return found[1]!;
  };
  // Both read through partition(), whose only call is a Query on the table's own key.
  for (const fn of ['day_rollup', 'month_users']) {
    assert.match(body(fn), /\.partition\(/, fn);
    assert.doesNotMatch(body(fn), /\.client\s*\./, fn);
  }
  const partition = body('partition');
  assert.deepEqual([...partition.matchAll(/\.client\s*\.(\w+)\(\)/g)].map((m) => m[1]), ['query']);
  assert.match(partition, /\.table_name\(&self\.names\.usage_table\)/);
  assert.doesNotMatch(partition, /index_name/);
});

test('the usage widgets are in the order and widths of ccwb-local /dashboard (functions/local/src/dashboard.rs LAYOUT)', () => {
  const declared = /const LAYOUT: \[\(&str, u32\); (\d+)\] = \[([\s\S]*?)\n\];/.exec(read('functions/local/src/dashboard.rs'));
  assert.ok(declared, 'dashboard.rs declares LAYOUT');
  const layout = [...declared[2]!.matchAll(/\(\s*"([^"]+)"\s*,\s*(\d+)\s*\)/g)].map((m) => `${m[1]} ${m[2]}`);
  assert.equal(layout.length, Number(declared[1]));
  // As deployed: the custom widgets of the dashboard body, top to bottom, left to right.
  const shown = dashboardBody(defaultApp())
    .widgets.filter((w) => w.type === 'custom')
    .sort((a, b) => a.y - b.y || a.x - b.x)
    .map((w) => `${w.properties.params.widget} ${w.width}`);
  assert.deepEqual(shown, layout);
});

test('the sweeper logs `refused`, the field the sweeper-refusals metric filter reads ($.fields.refused)', () => {
  const source = read('functions/lambda/src/audit.rs');
  assert.match(source, /tracing::warn!\(\s*refused,/);
  // tracing's JSON lines put event fields under "fields" (functions/lambda/src/logging.rs).
  assert.match(read('functions/lambda/src/logging.rs'), /\.json\(\)/);
  assert.doesNotMatch(read('functions/lambda/src/logging.rs'), /flatten_event\(true\)/);
});

test('the sweeper reads CCWB_REVOCATION as on or off, the values the stack gives it', () => {
  const source = read('functions/sweeper/src/lib.rs');
  assert.match(source, /pub const REVOCATION_SETTING: &str = "CCWB_REVOCATION";/);
  assert.match(source, /Ok\("off"\) => None/);
  assert.match(source, /Ok\("on"\)/);
  for (const deployment of [defaultApp(), cognitoApp()]) {
    const env = resourceAt(deployment.quotaTemplate, 'Quota/SweeperFunction/Resource').Properties.Environment.Variables;
    assert.ok(['on', 'off'].includes(env.CCWB_REVOCATION), env.CCWB_REVOCATION);
  }
});

test('a custom resource\'s Delete makes the sweeper remove the deny policies (the stack\'s clean-up)', () => {
  const source = read('functions/sweeper/src/lib.rs');
  assert.match(source, /get\("RequestType"\)[\s\S]{0,80}== Some\("Delete"\)[\s\S]{0,40}return remove_denies\(state\)/);
  assert.match(source, /async fn remove_denies[\s\S]*denies\.apply\(&\[\]\)/);
  // Its answer is a JSON object the provider framework can merge into the resource's response.
  assert.match(source, /pub async fn handle\(state: &State, event: LambdaEvent<serde_json::Value>\) -> Result<Run, Error>/);
  assert.match(source, /#\[derive\([^)]*serde::Serialize\)\]\s*pub struct Run/);
});

test('the deny policies the sweeper may write are those role_denies.rs names: /ccwb/<stack>-revoked-<shard>', () => {
  const source = read('functions/store/src/role_denies.rs');
  assert.match(source, new RegExp(`pub const POLICY_PATH: &str = "${DENY_POLICY_PATH}";`));
  assert.match(source, /prefix: format!\("\{\}-revoked-", names\.stack\)/);
  assert.equal(denyPolicyPrefix('x'), 'x-revoked-');
  assert.match(source, /\.path\(POLICY_PATH\)/);
  assert.match(source, /\.path_prefix\(POLICY_PATH\)/);
});

test('the sweeper is granted exactly the IAM calls role_denies.rs makes', () => {
  const source = read('functions/store/src/role_denies.rs');
  // Every SDK call on the IAM client: `.iam` then `.some_operation()`.
  const calls = new Set([...source.matchAll(/\.iam\s*\.(\w+)\(\)/g)].map((m) => m[1]!));
  const pascal = (snake: string) => snake.replace(/(^|_)(\w)/g, (_m, _u, c: string) => c.toUpperCase());
  const made = [...calls].map((c) => `iam:${pascal(c)}`).sort();
  const role = resourceAt(defaultApp().quotaTemplate, 'Quota/SweeperRole/Resource').Properties;
  const granted = role.Policies[0].PolicyDocument.Statement.flatMap((st: any) => [st.Action].flat()).filter((a: string) => a.startsWith('iam:'));
  assert.deepEqual([...granted].sort(), made);
  assert.equal(made.length, 10, made.join(', '));
});

test('the sweeper\'s usage-table writes are on the keys the Rust code uses: REVOCATION and OUTBOX#{shard}', () => {
  assert.match(read('functions/store/src/items/revocation.rs'), new RegExp(`pub const PK: &str = "${REVOCATION_PK}";`));
  // revocations.rs reads, marks and lifts by item::key, whose partition is PK.
  assert.match(read('functions/store/src/items/revocation.rs'), /\("pk"\.to_owned\(\), s\(PK\)\)/);
  const outbox = read('functions/store/src/outbox.rs');
  const keys = [...outbox.matchAll(/format!\("(\w+#)\{shard\}"\)/g)].map((m) => m[1]);
  assert.ok(keys.length >= 2, 'outbox.rs keys its items OUTBOX#{shard}');
  for (const key of keys) assert.equal(key, OUTBOX_PREFIX);
  // ingest and the meter note a blocked user through alerts.rs after_counting.
  assert.match(read('functions/lambda/src/alerts.rs'), /crate::revocation::note\(/);
  for (const crate of ['ingest', 'meter']) assert.match(read(`functions/${crate}/src/lib.rs`), /ccwb_lambda::alerts::after_counting\(/, crate);
});
