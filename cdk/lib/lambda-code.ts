import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LambdaArch } from './config';

/** ELF `e_machine` values of the two architectures Lambda runs. */
const ELF_MACHINES: Record<number, LambdaArch> = { 0x3e: 'x86_64', 0xb7: 'arm64' };

/**
 * The architecture of an ELF executable, read from its header (`e_machine`, little-endian at
 * offset 18); undefined for anything that is not an x86_64 or aarch64 ELF file.
 */
export function elfArchitecture(file: string): LambdaArch | undefined {
  const header = Buffer.alloc(20);
  const fd = fs.openSync(file, 'r');
  try {
    if (fs.readSync(fd, header, 0, 20, 0) < 20) return undefined;
  } finally {
    fs.closeSync(fd);
  }
  if (header.readUInt32BE(0) !== 0x7f454c46) return undefined;
  return ELF_MACHINES[header.readUInt16LE(18)];
}

/** Where each function's code comes from, and the one architecture they share. */
export interface LambdaCode {
  /** The directory holding `bootstrap`, by binary name. */
  readonly dirs: Record<string, string>;
  readonly architecture: LambdaArch;
  /** True when the code is a stand-in that only exits with an error. */
  readonly placeholder: boolean;
}

/** A stand-in `bootstrap`: synthesises like the real thing, fails loudly if ever deployed. */
const PLACEHOLDER = '#!/bin/sh\necho "ccwb: placeholder code deployed; run make build-lambdas and deploy again" >&2\nexit 1\n';

/**
 * Finds `<lambdaDir>/<binary>/bootstrap` for every binary, as `cargo lambda build` lays them
 * out, and decides the architecture: the one asked for (which must match what was built), else
 * the one that was built, else arm64. With `placeholder`, writes stand-ins under
 * `placeholderRoot` instead (offline synth and tests need no Rust build).
 */
export function locateCode(
  binaries: readonly string[],
  opts: { lambdaDir: string; arch?: LambdaArch; placeholder: boolean; placeholderRoot: string },
): LambdaCode {
  const dirs: Record<string, string> = {};
  if (opts.placeholder) {
    for (const binary of binaries) {
      const dir = path.join(opts.placeholderRoot, binary);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'bootstrap'), PLACEHOLDER, { mode: 0o755 });
      dirs[binary] = dir;
    }
    return { dirs, architecture: opts.arch ?? 'arm64', placeholder: true };
  }

  const built = new Map<LambdaArch, string[]>();
  const missing: string[] = [];
  for (const binary of binaries) {
    const dir = path.join(opts.lambdaDir, binary);
    const bootstrap = path.join(dir, 'bootstrap');
    if (!fs.existsSync(bootstrap)) {
      missing.push(bootstrap);
      continue;
    }
    dirs[binary] = dir;
    const arch = elfArchitecture(bootstrap);
    if (arch === undefined) {
      throw new Error(`${bootstrap} is not an x86_64 or arm64 Linux executable; run make build-lambdas`);
    }
    built.set(arch, [...(built.get(arch) ?? []), binary]);
  }
  if (missing.length > 0) {
    throw new Error(
      `Lambda code not found: ${missing.join(', ')}. Run make build-lambdas (cargo lambda build --release), ` +
        'or synthesise with -c placeholderCode=true for an offline check (never deploy that).',
    );
  }
  if (built.size > 1) {
    const detail = [...built].map(([arch, bins]) => `${arch}: ${bins.join(', ')}`).join('; ');
    throw new Error(
      `the Lambda binaries were built for different architectures (${detail}); rebuild them all with make build-lambdas`,
    );
  }
  const found = [...built.keys()][0] ?? 'arm64';
  if (opts.arch !== undefined && opts.arch !== found) {
    throw new Error(
      `context lambdaArch is ${opts.arch} but the binaries in ${opts.lambdaDir} are ${found}; rebuild or drop lambdaArch`,
    );
  }
  return { dirs, architecture: found, placeholder: false };
}
