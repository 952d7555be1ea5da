#!/usr/bin/env node
// Entry point of the `superspike` binary; everything else is in program.ts so tests can drive it.
import { main } from './program.js';

// A reader that goes away (`superspike run --help | head -1`, a closed terminal) is not an
// error of ours: stop writing quietly instead of crashing with an EPIPE stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
