// One Blob of many parts, for app/browser/blobs.py (an export's archive: headers between stored
// Blobs). The bytes come as one buffer cut at `ends` (bytes, Blob, bytes, ..., Blob, bytes): one
// call across the FFI, not one per part. The Blob is built in nested groups, yielding to the page
// about every SLICE_MS: one new Blob() of 20,000 parts held the page ~1.5 s, and the browser then
// took ~3.5 s more before its first byte could be read; groups are resolved while the next ones
// are built, and the whole is readable at once (measured at 10,000 frames, bench/scale.py).
(() => {
  const GROUP = 100;
  const SLICE_MS = 40;
  const turn = () => new Promise((resolve) => {  // a task, not setTimeout's clamped 4 ms
    const channel = new MessageChannel();
    channel.port1.onmessage = () => { channel.port1.close(); resolve(); };
    channel.port2.postMessage(null);
  });
  Object.defineProperty(window, "__assetVaultJoin", { value: async (bytes, ends, blobs, type) => {
    const groups = [];
    let at = 0;
    let since = performance.now();
    for (let i = 0; i < blobs.length; i += GROUP) {
      const parts = [];
      for (let k = i; k < Math.min(i + GROUP, blobs.length); k++) {
        parts.push(bytes.subarray(at, ends[k]), blobs[k]);
        at = ends[k];
      }
      groups.push(new Blob(parts));
      if (performance.now() - since > SLICE_MS) {
        await turn();
        since = performance.now();
      }
    }
    groups.push(bytes.subarray(at));
    return new Blob(groups, { type });
  } });
})();
