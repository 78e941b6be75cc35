#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app';

const app = new App();
try {
  // The CDK CLI sets these from the credentials in use (check.sh sets offline values).
  buildApp(app, { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION });
} catch (err) {
  // A bad context value or missing build: one line saying what to do, not a stack trace.
  console.error(`Error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
