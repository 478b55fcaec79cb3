/**
 * JavaScript source of the kernel that builds, for one refinement round, every row's join list:
 * the rows whose neighbours it will compare (see refineKernel.ts and kernelPool.ts).
 *
 * The list of v holds its `forward` nearest neighbours, then up to `reverse` of its reverse
 * neighbours (rows that have v in their own row), those with the lowest rank first (v is their
 * 1st, 2nd, … neighbour; ties by row index), skipping rows already listed. Each entry carries a
 * "new" flag: the edge entered the graph in the previous round (a row listed both ways is new when
 * either edge is). The new entries are also copied to a second list. Lists have a fixed stride of
 * forward + reverse entries, their lengths in `listLength` and `newLength`.
 *
 * Task fields: n, k, chunk, counter, forward, reverse, idx (Int32 n×k rows) and isNew (Uint8 n×k)
 * of the current graph, revStart (Int32 n+1) and revSlot (Int32 n·k: the slots i·k + rank of the
 * rows listing v, by increasing i), list, listNew (Uint8), listLength, newList, newLength.
 * Each thread writes only the lists of the rows it claims.
 */
export const JOIN_LISTS_KERNEL = String.raw`function joinListsKernel(task) {
  const n = task.n, k = task.k, chunk = task.chunk, forward = task.forward, reverse = task.reverse, width = forward + reverse;
  const idx = new Int32Array(task.idx), isNew = new Uint8Array(task.isNew);
  const revStart = new Int32Array(task.revStart), revSlot = new Int32Array(task.revSlot);
  const list = new Int32Array(task.list), listNew = new Uint8Array(task.listNew), listLength = new Int32Array(task.listLength);
  const newList = new Int32Array(task.newList), newLength = new Int32Array(task.newLength);
  const counter = new Int32Array(task.counter);
  const stamp = new Int32Array(n).fill(-1), position = new Int32Array(n), rankCount = new Int32Array(k);
  for (;;) {
    const start = Atomics.add(counter, 0, chunk);
    if (start >= n) break;
    const end = Math.min(n, start + chunk);
    for (let v = start; v < end; v++) {
      const o = v * width;
      let length = 0;
      for (let t = 0; t < forward; t++) {
        const j = idx[v * k + t];
        stamp[j] = v; position[j] = length;
        list[o + length] = j; listNew[o + length] = isNew[v * k + t]; length++;
      }
      const r0 = revStart[v], r1 = revStart[v + 1];
      // Reverse entries of rank < cutRank are all taken, then the first 'atCut' of rank cutRank.
      let cutRank = k, atCut = 0;
      if (r1 - r0 > reverse) {
        for (let r = r0; r < r1; r++) rankCount[revSlot[r] % k]++;
        let taken = 0;
        cutRank = 0;
        while (taken + rankCount[cutRank] < reverse) taken += rankCount[cutRank++];
        atCut = reverse - taken;
        rankCount.fill(0);
      }
      for (let r = r0; r < r1; r++) {
        const slot = revSlot[r], rank = slot % k;
        if (rank > cutRank) continue;
        if (rank === cutRank) { if (atCut === 0) continue; atCut--; }
        const u = (slot - rank) / k;
        if (stamp[u] === v) { listNew[o + position[u]] |= isNew[slot]; continue; }
        list[o + length] = u; listNew[o + length] = isNew[slot]; length++;
      }
      listLength[v] = length;
      let fresh = 0;
      for (let t = 0; t < length; t++) if (listNew[o + t]) newList[o + fresh++] = list[o + t];
      newLength[v] = fresh;
    }
  }
}`;
