// A user's scenario module for the sweep tests: seed 2 never yields (a spin), seed 3 ends its thread with
// process.exit(3); the others pass. The sweep must fail those two seeds and go on with a fresh worker.
export default function scenario(seed) {
  if (seed === 2) for (;;);
  if (seed === 3) process.exit(3);
}
