import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './config';

/** One route of the HTTP API, as the Rust route catalogue (functions/api/src/routes.rs) lists it. */
export interface ManifestRoute {
  /** API Gateway's route key, `METHOD /path`. */
  readonly route: string;
  /** The `[[bin]]` of the function that serves it. */
  readonly binary: string;
  /** Whether only administrators may call it (the function checks; API Gateway does not). */
  readonly admin: boolean;
}

/** Every route: functions/api/routes.json, which a Rust test keeps equal to the catalogue. */
export const ROUTES: readonly ManifestRoute[] = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'functions', 'api', 'routes.json'), 'utf8'));

/** The route keys `binary` serves. */
export function routesOf(binary: string): string[] {
  return ROUTES.filter((r) => r.binary === binary).map((r) => r.route);
}
