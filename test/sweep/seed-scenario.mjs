// A user's scenario module for the sweep tests: the default export is a function of the seed; it throws for
// every seed divisible by 4.
export default async function scenario(seed) {
  await Promise.resolve();
  if (seed % 4 === 0) throw new Error(`seed ${seed}: divisible by 4`);
}
