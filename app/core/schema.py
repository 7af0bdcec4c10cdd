"""The IndexedDB schema as data: each version lists the steps that bring the one before up to it.

app/browser applies the steps for every version above the database's old one, inside the
upgrade transaction; adding a version means appending to MIGRATIONS, never editing one.
"""

DB_NAME = "asset-vault"

MIGRATIONS: list[tuple[int, list[dict]]] = [
    (1, [
        {"op": "createStore", "store": "projects", "keyPath": "id"},
        {"op": "createStore", "store": "assets", "keyPath": "ref"},
        # Blobs live apart from metadata so listing never touches media bytes.
        {"op": "createStore", "store": "blobs"},
        {"op": "createIndex", "store": "assets", "index": "byProject", "keyPath": ["projectId", "createdAt"]},
        {"op": "createIndex", "store": "assets", "index": "byProjectKind",
         "keyPath": ["projectId", "kind", "createdAt"]},
    ]),
    # Each project record carries assetCount and bytes, kept in the same transaction as every
    # asset write, so listing projects never reads the assets store (390 ms at 50,000 assets).
    (2, [{"op": "countAssets"}]),
    # Records owed a checksum or a preview carry ``pending: 1``; the index holds only those, so
    # a restart finds the unfinished work without reading every record (seconds at 60,000).
    (3, [{"op": "createIndex", "store": "assets", "index": "byPending", "keyPath": "pending"},
         {"op": "markPending"}]),
    # Backup: each record's ``backup`` mark (queued / uploaded / failed) is its place in the upload
    # queue, indexed so the uploader reads only the queued; the settings (the secret among them)
    # and the deletions not yet in a manifest live in a store of their own, never in localStorage.
    (4, [{"op": "createIndex", "store": "assets", "index": "byBackup", "keyPath": "backup"},
         {"op": "createStore", "store": "settings"}]),
    # A project's assetCount counts its files, not their previews (app.core.rules.totals): the
    # projects list said "16 files" of a project whose page showed 8.
    (5, [{"op": "countAssets"}]),
]

DB_VERSION = MIGRATIONS[-1][0]
