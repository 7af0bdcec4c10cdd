// Work for bench/scale.py, evaluated in the app's page: a project of real PNG frames at the
// scale AI video work reaches, and a raw IndexedDB peer doing the same writes.
window.scaleBench = (() => {
  let frame = null;  // one real ~100 KB PNG; every saved frame is it plus its own trailing bytes
  const longTasks = [];
  new PerformanceObserver((list) => { for (const e of list.getEntries()) longTasks.push([e.startTime, e.duration]); })
    .observe({ type: "longtask", buffered: true });

  async function png(width, height) {
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext("2d");
    const image = ctx.createImageData(width, height);
    for (let i = 0; i < image.data.length; i += 65536) {  // noise: PNG cannot squeeze it, as with real frames
      crypto.getRandomValues(image.data.subarray(i, Math.min(i + 65536, image.data.length)));
    }
    for (let i = 3; i < image.data.length; i += 4) image.data[i] = 255;
    ctx.putImageData(image, 0, 0);
    return canvas.convertToBlob({ type: "image/png" });
  }

  // Bytes after IEND are ignored by decoders: each frame is a distinct, decodable PNG.
  const nth = (i) => new Blob([frame, `frame ${i}`], { type: "image/png" });

  const peerDb = () => new Promise((resolve, reject) => {
    const req = indexedDB.open("scale-peer", 1);
    req.onupgradeneeded = () => req.result.createObjectStore("blobs");
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });

  const put = (db, blob, key) => new Promise((resolve, reject) => {
    const tx = db.transaction("blobs", "readwrite", { durability: "strict" });
    tx.objectStore("blobs").put(blob, key);
    tx.oncomplete = resolve;
    tx.onerror = tx.onabort = () => reject(tx.error);
  });

  const tasksSince = (t0) => longTasks.filter(([start]) => start >= t0).map(([, d]) => d);

  return {
    async makeFrame(side) { frame = await png(side, side); return frame.size; },

    // n sequential awaited puts of n frames, strict durability, as the vault's saves are.
    async peerSequential(n, from) {
      const db = await peerDb();
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await put(db, nth(from + i), from + i);
      const ms = performance.now() - t0;
      db.close();
      return ms;
    },

    async vaultSequential(pid, n, from) {
      const t0 = performance.now();
      let ref = null;
      for (let i = 0; i < n; i++) ref = await window.assetVault.saveBlob(pid, nth(from + i));
      return [performance.now() - t0, ref];
    },

    // Saves in bursts as a generator streams frames; then until every checksum and preview is in.
    async vaultBursts(pid, n, burst) {
      const t0 = performance.now();
      const refs = [];
      for (let i = 0; i < n; i += burst) {
        const count = Math.min(burst, n - i);
        refs.push(...await Promise.all(Array.from({ length: count }, (_, k) => window.assetVault.saveBlob(pid, nth(i + k)))));
      }
      const saved = performance.now() - t0;
      return [saved, refs[refs.length - 1]];
    },

    // Background work runs in save order, checksums first: when the last frame has its preview,
    // the rest are done. Cheap to poll (listing 20,000 records every poll made long tasks).
    async lastDone(ref) {
      const meta = await window.assetVault.getMeta(ref);
      return meta.crc32 !== null && meta.thumbnailRef !== null;
    },

    // Settled: every frame of pid has its CRC-32 and its preview (or was judged undecodable).
    async settled(pid) {
      const metas = await window.assetVault.listAssets(pid);
      const frames = metas.filter((m) => m.role !== "thumbnail");
      return [frames.length, frames.filter((m) => m.crc32 !== null).length,
              frames.filter((m) => m.thumbnailRef).length];
    },

    longTasksSince(t0) { return longTasks.filter(([start]) => start >= t0); },
    now() { return performance.now(); },

    // Route to the project; resolve when its first screen of cards has painted.
    async open(pid) {
      const t0 = performance.now();
      location.hash = `#/project/${pid}`;
      for (;;) {
        await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
        const cards = document.querySelectorAll("#assets .asset-card");
        if (cards.length && cards[0].querySelector("img")) break;
        if (performance.now() - t0 > 120000) throw new Error("the project never showed");
      }
      const ms = performance.now() - t0;
      return [ms, document.querySelectorAll(".asset-card").length, document.querySelectorAll("*").length];
    },

    // Scroll through the whole grid, `step` of the viewport per frame (1: a screen of new cards
    // every frame, like dragging the scroll bar; 0.25: a quick wheel); every frame's length.
    async scrollThrough(step = 1) {
      const t0 = performance.now();
      const frames = [];
      let last = performance.now();
      const by = window.innerHeight * step;
      for (let y = 0; y < document.documentElement.scrollHeight; y += by) {
        window.scrollTo(0, y);
        await new Promise((r) => requestAnimationFrame(r));
        const now = performance.now();
        frames.push(now - last);
        last = now;
      }
      return [performance.now() - t0, frames, document.querySelectorAll(".asset-card").length,
              tasksSince(t0)];
    },

    async timeList(rounds) {
      const samples = [];
      for (let i = 0; i < rounds; i++) {
        const t0 = performance.now();
        await window.assetVault.listProjects();
        samples.push(performance.now() - t0);
      }
      return samples;
    },

    // A project of n frames with params to search (prompts from a small vocabulary), saved in
    // reverse frame order so the grid's frame order is a real sort. Returns the last ref.
    async fillSearchable(pid, n) {
      const tiny = await png(8, 8);
      const what = ["harbour", "alley", "forest", "desert", "station", "bridge", "market"];
      const light = ["dawn", "noon", "dusk", "night", "rain"];
      let last = null;
      for (let i = 0; i < n; i += 500) {
        const refs = await Promise.all(Array.from({ length: Math.min(500, n - i) }, (_, k) => {
          const f = i + k;
          return window.assetVault.saveBlob(pid, new Blob([tiny, `${f}`], { type: "image/png" }), {
            role: "frame", name: `shot-${String(n - 1 - f).padStart(5, "0")}.png`,
            params: { prompt: `a ${what[f % 7]} at ${light[f % 5]}, take ${f % 11}`, frameNumber: n - 1 - f,
                      seed: 1000 + f, model: { name: "m-2", steps: 30 } } });
        }));
        last = refs[refs.length - 1];
      }
      return last;
    },

    // Types text into a search box a key at a time, as a person does: each key's time from the
    // input event to the next frame painted with its result.
    async typeInto(selector, text) {
      const box = document.querySelector(selector);
      box.value = "";
      box.dispatchEvent(new Event("input", { bubbles: true }));
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      const samples = [];
      for (const ch of text) {
        const t0 = performance.now();
        box.value += ch;
        box.dispatchEvent(new Event("input", { bubbles: true }));
        await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
        samples.push(performance.now() - t0);
      }
      return samples;
    },

    // The peer: the same search as plain JS over the same records in hand (lower-cased text
    // built once, every word must be found), per keystroke.
    async peerSearch(pid, text) {
      const metas = (await window.assetVault.listAssets(pid)).filter((m) => m.role !== "thumbnail");
      const texts = metas.map((m) => [m.name, m.role, m.mime, m.ref, JSON.stringify(m.params)].join("\n").toLowerCase());
      const samples = [];
      for (let i = 1; i <= text.length; i++) {
        const t0 = performance.now();
        const words = text.slice(0, i).toLowerCase().split(/\s+/).filter(Boolean);
        const found = metas.filter((m, k) => words.every((w) => texts[k].includes(w)));
        found.sort((a, b) => a.params.frameNumber - b.params.frameNumber);
        samples.push(performance.now() - t0);
      }
      return samples;
    },

    // Many small projects quickly: a tiny PNG each, saved in bursts.
    // Returns the last ref saved: when it has its preview, the background work is done.
    async fill(projects, perProject) {
      const tiny = await png(8, 8);
      let last = null;
      for (let p = 0; p < projects; p++) {
        const pid = await window.assetVault.createProject({ title: `filler ${p}` });
        for (let i = 0; i < perProject; i += 500) {
          const refs = await Promise.all(Array.from({ length: Math.min(500, perProject - i) },
            (_, k) => window.assetVault.saveBlob(pid, new Blob([tiny, `${p}/${i + k}`], { type: "image/png" }))));
          last = refs[refs.length - 1];
        }
      }
      return last;
    },
  };
})();
