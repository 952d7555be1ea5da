#!/usr/bin/env node
// Entry point of the `superspike` binary; everything else is in program.ts so tests can drive it.
import './heap.js';
import { main } from './program.js';

// A reader that goes away (`superspike run --help | head -1`, a closed terminal) or a stream that
// cannot take more (`2>/dev/full`, a full disk under a redirected log) is not a reason to lose a
// run: stop writing to that stream, keep running, and say so once on the other stream where that
// cannot mix a note into data (stderr always takes it; stdout only when it is a terminal).
const broken = new Set<NodeJS.WriteStream>();
for (const [stream, other, name] of [[process.stdout, process.stderr, 'stdout'], [process.stderr, process.stdout, 'stderr']] as const) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (broken.has(stream)) return;
    broken.add(stream);
    if (err.code === 'EPIPE' || broken.has(other) || (other === process.stdout && !process.stdout.isTTY)) return;
    other.write(`superspike: ${name} cannot be written (${err.code ?? err.message}); going on without it\n`);
  });
}

main(process.argv).then((code) => {
  process.exitCode = code;
});
