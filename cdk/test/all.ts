// Every test file in one process: loading aws-cdk-lib and the first synth cost about 4 s per
// process, and the files share the synthesised apps (see helpers.ts). `node --test` on a single
// *.test.js file still works for one area.
import './analytics.test';
import './auth.test';
import './checks.test';
import './config.test';
import './meter.test';
import './quota.test';
import './revocation.test';
import './rust-contract.test';
