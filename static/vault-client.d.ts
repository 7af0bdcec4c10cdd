// Types of the Offline Asset Vault's contract for host apps: static/vault-client.js's client and,
// with the same methods, window.assetVault on the vault's own page (README, "Contracts").
//
//   import { openVault, type AssetVault } from "/static/vault-client.js";
//
// tests/unit/test_client_types.py compiles a host app written from the README against this file
// with `tsc --strict`, and checks that a misuse does not compile.

/** Every rejection is an Error whose `name` is one of these and whose `message` a person can act on. */
export type VaultErrorName =
  | "InvalidInputError" | "NotFoundError" | "QuotaExceededError" | "StorageUnavailableError"
  | "InvalidArchiveError" | "InvalidIdError" | "NotAllowedError"
  | "RemoteAuthError" | "RemoteNotFoundError" | "RemoteUnreachableError" | "RemoteError" | "IntegrityError";

export interface VaultError extends Error {
  name: VaultErrorName;
}

/** Opaque, URL-safe ([A-Za-z0-9_-]), at most 64 characters. */
export type Ref = string;
export type ProjectId = string;

export type Kind = "image" | "video" | "audio";
export type BackupState = "none" | "queued" | "uploaded" | "failed";
/** Any JSON object up to 64 KiB: the parameters that regenerate a file (prompt, model, seed…). */
export type Params = { [key: string]: unknown };

export interface ProjectFields {
  title?: string;
  prompt?: string | null;
  style?: string | null;
  mood?: string | null;
  durationSec?: number | null;
  frameCount?: number | null;
}

export interface NewProject extends ProjectFields {
  title: string;
}

export interface Project {
  id: ProjectId;
  title: string;
  prompt: string | null;
  style: string | null;
  mood: string | null;
  durationSec: number | null;
  frameCount: number | null;
  status: string;
  createdAt: number;
  updatedAt: number;
  assetCount: number;
  bytes: number;
}

export interface ProjectSummary {
  id: ProjectId;
  title: string;
  createdAt: number;
  updatedAt: number;
  assetCount: number;
  bytes: number;
}

export interface SaveOptions {
  kind?: Kind;
  role?: string;
  name?: string;
  params?: Params;
}

export interface AssetMeta {
  ref: Ref;
  projectId: ProjectId;
  kind: Kind;
  role: string;
  name: string;
  mime: string;
  size: number;
  /** CRC-32/ISO-HDLC; null until the background checksum of a big file is in. */
  crc32: number | null;
  createdAt: number;
  params: Params;
  thumbnailRef: Ref | null;
  backup: BackupState;
  backupError?: string;
  rev?: number;
  replacedAt?: number;
  movedAt?: number;
}

export interface AssetEdit {
  name?: string;
  role?: string;
  params?: Params;
}

export interface ImportResult {
  projectId: ProjectId;
  assets: number;
  /** Entries not imported, each "name: why". */
  skipped: string[];
}

export interface VaultConfig {
  providerUrl: string;
  hostOrigins: string[];
}

export type GenerationStatus = "pending" | "processing" | "completed" | "error";

export interface GenerationFile {
  fileId: string;
  status: GenerationStatus;
  progress: number | null;
  ref: Ref | null;
  error: string | null;
}

export interface Generation {
  id: string;
  fileIds: string[];
  status: GenerationStatus;
  progress: number | null;
  projectId: ProjectId | null;
  createdAt: number;
  files: GenerationFile[];
}

export interface Usage {
  usage: number | null;
  quota: number | null;
  persisted: boolean | null;
  localStorageBytes: number;
}

export interface LegacyValue {
  key: string;
  dataUrls: number;
  bytes: number;
}

export interface RescueResult {
  projectId: ProjectId;
  assets: number;
  bytesFreed: number;
  skipped: string[];
}

interface BackupTarget {
  endpoint: string;
  bucket: string;
  region?: string;
  prefix?: string;
  pathStyle?: boolean;
  checksums?: boolean;
}

/** Keys held by the page, or a signer URL that signs each request (the keys stay on a server). */
export type BackupSettings =
  | (BackupTarget & { accessKeyId: string; secretAccessKey: string; signerUrl?: never })
  | (BackupTarget & { signerUrl: string; accessKeyId?: never; secretAccessKey?: never });

export interface BackupConfig {
  enabled: boolean;
  endpoint: string;
  bucket: string;
  prefix: string;
  region: string;
  pathStyle: boolean;
  checksums: boolean;
  accessKeyId: string;
  /** Masked: "••••••••abcd". */
  secretAccessKey: string;
  signerUrl: string | null;
}

export interface BackupStatus extends Partial<BackupConfig> {
  enabled: boolean;
  queued: number;
  uploading: number;
  uploaded: number;
  failed: number;
  bytesQueued: number;
  bytesSent?: number;
  lastError: string | null;
  lastSyncAt: number | null;
}

export interface SyncResult {
  uploaded: number;
  downloaded: number;
  deleted: number;
  /** Files and projects that took another device's newer edits (a rename, new bytes, a new title). */
  changed: number;
}

