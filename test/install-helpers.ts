/**
 * Installing the packed package into an empty project, offline (test/package.test.ts,
 * test/readme.test.ts): `npm pack` of the built tree, then `npm ci --offline` from a lock file
 * made from ours (npm ci keeps the tarballs in the cache but not the registry metadata an
 * unlocked install would ask for), so it needs no network and gets exactly the tested versions.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_ROOT } from '../src/paths.js';

interface LockEntry {
  version?: string;
  resolved?: string;
  dev?: boolean;
  [key: string]: unknown;
}

/**
 * A lock file for an app that depends on the tarball only: superspike's production entries of
 * our lock, with tarball addresses filled in where npm left them out (it omits the default
 * registry's), so that `npm ci --offline` finds every package in the cache by address and hash.
 */
export function appLock(tarball: string, registry: string): object {
  const lock = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const pkg = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  const base = registry.endsWith('/') ? registry : `${registry}/`;
  const packages: Record<string, LockEntry> = {
    '': { name: 'app', dependencies: { superspike: `file:${tarball}` } },
    'node_modules/superspike': {
      version: pkg.version as string, resolved: `file:${tarball}`, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines,
      // npm ci runs a locked package's install script only when its entry says it has one.
      hasInstallScript: lock.packages['']!.hasInstallScript,
    },
  };
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (key === '' || entry.dev || !key.startsWith('node_modules/')) continue;
    const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const resolved = entry.resolved ?? `${base}${name}/-/${name.split('/').pop()}-${entry.version}.tgz`;
    packages[key] = { ...entry, resolved };
  }
  return { name: 'app', lockfileVersion: 3, requires: true, packages };
}


export interface PackedApp {
  /** The app folder, with superspike installed under node_modules. */
  app: string;
  /** Paths inside the tarball. */
  files: string[];
  npm(args: string[], cwd: string): string;
}

/** Packs this checkout (without its scripts: the tree is already built) and installs it into `work/app`. */
export function installPackedApp(work: string): PackedApp {
  const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  // --ignore-scripts: `prepare` would rebuild; the tests check the tree `npm test` just built.
  const packed = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], PACKAGE_ROOT)) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  const app = path.join(work, 'app');
  fs.mkdirSync(app);
  const tarball = path.join('..', path.basename(packed[0]!.filename));
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { superspike: `file:${tarball}` } }));
  const registry = npm(['config', 'get', 'registry'], app).trim();
  fs.writeFileSync(path.join(app, 'package-lock.json'), JSON.stringify(appLock(tarball, registry), null, 1));
  npm(['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], app);
  return { app, files: packed[0]!.files.map((f) => f.path), npm };
}
