/** Small array helpers shared by tables that keep their entries in a plain array. */

/**
 * Removes, in place, every element of `arr` for which `pred` is true;
 * returns how many were removed. The survivors keep their order.
 * @example removeWhere([1, 2, 3, 4], (x) => x % 2 === 0) === 2 // array now [1, 3]
 */
export function removeWhere<T>(arr: T[], pred: (x: T) => boolean): number {
  let w = 0;
  for (let r = 0; r < arr.length; r++) {
    const x = arr[r]!;
    if (!pred(x)) arr[w++] = x;
  }
  const removed = arr.length - w;
  arr.length = w;
  return removed;
}