export interface RemoteProject {
  id: ProjectId;
  title: string;
  updatedAt: number | null;
  assetCount: number;
  bytes: number;
  local: boolean;
  incomplete?: true;
}

/** window.assetVault's methods; every one is async and rejects with a VaultError. */
export interface AssetVault {
  version(): Promise<string>;
  createProject(fields: NewProject): Promise<ProjectId>;
  listProjects(): Promise<ProjectSummary[]>;
  deleteProject(projectId: ProjectId): Promise<{ assetsDeleted: number; bytesFreed: number }>;
  updateProject(projectId: ProjectId, fields: ProjectFields): Promise<Project>;
  saveDataUrl(projectId: ProjectId, dataUrl: string, options?: SaveOptions): Promise<Ref>;
  saveBlob(projectId: ProjectId, blob: Blob, options?: SaveOptions): Promise<Ref>;
  saveFromUrl(projectId: ProjectId, url: string, options?: SaveOptions): Promise<Ref>;
  getBlob(ref: Ref): Promise<Blob | null>;
  getMeta(ref: Ref): Promise<AssetMeta | null>;
  listAssets(projectId: ProjectId, options?: { kind?: Kind }): Promise<AssetMeta[]>;
  deleteAsset(ref: Ref): Promise<boolean>;
  replaceBlob(ref: Ref, blob: Blob): Promise<AssetMeta>;
  updateAsset(ref: Ref, fields: AssetEdit): Promise<AssetMeta>;
  moveAssets(refs: Ref[], projectId: ProjectId): Promise<{ projectId: ProjectId; moved: number }>;
  exportProject(projectId: ProjectId): Promise<Blob>;
  importArchive(archive: Blob): Promise<ImportResult>;
  configure(settings: { providerUrl?: string | null; hostOrigins?: string[] }): Promise<VaultConfig>;
  track(idsString: string, options?: { projectId?: ProjectId }): Promise<string>;
  generation(generationId: string): Promise<Generation>;
  usage(): Promise<Usage>;
  requestPersist(): Promise<boolean>;
  scanLegacy(): Promise<LegacyValue[]>;
  rescueLegacy(keys?: string[]): Promise<RescueResult>;
  configureBackup(settings: BackupSettings | null): Promise<BackupConfig | { enabled: false }>;
  backupStatus(): Promise<BackupStatus>;
  syncNow(): Promise<SyncResult>;
  listRemoteProjects(): Promise<RemoteProject[]>;
  restoreProject(projectId: ProjectId): Promise<{ projectId: ProjectId; assets: number; bytes: number }>;
  deleteRemoteProject(projectId: ProjectId): Promise<{ objectsDeleted: number }>;
}

export type ChangeType = "project" | "asset" | "generation" | "backup" | "settings";
export type ChangeAction = "created" | "updated" | "deleted" | "moved";

/** detail of "assetvault:change": every committed change, in every open vault page and client. */
export interface ChangeDetail {
  type: ChangeType;
  action: ChangeAction;
  /** "" for the backup settings, the page's settings, and a generation not yet given a project. */
  projectId: ProjectId;
  ref?: Ref;
  /** With action "moved": the project the file left. */
  fromProjectId?: ProjectId;
  /** With type "generation": the generation (track's answer) whose status changed. */
  genId?: string;
}

/** detail of "assetvault:regenerate": a person asked for a file to be made again from its params. */
export interface RegenerateDetail {
  ref: Ref;
  projectId: ProjectId;
  params: Params;
}

export interface VaultEventMap {
  "assetvault:change": CustomEvent<ChangeDetail>;
  "assetvault:regenerate": CustomEvent<RegenerateDetail>;
}

export interface VaultClient extends AssetVault, EventTarget {
  /** The vault page's URL. */
  readonly url: string;
  /** Resolves once the vault has started (calls made before then wait for it). */
  readonly ready: Promise<VaultClient>;
  /** Removes the vault's iframe; the client answers no more calls. */
  close(): void;
  addEventListener<K extends keyof VaultEventMap>(type: K, listener: (event: VaultEventMap[K]) => void,
                                                  options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null,
                   options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof VaultEventMap>(type: K, listener: (event: VaultEventMap[K]) => void,
                                                     options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null,
                      options?: boolean | EventListenerOptions): void;
}

/** The bridge's method names, as the client exposes them. */
export declare const METHODS: ReadonlyArray<keyof AssetVault>;

/** Opens (once per URL) the vault page at `vaultUrl` in a hidden iframe; rejects with a VaultError
 * (NotAllowedError for an origin the vault's owner has not listed, RemoteUnreachableError when the
 * page does not load or answer within `timeoutMs`). */
export declare function openVault(vaultUrl?: string, options?: { timeoutMs?: number }): Promise<VaultClient>;

declare global {
  interface Window {
    /** On the vault's page: resolves to the bridge once the vault is usable. */
    assetVaultReady: Promise<AssetVault>;
    assetVault?: AssetVault;
  }
  interface WindowEventMap {
    "assetvault:change": CustomEvent<ChangeDetail>;
    "assetvault:regenerate": CustomEvent<RegenerateDetail>;
  }
}
