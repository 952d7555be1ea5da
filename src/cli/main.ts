#!/usr/bin/env node
// Entry point of the `superspike` binary; everything else is in program.ts so tests can drive it.
import { main } from './program.js';

main(process.argv).then((code) => {
  process.exitCode = code;
});
