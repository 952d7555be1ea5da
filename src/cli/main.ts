#!/usr/bin/env node
// Entry point of the `superspike` binary; everything else is in program.ts so tests can drive it.
// heap.ts is the only static import: an ES module's static imports are all loaded (read, parsed,
// compiled) before any of them runs, and loading the program's ~200 modules alone grew V8's young
// generation to 16 MiB before heap.ts could hold it at its initial size. program.ts is therefore
// imported only after heap.ts has run.
import './heap.js';

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

const { main } = await import('./program.js');
process.exitCode = await main(process.argv);
