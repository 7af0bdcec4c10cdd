// window.assetVaultReady exists before Python starts, so a host page can await it at once.
// app/main.py settles it: with window.assetVault, or with an Error if start-up fails.
// __assetVaultFail is the one place a start-up failure is drawn: it works even when Python or
// the app's modules could not load, and it never shows a traceback, only a sentence and a
// "Copy details" button for bug reports.
(() => {
  let settle;
  window.assetVaultReady = new Promise((resolve, reject) => { settle = { resolve, reject }; });
  window.assetVaultReady.catch(() => {});  // a host that never awaits it is not an unhandled rejection
  Object.defineProperty(window, "__assetVaultSettle", { value: settle });
  const fail = (name, message, details) => {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", () => fail(name, message, details));
      return;
    }
    show(name, message, details);
  };
  Object.defineProperty(window, "__assetVaultFail", { value: fail });
  const show = (name, message, details) => {
    const error = Object.assign(new Error(message), { name });
    document.body.dataset.state = "error";
    const box = document.getElementById("app");
    const note = Object.assign(document.createElement("div"), { className: "notice error fatal" });
    note.setAttribute("role", "alert");
    note.append(Object.assign(document.createElement("p"), { textContent: message }));
    if (details) {
      const copy = Object.assign(document.createElement("button"), { textContent: "Copy details", className: "small" });
      copy.addEventListener("click", () => navigator.clipboard.writeText(details).then(
        () => { copy.textContent = "Copied"; }, () => { copy.textContent = "Copy blocked: see the console"; }));
      note.append(copy);
      console.error(details);
    }
    box.replaceChildren(note);
    settle.reject(error);
  };

  // PyScript opens IndexedDB itself while it starts, and never starts where storage is blocked
  // (private modes, site data blocked), so Python would never get to say so: check here.
  const blocked = (why) => fail("StorageUnavailableError", "The vault keeps your media in this browser's " +
    "own storage, and the browser does not allow that here. Private windows and settings that block site " +
    `data do this: open the vault in a normal window, or allow this site to store data, then reload. (${why})`);
  try {
    const probe = indexedDB.open("asset-vault-probe");
    probe.onsuccess = () => probe.result.close();
    probe.onerror = (event) => { event.preventDefault?.(); blocked(`${probe.error?.name}: ${probe.error?.message}`); };
  } catch (err) {
    blocked(`${err.name}: ${err.message}`);
  }
})();
