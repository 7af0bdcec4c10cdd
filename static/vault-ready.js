// window.assetVaultReady exists before Python starts, so a host page can await it at once.
// app/main.py settles it: with window.assetVault, or with an Error if start-up fails.
(() => {
  let settle;
  window.assetVaultReady = new Promise((resolve, reject) => { settle = { resolve, reject }; });
  Object.defineProperty(window, "__assetVaultSettle", { value: settle });
})();
