/**
 * The configs the package ships (`config/*.json` of the installed copy), by name: a project that
 * installed superspike has no `config/` folder of its own, so `train('config/oxford.json')` would
 * look in the wrong place; `train(shippedConfig('oxford'))` finds the package's.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { PACKAGE_ROOT } from '../paths.js';

const CONFIG_DIR = path.join(PACKAGE_ROOT, 'config');

/** Absolute path of the shipped config `name` (`default`, `oxford`, `xor`; `.json` optional). */
export function shippedConfig(name: string): string {
  const plain = typeof name === 'string' && name !== '' && !name.includes('/') && !name.includes('\\');
  const file = plain ? path.join(CONFIG_DIR, name.endsWith('.json') ? name : `${name}.json`) : '';
  if (!plain || !existsSync(file)) {
    const names = readdirSync(CONFIG_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
    throw new UserError(`shippedConfig(): no config ${JSON.stringify(name)} ships with superspike (shipped: ${names.join(', ')})`);
  }
  return file;
}
