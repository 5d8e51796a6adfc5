/**
 * Builds the optional batched-UDP addon (rvoip_udp.c) with node-gyp, at `npm install`
 * (core/media's "install" script) or by hand (`node core/media/native/build.mjs`).
 *
 * Never fails the install: the media engine falls back to node:dgram when the addon is
 * missing ('auto'), and says why. The reason of a failed build is written to
 * build/BUILD_FAILED so the engine and the tests can report it.
 *
 * Headers: node-api is ABI-stable, so any Node's headers do. Preferred, in order: the
 * running Node's own (its install root holds include/node, as the `node` npm package and
 * official tarballs do), npm's configured nodedir, /usr (Debian's nodejs); node-gyp would
 * otherwise download them, which a machine without network cannot.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const failedMarker = join(here, 'build', 'BUILD_FAILED');

function hasHeaders(root) {
  return Boolean(root) && existsSync(join(root, 'include', 'node', 'node_api.h')) && existsSync(join(root, 'include', 'node', 'uv.h'));
}

function nodedir() {
  const candidates = [dirname(dirname(realpathSync(process.execPath))), process.env.npm_config_nodedir, '/usr', '/usr/local'];
  return candidates.find(hasHeaders);
}

function nodeGyp() {
  // npm exports the path of its bundled node-gyp to lifecycle scripts.
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return fromNpm;
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return undefined;
  }
}

function fail(reason) {
  mkdirSync(dirname(failedMarker), { recursive: true });
  writeFileSync(failedMarker, `${reason}\n`);
  process.stderr.write(`@rvoip/media: the optional batched UDP addon was not built (${reason}); the engine uses node:dgram\n`);
  process.exit(0);
}

if (process.platform !== 'linux') fail(`recvmmsg/sendmmsg need Linux, this is ${process.platform}`);
const gyp = nodeGyp();
if (!gyp) fail('node-gyp not found (neither npm_config_node_gyp nor a node-gyp package)');
const dir = nodedir();
if (!dir) fail('no Node headers (include/node/node_api.h) next to this Node, in npm_config_nodedir, /usr or /usr/local');
rmSync(failedMarker, { force: true });
const args = [gyp, 'rebuild', `--nodedir=${dir}`, '--directory', here];
const r = spawnSync(process.execPath, args, { stdio: process.env.RVOIP_UDP_BUILD_VERBOSE ? 'inherit' : ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (r.status !== 0) {
  // The compiler's own complaint, not node-gyp's boilerplate (System, command, cwd...).
  const lines = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n');
  const telling = lines.filter((l) => /error|not found|No such file/i.test(l) && !/^gyp ERR! (System|command|cwd|node -v|node-gyp -v|not ok)/.test(l));
  const tail = (telling.length ? telling : lines).slice(-6).join(' | ');
  fail(`node-gyp exited with ${r.status ?? r.signal}: ${tail || r.error?.message || 'no output'}`);
}
if (!existsSync(join(here, 'build', 'Release', 'rvoip_udp.node'))) fail('node-gyp succeeded but build/Release/rvoip_udp.node is missing');
