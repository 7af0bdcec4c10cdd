// Work for bench/__main__.py, evaluated in the app's page: the vault and its peers (raw
// IndexedDB, fetch(dataURL), JSZip) do the very same work on the very same Blobs.
window.bench = (() => {
  let blobs = [];
  let dataUrls = [];

  // A real WAV (PCM) of `bytes` bytes with noise for samples: media the vault accepts, no preview.
  function wav(bytes) {
    const buf = new Uint8Array(bytes);
    for (let i = 44; i < bytes; i += 65536) crypto.getRandomValues(buf.subarray(i, Math.min(i + 65536, bytes)));
    const v = new DataView(buf.buffer);
    const text = (o, s) => [...s].forEach((c, i) => buf[o + i] = c.charCodeAt(0));
    text(0, "RIFF"); v.setUint32(4, bytes - 8, true); text(8, "WAVE"); text(12, "fmt ");
    v.setUint32(16, 16, true); v.setUint16(20, 1, true); v.setUint16(22, 1, true);
    v.setUint32(24, 48000, true); v.setUint32(28, 96000, true); v.setUint16(32, 2, true);
    v.setUint16(34, 16, true); text(36, "data"); v.setUint32(40, bytes - 44, true);
    return new Blob([buf], { type: "audio/wav" });
  }

  const peerDb = () => new Promise((resolve, reject) => {
    const req = indexedDB.open("bench-peer", 1);
    req.onupgradeneeded = () => req.result.createObjectStore("blobs");
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });

  function put(db, blob, key, durability) {
    return new Promise((resolve, reject) => {
      const tx = db.transaction("blobs", "readwrite", { durability });
      tx.objectStore("blobs").put(blob, key);
      tx.oncomplete = resolve;
      tx.onerror = tx.onabort = () => reject(tx.error);
    });
  }

  async function timed(fn) {
    const t0 = performance.now();
    await fn();
    return performance.now() - t0;
  }

  async function clearPeer() {
    const db = await peerDb();
    await new Promise((resolve) => { const tx = db.transaction("blobs", "readwrite"); tx.objectStore("blobs").clear(); tx.oncomplete = resolve; });
    db.close();
  }

  async function freshProject() {
    for (const p of await window.assetVault.listProjects()) await window.assetVault.deleteProject(p.id);
    return window.assetVault.createProject({ title: "bench" });
  }

  return {
    makeBlobs(n, mib) { blobs = Array.from({ length: n }, () => wav(Math.round(mib * 1024 * 1024))); },
    async makeDataUrls(n, mb) {
      blobs = [];
      const one = (i) => new Promise((resolve) => {
        const reader = new FileReader();
        reader.onload = () => resolve(reader.result);
        reader.readAsDataURL(wav(Math.floor(mb * 1e6 * 3 / 4)));
      });
      dataUrls = [];
      for (let i = 0; i < n; i++) dataUrls.push(await one(i));
    },
    // Frames for one-at-a-time saves: one real PNG of noise of ~`bytes` (PNG cannot squeeze it),
    // each a distinct file (bytes after IEND are ignored by decoders), so each gets a preview.
    async makeFrames(n, bytes) {
      const side = Math.round(Math.sqrt(bytes / 3));
      const canvas = new OffscreenCanvas(side, side);
      const image = canvas.getContext("2d").createImageData(side, side);
      for (let i = 0; i < image.data.length; i += 65536) {
        crypto.getRandomValues(image.data.subarray(i, Math.min(i + 65536, image.data.length)));
      }
      for (let i = 3; i < image.data.length; i += 4) image.data[i] = 255;
      canvas.getContext("2d").putImageData(image, 0, 0);
      const frame = await canvas.convertToBlob({ type: "image/png" });
      blobs = Array.from({ length: n }, (_, i) => new Blob([frame, `frame ${i}`], { type: "image/png" }));
      return frame.size;
    },
    async peerPutSequential() {
      await clearPeer();
      const db = await peerDb();
      const t0 = performance.now();
      for (let i = 0; i < blobs.length; i++) await put(db, blobs[i], i, "strict");
      const ms = performance.now() - t0;
      db.close();
      return ms;
    },
    // Each save awaited before the next, as a host app often writes; then until every CRC-32 and
    // preview is in, so that none of the vault's background work lands in the peer's next round.
    async vaultSaveSequential() {
      const pid = await freshProject();
      const t0 = performance.now();
      const refs = [];
      for (const b of blobs) refs.push(await window.assetVault.saveBlob(pid, b));
      const saved = performance.now() - t0;
      while ((await Promise.all(refs.map((r) => window.assetVault.getMeta(r)))).some((m) => m.crc32 === null || !m.thumbnailRef)) {
        await new Promise((r) => setTimeout(r, 50));
      }
      return [saved, performance.now() - t0];
    },
    async peerPutBlobs(durability) {
      await clearPeer();
      const db = await peerDb();
      const ms = await timed(() => Promise.all(blobs.map((b, i) => put(db, b, i, durability))));
      db.close();
      return ms;
    },
    async vaultSaveBlobs() {
      const pid = await freshProject();
      const t0 = performance.now();
      const refs = await Promise.all(blobs.map((b) => window.assetVault.saveBlob(pid, b)));
      const saved = performance.now() - t0;
      // Then until every CRC-32 is in the metadata (computed in the background).
      while ((await Promise.all(refs.map((r) => window.assetVault.getMeta(r)))).some((m) => m.crc32 === null)) {
        await new Promise((r) => setTimeout(r, 20));
      }
      return [saved, performance.now() - t0];
    },
    // Backup: the vault uploading the Blobs (saved with backup off, checksums done, so only the
    // upload is timed) against plain fetch PUTs of the same Blobs to presigned URLs, same server.
    // stored: the vault's own stored Blobs (read from IndexedDB, as the vault's uploads are), got
    // before the clock starts; otherwise the Blobs in memory that were saved.
    async peerBackup(urls, stored) {
      const bodies = stored ? await Promise.all(stored.map((r) => window.assetVault.getBlob(r))) : blobs;
      // Six at a time, as many as the browser runs to one host anyway (10,000 at once fail to fetch).
      let next = 0;
      const lane = async () => {
        while (next < urls.length) {
          const i = next++;
          const r = await fetch(urls[i], { method: "PUT", body: bodies[i] });
          if (!r.ok) throw new Error(`PUT ${r.status}`);
        }
      };
      return timed(() => Promise.all(Array.from({ length: 6 }, lane)));
    },
    async vaultBackup(settings) {
      await window.assetVault.configureBackup(null);
      const pid = await freshProject();
      const refs = [];
      for (let i = 0; i < blobs.length; i += 200) {  // bursts of 200, as a generator delivers frames
        refs.push(...await Promise.all(blobs.slice(i, i + 200).map((b) => window.assetVault.saveBlob(pid, b))));
      }
      while ((await window.assetVault.listAssets(pid)).some((m) => m.crc32 === null)) {
        await new Promise((r) => setTimeout(r, 50));
      }
      // Done is seen from the "backup" change events (one per upload), each burst of them checked
      // once: polling backupStatus every few ms took CPU from the uploads on a 2-core machine.
      let done, checking = false;
      const finished = new Promise((resolve) => { done = resolve; });
      const check = (e) => {
        if (e.detail.type !== "backup" || checking) return;
        checking = true;
        setTimeout(async () => {
          checking = false;
          if ((await window.assetVault.backupStatus()).uploaded >= refs.length) done();
        }, 10);
      };
      window.addEventListener("assetvault:change", check);
      const t0 = performance.now();
      await window.assetVault.configureBackup(settings);
      const configured = performance.now() - t0;
      await finished;
      window.removeEventListener("assetvault:change", check);
      return [performance.now() - t0, configured, refs];
    },
    // Latency: saves spaced apart, as a generator delivers frames; when each save resolved (wall clock).
    async backupLatency(settings, n, bytes, gapMs) {
      await window.assetVault.configureBackup(null);
      const pid = await freshProject();
      await window.assetVault.configureBackup(settings);
      const out = [];
      for (let i = 0; i < n; i++) {
        const ref = await window.assetVault.saveBlob(pid, wav(bytes));
        out.push([ref, Date.now()]);
        await new Promise((r) => setTimeout(r, gapMs));
      }
      return out;
    },
    async peerDataUrls() {
      await clearPeer();
      const db = await peerDb();
      const ms = await timed(() => Promise.all(dataUrls.map(async (u, i) => put(db, await (await fetch(u)).blob(), i, "relaxed"))));
      db.close();
      return ms;
    },
    // Archives: a project of n Blobs of `bytes` each, CRCs done (as after a normal save).
    async archiveProject(title, n, bytes) {
      const pid = await window.assetVault.createProject({ title });
      const refs = await Promise.all(Array.from({ length: n }, () => window.assetVault.saveBlob(pid, wav(bytes))));
      while ((await Promise.all(refs.map((r) => window.assetVault.getMeta(r)))).some((m) => m.crc32 === null)) {
        await new Promise((r) => setTimeout(r, 50));
      }
      return pid;
    },
    // Both exports are timed until the archive's last bytes can be read (a download can start):
    // the browser resolves a Blob of many parts after new Blob() returns, and that took seconds.
    async vaultExport(pid) {
      const heap0 = performance.memory.usedJSHeapSize;
      const t0 = performance.now();
      const zip = await window.assetVault.exportProject(pid);
      await zip.slice(zip.size - 22).arrayBuffer();
      const ms = performance.now() - t0;
      window.benchArchive = zip;
      return [ms, zip.size, performance.memory.usedJSHeapSize - heap0];
    },
    async jszipExport(pid) {
      const metas = await window.assetVault.listAssets(pid);
      const r0 = performance.now();
      const stored = await Promise.all(metas.map((m) => window.assetVault.getBlob(m.ref)));
      const readMs = performance.now() - r0;
      const heap0 = performance.memory.usedJSHeapSize;
      const t0 = performance.now();  // from Blobs in hand; reading them is reported apart
      const zip = new JSZip();
      metas.forEach((m, i) => zip.file(`${m.kind}/${m.ref}.wav`, stored[i]));
      const out = await zip.generateAsync({ type: "blob", compression: "STORE" });
      await out.slice(out.size - 22).arrayBuffer();
      return [readMs, performance.now() - t0, out.size, performance.memory.usedJSHeapSize - heap0];
    },
    async vaultImport() {
      const wasm0 = window.__assetVaultWasmBytes();
      const t0 = performance.now();
      const result = await window.assetVault.importArchive(window.benchArchive);
      const ms = performance.now() - t0;
      await window.assetVault.deleteProject(result.projectId);
      return [ms, result.assets, window.__assetVaultWasmBytes() - wasm0, wasm0];
    },
    async jszipImport() {
      const t0 = performance.now();
      const zip = await JSZip.loadAsync(window.benchArchive, { checkCRC32: true });
      let bytes = 0;
      for (const file of Object.values(zip.files)) if (!file.dir) bytes += (await file.async("uint8array")).length;
      return [performance.now() - t0, bytes];
    },
    // One video of `mib` MiB (an MP4 head, then noise), through the vault as a user's would go:
    // saved, checksummed in the background, exported, imported as a copy. The wasm heap never
    // shrinks once grown, so its growth over the whole is the peak the work needed.
    async bigVideo(mib) {
      const chunk = new Uint8Array(64 * 2 ** 20);
      for (let i = 0; i < chunk.length; i += 65536) crypto.getRandomValues(chunk.subarray(i, i + 65536));
      const head = Uint8Array.from(atob("AAAAGGZ0eXBpc29tAAACAGlzb21pc28y"), (c) => c.charCodeAt(0));
      const parts = [head];
      for (let left = mib * 2 ** 20 - head.length; left > 0; left -= chunk.length) parts.push(left >= chunk.length ? chunk : chunk.subarray(0, left));
      const video = new Blob(parts, { type: "video/mp4" });
      const wasm0 = window.__assetVaultWasmBytes();
      const pid = await window.assetVault.createProject({ title: "big video" });
      let t0 = performance.now();
      const ref = await window.assetVault.saveBlob(pid, video);
      const saveMs = performance.now() - t0;
      t0 = performance.now();
      while ((await window.assetVault.getMeta(ref)).crc32 === null) await new Promise((r) => setTimeout(r, 100));
      const crcMs = performance.now() - t0;
      t0 = performance.now();
      const zip = await window.assetVault.exportProject(pid);
      const exportMs = performance.now() - t0;
      t0 = performance.now();
      const result = await window.assetVault.importArchive(zip);
      const importMs = performance.now() - t0;
      const [copy] = await window.assetVault.listAssets(result.projectId, { kind: "video" });
      const same = copy.size === video.size && copy.crc32 === (await window.assetVault.getMeta(ref)).crc32;
      const growth = window.__assetVaultWasmBytes() - wasm0;
      await window.assetVault.deleteProject(result.projectId);
      await window.assetVault.deleteProject(pid);
      return { bytes: video.size, zipBytes: zip.size, saveMs, crcMs, exportMs, importMs, same, wasmBefore: wasm0, wasmGrowth: growth };
    },
    async vaultDataUrls() {
      const pid = await freshProject();
      return timed(() => Promise.all(dataUrls.map((u) => window.assetVault.saveDataUrl(pid, u))));
    }
  };
})();
