// Image previews off the main thread (app/browser/thumbnails.py sends the work): decode, scale to
// at most maxSide px on the grid's background colour, encode as JPEG. A batch in, a batch out: in
// the page each image cost ~3 ms of Python and FFI on the main thread besides the codecs' own work.
const LANES = 4;  // images decoded at once: a batch of 4K frames must not hold 16 bitmaps of 33 MB

async function preview(blob, { maxSide, quality, background }) {
  const full = await createImageBitmap(blob);
  const scale = Math.min(1, maxSide / Math.max(full.width, full.height, 1));
  const w = Math.max(1, Math.round(full.width * scale));
  const h = Math.max(1, Math.round(full.height * scale));
  const image = scale < 1 ? await createImageBitmap(full, { resizeWidth: w, resizeHeight: h, resizeQuality: "high" }) : full;
  const canvas = new OffscreenCanvas(w, h);
  const context = canvas.getContext("2d");
  context.fillStyle = background;
  context.fillRect(0, 0, w, h);
  context.drawImage(image, 0, 0, w, h);
  full.close();
  image.close();
  return canvas.convertToBlob({ type: "image/jpeg", quality });
}

self.onmessage = async ({ data }) => {
  const { id, blobs } = data;
  if (typeof OffscreenCanvas === "undefined" || typeof createImageBitmap === "undefined") {
    self.postMessage({ id, unsupported: true });  // the page makes them itself
    return;
  }
  const previews = new Array(blobs.length);
  let next = 0;
  const lane = async () => {
    while (next < blobs.length) {
      const i = next++;
      try {
        previews[i] = await preview(blobs[i], data);
      } catch (err) {
        previews[i] = String(err);  // not decodable: no preview for this one
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(LANES, blobs.length) }, lane));
  self.postMessage({ id, previews });
};
