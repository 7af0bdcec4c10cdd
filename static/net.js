// fetch() for the Python side, called from a JavaScript frame. WebKit never settles a fetch()
// that fails (offline, refused, blocked by CORS) when nothing in JavaScript called it, as when
// Python (Pyodide) calls it; and the TypeError it rejects with has no stack, which Pyodide does
// not take for an error. Each outcome is [value], or the error's text. See app/browser/net.py.
Object.defineProperty(window, "__assetVaultNet", { value: Object.freeze({
  fetch: (url, options) => fetch(url, options).then((response) => [response], (error) => String(error)),
  read: (response, how) => response[how]().then((value) => [value], (error) => String(error)),
}) });
